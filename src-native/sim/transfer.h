// put/get (scalar and bulk) through the import's mapping, with the library's
// validation order (docs/semantics.md §4.4). Inline: this is the hot path, and each entry
// point instantiates it for its element type.
#pragma once

#include <string.h>
#include <sys/mman.h>

#include "faults.h"
#include "handles.h"
#include "import.h"

namespace rsmsim {

// T: the element type (uint8_t for the bulk forms); kPut: direction.
// `count` elements of sizeof(T) bytes move between `data` and the segment.
template <typename T, bool kPut, bool kBulk = false>
inline int Transfer(void* handle, off_t offset, T* data, size_t count) {
  constexpr size_t S = sizeof(T);
  constexpr uint32_t P = kPut ? RSM_PERM_WRITE : RSM_PERM_READ;
  if (!handle) return RSMERR_BAD_SEG_HNDL;
  if (!data) return RSMERR_BAD_ADDR;
  if (reinterpret_cast<uintptr_t>(data) % S != 0) return RSMERR_BAD_MEM_ALIGNMENT;
  if (static_cast<uint64_t>(offset) % S != 0) return RSMERR_BAD_MEM_ALIGNMENT;
  ImportRec* seg = LiveImport(handle);
  if (!seg) return RSMERR_BAD_SEG_HNDL;
  SegState st = seg->state.load(std::memory_order_acquire);
  if (st == SegState::kConnected) {
    int rc = ImplicitMap(seg);
    if (rc != RSM_SUCCESS) return rc;
  } else if (st != SegState::kMapped) {
    return RSMERR_BAD_SEG_HNDL;
  }
  if ((seg->perm & P) != P) return RSMERR_PERM_DENIED;
  // Not in the library: an explicit mapping made without the access this
  // transfer needs (PROT_NONE, or read-only for a put) would fault there.
  // The simulator refuses instead of crashing.
  if (!(seg->map_prot & (kPut ? PROT_WRITE : (PROT_READ | PROT_WRITE)))) return RSMERR_PERM_DENIED;
  const off_t base = seg->map_offset;
  const size_t window = seg->map_len;
  if (offset < base) return RSMERR_BAD_OFFSET;
  const uint64_t rel = static_cast<uint64_t>(offset - base);
  if (count > window / S || rel > window - count * S) return RSMERR_BAD_OFFSET;
  const bool implicit = seg->barrier_mode.load(std::memory_order_relaxed) == RSM_BARRIER_MODE_IMPLICIT;
  if (implicit) {
    rsmapi_barrier_t* b = seg->barrier.load(std::memory_order_acquire);
    if (!b) return RSMERR_BARRIER_UNINITIALIZED;
    b->gnum = seg->connect_gen;
    // Injected faults only (faults.h): a failed implicit open moves no data.
    if (FaultsArmed() && !seg->ctlr->loopback && TakeBarrierOpenFault(seg->ctlr->node)) {
      return seg->LiveGeneration() != seg->connect_gen ? RSMERR_CONN_ABORTED : RSMERR_BARRIER_OPEN_FAILED;
    }
  }
  char* remote = seg->map_base + rel;
  if (kBulk) {
    if (kPut) memcpy(remote, data, count);
    else memcpy(data, remote, count);
  } else {
    // Element by element with S-byte accesses, as the hardware would.
    volatile T* r = reinterpret_cast<volatile T*>(remote);
    if (kPut) {
      for (size_t i = 0; i < count; ++i) r[i] = data[i];
    } else {
      for (size_t i = 0; i < count; ++i) data[i] = r[i];
    }
  }
  if (seg->LiveGeneration() != seg->connect_gen) {
    seg->touched_after_cut.store(true, std::memory_order_relaxed);  // barrier.cc
    if (implicit) return RSMERR_CONN_ABORTED;
  }
  if (implicit && FaultsArmed() && !seg->ctlr->loopback && TakeBarrierCloseFault(seg->ctlr->node))
    return RSMERR_BARRIER_FAILURE;
  return RSM_SUCCESS;
}

}  // namespace rsmsim
