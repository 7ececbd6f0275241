// Local memory handles (rsm_create_localmemory_handle) as the library makes
// them (docs/semantics.md §4.10). For loopback a handle is the buffer's
// address. For any other controller the generic plug-in (librsm rsmgen.c
// __rsm_create_memory_handle) makes a surrogate export segment over the
// buffer, published with an automatic id to the local node only, and the
// handle is that export handle: scatter/gather finds the buffer through it.
#pragma once

#include <cstddef>

#include "handles.h"

namespace rsmsim {

// The plug-in part of rsm_create_localmemory_handle / _free, after the
// library's argument checks.
int CreateLocalMemory(ControllerRec* ctlr, caddr_t vaddr, size_t length, rsm_localmemory_handle_t* out);
int FreeLocalMemory(ControllerRec* ctlr, rsm_localmemory_handle_t handle);

// The surrogate segment behind a generic controller's handle, or nullptr
// when `handle` is not a live export handle of this process.
ExportRec* LocalMemorySegment(const void* handle);

}  // namespace rsmsim
