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
#include "memory_server.h"
#include "sim_api.h"

namespace rsmsim {

namespace {

// The generic plug-in maps a local node's segment itself and translates
// mmap's errno its own way; what it does not translate leaks out as the
// errno number (docs/semantics.md §3.1: such numbers collide with RSMERR codes).
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

// The local end of one entry copied through a mapping. The generic plug-in
// turns a handle entry into its surrogate segment's address; loopback takes
// the handle for the address itself, which a generic handle is not, so that
// one is turned into its address too rather than written over. nullptr for
// a generic copy whose handle names no live surrogate.
char* LocalAddress(const rsm_iovec_t& io, bool generic) {
  if (io.io_type != RSM_HANDLE_TYPE) return static_cast<char*>(io.local.vaddr) + io.local_offset;
  ExportRec* surrogate = LocalMemorySegment(io.local.handle);
  if (surrogate) return static_cast<char*>(surrogate->vaddr) + io.local_offset;
  if (generic) return nullptr;
  return static_cast<char*>(static_cast<void*>(io.local.handle)) + io.local_offset;
}

// Loopback (and generic to the local node): a copy between the local
// buffer and the mapping, offsets relative to the mapping's start. The real
// library checks nothing here and would fault or scribble past a short
// mapping; the simulator stops at the first entry that leaves the mapped
// window, with RSMERR_BAD_SGIO and the entries not done as residual.
int CopyThroughMapping(ImportRec* seg, rsm_scat_gath_t* sg, bool put, bool generic) {
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
    char* local = LocalAddress(io, generic);
    if (!local) {
      sg->io_residual_count = sg->io_request_count - i;
      return RSMERR_BAD_SGIO;
    }
    char* remote = base + io.remote_offset;
    if (put) memmove(remote, local, io.transfer_length);
    else memmove(local, remote, io.transfer_length);
  }
  if (seg->LiveGeneration() != seg->connect_gen) seg->touched_after_cut.store(true, std::memory_order_relaxed);
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

// The mode the exporter's current access list gives the importing node (G of
// docs/semantics.md §5.1): its entry, none when it is not listed, the
// exporter's default without a list. What the interconnect's access control
// holds for the node, so a republish applies to transfers at once.
uint32_t NodeGrant(Fabric* f, const ImportRec* seg) {
  FabricLock lock(*f);
  const ImportEntry& m = f->imp(seg->entry);
  const ExportEntry& e = f->exp(seg->export_index);
  if (!m.in_use || m.incarnation != seg->entry_inc || e.incarnation != m.export_inc) return 0;
  if (e.acl_len == 0) return e.default_mode & 0666;
  for (uint32_t k = 0; k < e.acl_len && k < kMaxAcl; ++k)  // bounded: the registry is input
    if (e.acl[k].ae_node == m.node) return e.acl[k].ae_permission & 0666;
  return 0;
}

// Generic controller, exporter on another node: the driver moves the data
// (the simulator's RDMA is pread/pwrite on the exporter's data file, so a
// bad local address is EFAULT, not a crash). Driver checks: the connection
// still stands, every handle entry names a live local-memory handle and
// stays inside it, the exporter grants the node the direction.
int DriverTransfer(ImportRec* seg, rsm_scat_gath_t* sg, bool put) {
  Fabric* f;
  if (Fabric::Get(&f) != RSM_SUCCESS) return RSMERR_BAD_SGIO;
  CheckExporterAlive(seg);  // a dead exporter's importers are cut off first
  std::lock_guard<std::mutex> slock(seg->mu);
  if (seg->LiveGeneration() != seg->connect_gen) return RSMERR_BAD_SGIO;
  int rc = CurrentDataFile(f, seg);
  if (rc != RSM_SUCCESS) return rc;
  for (ulong_t i = 0; i < sg->io_request_count; ++i) {
    const rsm_iovec_t& io = sg->iovec[i];
    if (io.io_type == RSM_HANDLE_TYPE) {
      // The driver looks the handle's segment up among those published on
      // this node (rsm.c rsm_iovec_ioctl); the interconnect keeps to its length.
      ExportRec* surrogate = LocalMemorySegment(io.local.handle);
      if (!surrogate || surrogate->state.load() != SegState::kPublished) return RSMERR_BAD_SGIO;
      const size_t len = surrogate->size;
      if (io.local_offset > len || io.transfer_length > len - io.local_offset) return RSMERR_BAD_SGIO;
    }
  }
  // No user-level check here (rsm.c rsm_iovec_ioctl has none): the
  // interconnect enforces what the exporter published for this node.
  const uint32_t need = put ? RSM_PERM_WRITE : RSM_PERM_READ;
  if ((NodeGrant(f, seg) & need) != need) return RSMERR_PERM_DENIED;
  // The descriptor the import holds follows the user's mode E; when it does
  // not allow the direction the node's grant does, ask the exporter for one
  // that does, for this transfer only.
  int fd = seg->fd.get();
  Fd for_transfer;
  const int access = fd >= 0 ? (fcntl(fd, F_GETFL) & O_ACCMODE) : -1;
  if (access != O_RDWR && !(access == O_RDONLY && !put)) {
    Grant g = FetchMemory(seg->export_pid, seg->export_key, seg->export_index, seg->export_inc, seg->ctlr->node,
                          need | kForTransfer);
    if (g.rc != RSM_SUCCESS) return g.rc == RSMERR_PERM_DENIED ? g.rc : RSMERR_BAD_SGIO;
    if (!g.fd.valid()) return RSMERR_BAD_SGIO;
    for_transfer = std::move(g.fd);
    fd = for_transfer.get();
  }
  for (ulong_t i = 0; i < sg->io_request_count; ++i) {
    const rsm_iovec_t& io = sg->iovec[i];
    sg->io_residual_count = sg->io_request_count - i;
    if (io.remote_offset > seg->size || io.transfer_length > seg->size - io.remote_offset) return RSMERR_BAD_SGIO;
    char* local = LocalAddress(io, true);
    size_t done = 0;
    while (done < io.transfer_length) {
      const off_t at = seg->file_offset + static_cast<off_t>(io.remote_offset + done);
      ssize_t n = put ? pwrite(fd, local + done, io.transfer_length - done, at)
                      : pread(fd, local + done, io.transfer_length - done, at);
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
    rc = CopyThroughMapping(seg, sg, put, false);
  } else if (seg->node == seg->ctlr->node) {
    // Generic plug-in, segment on this node: it maps and copies itself.
    if (seg->state.load(std::memory_order_acquire) == SegState::kConnected) {
      rc = ImplicitMapWith(seg, GenericMapError);
      if (rc != RSM_SUCCESS) return rc;
    }
    if (seg->state.load(std::memory_order_acquire) != SegState::kMapped) return RSMERR_BAD_SEG_HNDL;
    rc = CopyThroughMapping(seg, sg, put, true);
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
