#include "scatter_gather.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fabric.h"
#include "handles.h"
#include "import.h"
#include "local_memory.h"
#include "sim_api.h"

namespace rsmsim {

namespace {

// The generic plug-in maps a local node's segment itself and translates
// mmap's errno its own way; what it does not translate leaks out as the
// errno number (spec 3.1: such numbers collide with RSMERR codes).
int GenericMapError(int err) {
  switch (err) {
    case EINVAL:
      return RSMERR_BAD_MEM_ALIGNMENT;
    case ENOMEM:
    case ENXIO:
    case EOVERFLOW:
      return RSMERR_BAD_LENGTH;
    case EAGAIN:
      return RSMERR_INSUFFICIENT_RESOURCES;
    default:
      return err;
  }
}

// The local end of one entry. A handle entry is the buffer address, as for
// loopback; `io_type` only matters to the generic driver (below).
char* LocalAddress(const rsm_iovec_t& io) {
  return static_cast<char*>(io.io_type == RSM_HANDLE_TYPE ? static_cast<void*>(io.local.handle)
                                                          : static_cast<void*>(io.local.vaddr)) +
         io.local_offset;
}

// Loopback (and generic to the local node): a copy between the local
// buffer and the mapping, offsets relative to the mapping's start. The real
// library checks nothing here and would fault or scribble past a short
// mapping; the simulator stops at the first entry that leaves the mapped
// window, with RSMERR_BAD_SGIO and the entries not done as residual.
int CopyThroughMapping(ImportRec* seg, rsm_scat_gath_t* sg, bool put) {
  char* base = seg->map_base;
  const size_t window = seg->map_len;
  // Not in the library, which would fault: a mapping without the access
  // this direction needs is refused.
  if (!(seg->map_prot & (put ? PROT_WRITE : (PROT_READ | PROT_WRITE)))) return RSMERR_PERM_DENIED;
  for (ulong_t i = 0; i < sg->io_request_count; ++i) {
    const rsm_iovec_t& io = sg->iovec[i];
    if (io.remote_offset > window || io.transfer_length > window - io.remote_offset) {
      sg->io_residual_count = sg->io_request_count - i;
      return RSMERR_BAD_SGIO;
    }
    char* local = LocalAddress(io);
    char* remote = base + io.remote_offset;
    if (put) memmove(remote, local, io.transfer_length);
    else memmove(local, remote, io.transfer_length);
  }
  sg->io_residual_count = 0;
  return RSM_SUCCESS;
}

// Whether the connection of `seg` still stands. With seg->mu held.
// RSMERR_BAD_SGIO when it is gone (the driver's check for a forced
// disconnect). The memory is the one handed over at connect: a rebind moves
// it, never replaces it.
int CurrentDataFile(Fabric* f, ImportRec* seg) {
  FabricLock lock(*f);
  const ImportEntry& m = f->imp(seg->entry);
  if (!m.in_use || m.incarnation != seg->entry_inc || m.disconnected) return RSMERR_BAD_SGIO;
  return RSM_SUCCESS;
}

// Generic controller, exporter on another node: the driver moves the data
// (the simulator's RDMA is pread/pwrite on the exporter's data file, so a
// bad local address is EFAULT, not a crash). Driver checks: the connection
// still stands, every handle entry names a live local-memory handle and
// stays inside it, the import's stored mode allows the direction.
int DriverTransfer(ImportRec* seg, rsm_scat_gath_t* sg, bool put) {
  std::string error;
  Fabric* f = Fabric::Get(&error);
  if (!f) return RSMERR_BAD_SGIO;
  CheckExporterAlive(seg);  // a dead exporter's importers are cut off first
  std::lock_guard<std::mutex> slock(seg->mu);
  if (seg->LiveGeneration() != seg->connect_gen) return RSMERR_BAD_SGIO;
  int rc = CurrentDataFile(f, seg);
  if (rc != RSM_SUCCESS) return rc;
  for (ulong_t i = 0; i < sg->io_request_count; ++i) {
    const rsm_iovec_t& io = sg->iovec[i];
    if (io.io_type == RSM_HANDLE_TYPE) {
      size_t len = LocalMemoryLength(io.local.handle);
      if (len == 0 || io.local_offset > len || io.transfer_length > len - io.local_offset) return RSMERR_BAD_SGIO;
    }
  }
  const uint32_t need = put ? RSM_PERM_WRITE : RSM_PERM_READ;
  if ((seg->mode & need) != need) return RSMERR_PERM_DENIED;
  for (ulong_t i = 0; i < sg->io_request_count; ++i) {
    const rsm_iovec_t& io = sg->iovec[i];
    sg->io_residual_count = sg->io_request_count - i;
    if (io.remote_offset > seg->size || io.transfer_length > seg->size - io.remote_offset) return RSMERR_BAD_SGIO;
    char* local = LocalAddress(io);
    size_t done = 0;
    while (done < io.transfer_length) {
      const off_t at = seg->file_offset + static_cast<off_t>(io.remote_offset + done);
      ssize_t n = put ? pwrite(seg->fd.get(), local + done, io.transfer_length - done, at)
                      : pread(seg->fd.get(), local + done, io.transfer_length - done, at);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno == EFAULT ? RSMERR_BAD_ADDR : RSMERR_BAD_SGIO;
      if (n == 0) return RSMERR_BAD_SGIO;
      done += static_cast<size_t>(n);
    }
  }
  sg->io_residual_count = 0;
  return RSM_SUCCESS;
}

}  // namespace

int ScatterGather(rsm_scat_gath_t* sg, bool put) {
  if (!sg) return RSMERR_BAD_SGIO;
  if (!sg->remote_handle) return RSMERR_BAD_SEG_HNDL;
  ImportRec* seg = LiveImport(sg->remote_handle);
  if (!seg || !seg->ctlr) return RSMERR_BAD_SEG_HNDL;
  if (sg->io_request_count == 0 || sg->io_request_count > RSM_MAX_SGIOREQS) return RSMERR_BAD_SGIO;
  if (!sg->iovec) return RSMERR_BAD_SGIO;
  const uint_t flags = sg->flags;
  int rc;
  if (seg->ctlr->loopback) {
    // Loopback needs a mapping for scatter/gather: the library maps
    // implicitly, exactly as put/get do.
    if (seg->state.load(std::memory_order_acquire) == SegState::kConnected) {
      rc = ImplicitMap(seg);
      if (rc != RSM_SUCCESS) return rc;
    }
    if (seg->state.load(std::memory_order_acquire) != SegState::kMapped) return RSMERR_BAD_SEG_HNDL;
    rc = CopyThroughMapping(seg, sg, put);
  } else if (seg->node == seg->ctlr->node) {
    // Generic plug-in, segment on this node: it maps and copies itself.
    if (seg->state.load(std::memory_order_acquire) == SegState::kConnected) {
      rc = ImplicitMapWith(seg, GenericMapError);
      if (rc != RSM_SUCCESS) return rc;
    }
    if (seg->state.load(std::memory_order_acquire) != SegState::kMapped) return RSMERR_BAD_SEG_HNDL;
    rc = CopyThroughMapping(seg, sg, put);
  } else {
    rc = DriverTransfer(seg, sg, put);
  }
  // The implicit post toward the exporter happens only after a successful
  // transfer; its result is the call's result. (The generic driver posts
  // itself for remote segments; the effect is the same one event.)
  if (rc == RSM_SUCCESS && (flags & RSM_IMPLICIT_SIGPOST))
    rc = RSMSIM_ENTRY(rsm_intr_signal_post)(sg->remote_handle, flags & RSM_SIGPOST_NO_ACCUMULATE);
  sg->flags = flags;
  return rc;
}

}  // namespace rsmsim
