// The 42 librsm entry points. Each checks its arguments in the library's
// order (docs/semantics.md §4) and hands the rest to the concept that implements
// it. Where the real library would dereference a NULL or foreign pointer,
// the natural error code is returned instead of crashing.
#include <stdlib.h>


#include "barrier.h"
#include "controller.h"
#include "export.h"
#include "fabric.h"
#include "import.h"
#include "liveness_watch.h"
#include "local_memory.h"
#include "scatter_gather.h"
#include "segment_ids.h"
#include "signals.h"
#include "sim_api.h"
#include "transfer.h"

using namespace rsmsim;

#define RSMSIM_API(ret, name) extern "C" RSMSIM_VISIBLE ret RSMSIM_ENTRY(name)

namespace {

bool PageAligned(uintptr_t v) { return v % HostPageSize() == 0; }

}  // namespace

// ---- controllers ----

RSMSIM_API(int, rsm_get_controller)(char* name, rsmapi_controller_handle_t* controller) {
  if (!controller) return RSMERR_BAD_CTLR_HNDL;
  ControllerRec* rec = nullptr;
  int rc = GetController(name, &rec);
  if (rc == RSM_SUCCESS) *controller = reinterpret_cast<rsmapi_controller_handle_t>(rec);
  return rc;
}

RSMSIM_API(int, rsm_get_controller_attr)(rsmapi_controller_handle_t chdl, rsmapi_controller_attr_t* attr) {
  if (!chdl) return RSMERR_BAD_CTLR_HNDL;
  if (!attr) return RSMERR_BAD_ADDR;
  ControllerRec* rec = AnyController(chdl);
  if (!rec) return RSMERR_BAD_CTLR_HNDL;
  return ControllerAttr(rec, attr);
}

RSMSIM_API(int, rsm_release_controller)(rsmapi_controller_handle_t controller) {
  ControllerRec* rec = AnyController(controller);
  if (!rec) return RSMERR_BAD_CTLR_HNDL;
  return ReleaseController(rec);
}

// ---- export side ----

RSMSIM_API(int, rsm_memseg_export_create)
(rsmapi_controller_handle_t controller, rsm_memseg_export_handle_t* memseg, void* vaddr, size_t size, uint_t flags) {
  if (!controller) return RSMERR_BAD_CTLR_HNDL;
  if (!memseg) return RSMERR_BAD_SEG_HNDL;
  *memseg = nullptr;
  if (!vaddr) return RSMERR_BAD_ADDR;
  if (size == 0) return RSMERR_BAD_LENGTH;
  if (!PageAligned(reinterpret_cast<uintptr_t>(vaddr)) || !PageAligned(size)) return RSMERR_BAD_MEM_ALIGNMENT;
  ControllerRec* ctlr = AnyController(controller);
  if (!ctlr) return RSMERR_BAD_CTLR_HNDL;
  ExportRec* rec = nullptr;
  int rc = ExportCreate(ctlr, vaddr, size, flags, &rec);
  if (rc == RSM_SUCCESS) {
    *memseg = reinterpret_cast<rsm_memseg_export_handle_t>(rec);
    WatchCluster();  // reap importers that die, with their doorbells
  }
  return rc;
}

RSMSIM_API(int, rsm_memseg_export_destroy)(rsm_memseg_export_handle_t memseg) {
  if (!memseg) return RSMERR_BAD_SEG_HNDL;
  ExportRec* seg = LiveExport(memseg);
  if (!seg) return RSMERR_BAD_SEG_HNDL;
  {
    std::lock_guard<std::mutex> lock(seg->mu);
    if (seg->pollfd_count != 0) return RSMERR_POLLFD_IN_USE;
  }
  const uint32_t entry = seg->entry, inc = seg->entry_inc;
  int rc = ExportDestroy(seg);
  if (rc == RSM_SUCCESS) CloseDoorbell(true, entry, inc);
  return rc;
}

RSMSIM_API(int, rsm_memseg_export_rebind)
(rsm_memseg_export_handle_t memseg, void* vaddr, offset_t off, size_t size) {
  (void)off;  // the library always sends 0
  if (!memseg) return RSMERR_BAD_SEG_HNDL;
  if (!vaddr) return RSMERR_BAD_ADDR;
  ExportRec* seg = LiveExportAnyProcess(memseg);
  if (!seg) return RSMERR_BAD_SEG_HNDL;
  return ExportRebind(seg, vaddr, size);
}

RSMSIM_API(int, rsm_memseg_export_publish)
(rsm_memseg_export_handle_t memseg, rsm_memseg_id_t* segment_id, rsmapi_access_entry_t access_list[],
 uint_t access_list_length) {
  if (!segment_id) return RSMERR_BAD_SEGID;
  if (!memseg) return RSMERR_BAD_SEG_HNDL;
  ExportRec* seg = LiveExportAnyProcess(memseg);
  bool is_import = !seg && LiveImport(memseg);
  if (!seg && !is_import) return RSMERR_BAD_SEG_HNDL;
  if (access_list_length > 0 && !access_list) return RSMERR_BAD_ACL;
  if (is_import) return RSMERR_SEG_ALREADY_PUBLISHED;  // an import is never in the BOUND state
  rsm_memseg_id_t assigned = 0;
  int rc = ExportPublish(seg, *segment_id, access_list, access_list_length, &assigned);
  if (rc == RSM_SUCCESS && *segment_id == 0) *segment_id = assigned;
  return rc;
}

