#include "barrier.h"

#include <atomic>

#include "faults.h"
#include "import.h"

namespace rsmsim {

namespace {

// The common checks of open/order/close/destroy. A barrier whose segment has
// been disconnected (or was never ours) names a dead handle.
int BarrierSegment(rsmapi_barrier_t* barrier, ImportRec** seg) {
  if (!barrier) return RSMERR_BAD_BARRIER_PTR;
  if (!barrier->seg) return RSMERR_BARRIER_UNINITIALIZED;
  *seg = LiveImport(barrier->seg);
  return *seg ? RSM_SUCCESS : RSMERR_BAD_SEG_HNDL;
}

// The driver fails every barrier request of an import whose mapping was
// touched after a forced disconnect (it answers RSMERR_CONN_ABORTED, which
// the generic plug-in reports as its own barrier code). The simulator sees
// the accesses it makes itself: put/get and same-node scatter/gather.
bool DriverRefusesBarrier(const ImportRec* seg) { return seg->touched_after_cut.load(std::memory_order_relaxed); }

}  // namespace

int InitBarrier(void* handle, rsm_barrier_type_t, rsmapi_barrier_t* barrier) {
  if (!handle) return RSMERR_BAD_SEG_HNDL;
  if (!barrier) return RSMERR_BAD_BARRIER_PTR;
  ImportRec* seg = LiveImport(handle);
  if (!seg) return RSMERR_BAD_SEG_HNDL;
  // The type is accepted and ignored, and gnum is left alone, as the library does.
  barrier->seg = handle;
  seg->barrier.store(barrier, std::memory_order_release);
  return RSM_SUCCESS;
}

int OpenBarrier(rsmapi_barrier_t* barrier) {
  ImportRec* seg;
  int rc = BarrierSegment(barrier, &seg);
  if (rc != RSM_SUCCESS) return rc;
  barrier->gnum = seg->connect_gen;
  if (seg->ctlr->loopback) return RSM_SUCCESS;  // the loopback plug-in asks the driver nothing
  // The generic plug-in's driver barrier open: refused for an import whose
  // mapping was used after a forced disconnect, whichever node exports it
  // (rsm.c rsmbar_ioctl), or by an injected fault.
  if (DriverRefusesBarrier(seg) || TakeBarrierOpenFault(seg->ctlr->node)) return RSMERR_BARRIER_OPEN_FAILED;
  return RSM_SUCCESS;
}

int OrderBarrier(rsmapi_barrier_t* barrier) {
  ImportRec* seg;
  int rc = BarrierSegment(barrier, &seg);
  if (rc != RSM_SUCCESS) return rc;
  // Stores issued before the order are visible to every node before stores
  // issued after it: on shared memory that is a full fence.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // The generic plug-in's driver barrier order (rsm.c rsmbar_ioctl).
  if (!seg->ctlr->loopback && DriverRefusesBarrier(seg)) return RSMERR_BARRIER_FAILURE;
  return RSM_SUCCESS;
}

int CloseBarrier(rsmapi_barrier_t* barrier) {
  ImportRec* seg;
  int rc = BarrierSegment(barrier, &seg);
  if (rc != RSM_SUCCESS) return rc;
  if (barrier->gnum != seg->LiveGeneration()) return RSMERR_CONN_ABORTED;
  // An exporter that died is noticed here, as the driver would on a node
  // failure; its importers are then cut off like on unpublish.
  CheckExporterAlive(seg);
  if (barrier->gnum != seg->LiveGeneration()) return RSMERR_CONN_ABORTED;
  // The generic plug-in's close: the driver's refusal, or an injected fault (faults.h).
  if (!seg->ctlr->loopback && (DriverRefusesBarrier(seg) || TakeBarrierCloseFault(seg->ctlr->node)))
    return RSMERR_BARRIER_FAILURE;
  return RSM_SUCCESS;
}

int DestroyBarrier(rsmapi_barrier_t* barrier) {
  ImportRec* seg;
  int rc = BarrierSegment(barrier, &seg);
  if (rc != RSM_SUCCESS) return rc;
  // Unregisters whatever barrier the segment has; barrier->seg stays set.
  seg->barrier.store(nullptr, std::memory_order_release);
  return RSM_SUCCESS;
}

int GetMode(void* handle, rsm_barrier_mode_t* mode) {
  if (!handle) return RSMERR_BAD_SEG_HNDL;
  ImportRec* seg = LiveImport(handle);
  if (!seg) return RSMERR_BAD_SEG_HNDL;
  if (!mode) return RSMERR_BAD_ADDR;
  *mode = static_cast<rsm_barrier_mode_t>(seg->barrier_mode.load());
  return RSM_SUCCESS;
}

int SetMode(void* handle, rsm_barrier_mode_t mode) {
  if (!handle) return RSMERR_BAD_SEG_HNDL;
  if (mode != RSM_BARRIER_MODE_EXPLICIT && mode != RSM_BARRIER_MODE_IMPLICIT) return RSMERR_BAD_MODE;
  ImportRec* seg = LiveImport(handle);
  if (!seg) return RSMERR_BAD_SEG_HNDL;
  seg->barrier_mode.store(mode);
  return RSM_SUCCESS;
}

}  // namespace rsmsim
