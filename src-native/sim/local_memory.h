// Local memory handles (rsm_create_localmemory_handle). As for loopback, a
// handle is the buffer's address; the simulator also remembers which
// handles are live and how long their buffers are, because the driver of a
// generic controller refuses a scatter/gather entry naming a handle whose
// surrogate segment no longer exists, and checks its bounds.
#pragma once

#include <cstddef>

#include "../abi/rsmapi.h"

namespace rsmsim {

// Records a created handle over [vaddr, vaddr + length).
void LocalMemoryCreated(const void* vaddr, size_t length);
// Forgets one creation of the handle (handles over the same address nest).
void LocalMemoryFreed(const void* handle);
// The length of a live handle's buffer, or 0 when `handle` is not live.
size_t LocalMemoryLength(const void* handle);

}  // namespace rsmsim