RSMSIM_API(int, rsm_memseg_export_unpublish)(rsm_memseg_export_handle_t memseg) {
  if (!memseg) return RSMERR_BAD_SEG_HNDL;
  ExportRec* seg = LiveExportAnyProcess(memseg);
  if (!seg) return LiveImport(memseg) ? RSMERR_SEG_NOT_PUBLISHED : RSMERR_BAD_SEG_HNDL;
  return ExportUnpublish(seg);
}

RSMSIM_API(int, rsm_memseg_export_republish)
(rsm_memseg_export_handle_t memseg, rsmapi_access_entry_t access_list[], uint_t access_list_length) {
  if (!memseg) return RSMERR_BAD_SEG_HNDL;
  ExportRec* seg = LiveExportAnyProcess(memseg);
  if (!seg) return LiveImport(memseg) ? RSMERR_SEG_NOT_PUBLISHED : RSMERR_BAD_SEG_HNDL;
  return ExportRepublish(seg, access_list, access_list_length);
}

// ---- import connect / disconnect / map ----

RSMSIM_API(int, rsm_memseg_import_connect)
(rsmapi_controller_handle_t controller, rsm_node_id_t node_id, rsm_memseg_id_t segment_id, rsm_permission_t perm,
 rsm_memseg_import_handle_t* im_memseg) {
  if (!controller) return RSMERR_BAD_CTLR_HNDL;
  if (!im_memseg) return RSMERR_BAD_SEG_HNDL;
  *im_memseg = nullptr;
  ControllerRec* ctlr = AnyController(controller);
  if (!ctlr) return RSMERR_BAD_CTLR_HNDL;
  if (perm & ~static_cast<rsm_permission_t>(RSM_PERM_RDWR)) return RSMERR_PERM_DENIED;
  ImportRec* rec = nullptr;
  int rc = ImportConnect(ctlr, node_id, segment_id, perm, &rec);
  if (rc == RSM_SUCCESS) {
    *im_memseg = reinterpret_cast<rsm_memseg_import_handle_t>(rec);
    WatchCluster();  // notice at once if the exporter dies (liveness_watch.h)
  }
  return rc;
}

RSMSIM_API(int, rsm_memseg_import_disconnect)(rsm_memseg_import_handle_t im_memseg) {
  if (!im_memseg) return RSMERR_BAD_SEG_HNDL;
  ImportRec* seg = LiveImport(im_memseg);
  if (!seg) return RSMERR_BAD_SEG_HNDL;
  const uint32_t entry = seg->entry, inc = seg->entry_inc;
  int rc = ImportDisconnect(seg);
  if (rc == RSM_SUCCESS) CloseDoorbell(false, entry, inc);
  return rc;
}

RSMSIM_API(int, rsm_memseg_import_map)
(rsm_memseg_import_handle_t im_memseg, void** address, rsm_attribute_t attr, rsm_permission_t perm, off_t offset,
 size_t length) {
  if (!im_memseg) return RSMERR_BAD_SEG_HNDL;
  if (!address) return RSMERR_BAD_ADDR;
  ImportRec* seg = LiveImport(im_memseg);
  if (!seg) return RSMERR_BAD_SEG_HNDL;  // an export is neither MAPPED nor CONNECTED
  return ImportMap(seg, address, attr, perm, offset, length);
}

RSMSIM_API(int, rsm_memseg_import_unmap)(rsm_memseg_import_handle_t im_memseg) {
  if (!im_memseg) return RSMERR_BAD_SEG_HNDL;
  ImportRec* seg = LiveImport(im_memseg);
  if (!seg) return LiveExport(im_memseg) ? RSMERR_SEG_NOT_MAPPED : RSMERR_BAD_SEG_HNDL;
  return ImportUnmap(seg);
}

// ---- put / get ----

// The scalar calls, one pair per width: rsm_memseg_import_get<bits> and
// rsm_memseg_import_put<bits>.
#define RSMSIM_SCALAR_PAIR(bits)                                                                               \
  RSMSIM_API(int, rsm_memseg_import_get##bits)                                                                 \
  (rsm_memseg_import_handle_t h, off_t offset, uint##bits##_t * datap, ulong_t rep_cnt) {                     \
    return Transfer<uint##bits##_t, false>(h, offset, datap, rep_cnt);                                         \
  }                                                                                                            \
  RSMSIM_API(int, rsm_memseg_import_put##bits)                                                                 \
  (rsm_memseg_import_handle_t h, off_t offset, uint##bits##_t * datap, ulong_t rep_cnt) {                     \
    return Transfer<uint##bits##_t, true>(h, offset, datap, rep_cnt);                                          \
  }
RSMSIM_SCALAR_PAIR(8)
RSMSIM_SCALAR_PAIR(16)
RSMSIM_SCALAR_PAIR(32)
RSMSIM_SCALAR_PAIR(64)
#undef RSMSIM_SCALAR_PAIR

RSMSIM_API(int, rsm_memseg_import_get)(rsm_memseg_import_handle_t h, off_t offset, void* dst_addr, size_t length) {
  return Transfer<uint8_t, false, true>(h, offset, static_cast<uint8_t*>(dst_addr), length);
}
RSMSIM_API(int, rsm_memseg_import_put)(rsm_memseg_import_handle_t h, off_t offset, void* src_addr, size_t length) {
  return Transfer<uint8_t, true, true>(h, offset, static_cast<uint8_t*>(src_addr), length);
}

// ---- scatter/gather ----

RSMSIM_API(int, rsm_memseg_import_putv)(rsm_scat_gath_t* sg_io) { return ScatterGather(sg_io, true); }
RSMSIM_API(int, rsm_memseg_import_getv)(rsm_scat_gath_t* sg_io) { return ScatterGather(sg_io, false); }

// ---- barriers and mode ----

RSMSIM_API(int, rsm_memseg_import_init_barrier)
(rsm_memseg_import_handle_t im_memseg, rsm_barrier_type_t type, rsmapi_barrier_t* barrier) {
  return InitBarrier(im_memseg, type, barrier);
}
RSMSIM_API(int, rsm_memseg_import_open_barrier)(rsmapi_barrier_t* barrier) { return OpenBarrier(barrier); }
RSMSIM_API(int, rsm_memseg_import_order_barrier)(rsmapi_barrier_t* barrier) { return OrderBarrier(barrier); }
RSMSIM_API(int, rsm_memseg_import_close_barrier)(rsmapi_barrier_t* barrier) { return CloseBarrier(barrier); }
RSMSIM_API(int, rsm_memseg_import_destroy_barrier)(rsmapi_barrier_t* barrier) { return DestroyBarrier(barrier); }
RSMSIM_API(int, rsm_memseg_import_get_mode)(rsm_memseg_import_handle_t im_memseg, rsm_barrier_mode_t* mode) {
  return GetMode(im_memseg, mode);
}
RSMSIM_API(int, rsm_memseg_import_set_mode)(rsm_memseg_import_handle_t im_memseg, rsm_barrier_mode_t mode) {
  return SetMode(im_memseg, mode);
}

// ---- interrupt signals and poll descriptors (signals.h) ----

RSMSIM_API(int, rsm_intr_signal_post)(void* memseg, uint_t flags) { return SignalPost(memseg, flags); }
RSMSIM_API(int, rsm_intr_signal_wait)(void* memseg, int timeout) { return SignalWait(memseg, timeout); }
RSMSIM_API(int, rsm_intr_signal_wait_pollfd)(struct pollfd fds[], nfds_t nfds, int timeout, int* numfdsp) {
  return SignalWaitPollfd(fds, nfds, timeout, numfdsp);
}
RSMSIM_API(int, rsm_memseg_get_pollfd)(void* memseg, struct pollfd* fd) { return GetPollfd(memseg, fd); }
RSMSIM_API(int, rsm_memseg_release_pollfd)(void* memseg) { return ReleasePollfd(memseg); }

// ---- topology ----

RSMSIM_API(int, rsm_get_interconnect_topology)(rsm_topology_t** topology_data) {
  if (!topology_data) return RSMERR_BAD_TOPOLOGY_PTR;
  *topology_data = nullptr;
  return BuildTopology(topology_data);
}

RSMSIM_API(void, rsm_free_interconnect_topology)(rsm_topology_t* topology_data) { free(topology_data); }

// ---- local memory handles ----

RSMSIM_API(int, rsm_create_localmemory_handle)
(rsmapi_controller_handle_t controller, rsm_localmemory_handle_t* local_handle, caddr_t local_vaddr, size_t length) {
  if (!PageAligned(reinterpret_cast<uintptr_t>(local_vaddr))) return RSMERR_BAD_ADDR;
  if (!controller) return RSMERR_BAD_CTLR_HNDL;
  if (!local_handle) return RSMERR_BAD_LOCALMEM_HNDL;
  if (length == 0) return RSMERR_BAD_LENGTH;
  ControllerRec* ctlr = AnyController(controller);
  if (!ctlr) return RSMERR_BAD_CTLR_HNDL;
  return CreateLocalMemory(ctlr, local_vaddr, length, local_handle);
}

RSMSIM_API(int, rsm_free_localmemory_handle)
(rsmapi_controller_handle_t controller, rsm_localmemory_handle_t local_handle) {
  if (!controller) return RSMERR_BAD_CTLR_HNDL;
  if (!local_handle) return RSMERR_BAD_LOCALMEM_HNDL;
  ControllerRec* ctlr = AnyController(controller);
  if (!ctlr) return RSMERR_BAD_CTLR_HNDL;
  return FreeLocalMemory(ctlr, local_handle);
}

// ---- segment-id reservation ----

RSMSIM_API(int, rsm_get_segmentid_range)(const char* appid, rsm_memseg_id_t* baseid, uint32_t* length) {
  return SegmentIdRange(appid, baseid, length);
}
