// The one external ArrayBuffer a handle shows its memory through (an export
// segment's pages, a writable mapping's window).
//
// Lifetime: the buffer and its handle point at each other through hidden
// symbol-keyed properties, so JavaScript holding either keeps both alive: a
// view over the buffer can never outlive the handle whose finalizer would
// free the memory under it. The handle reaches its buffer from C++ through a
// weak reference (no root, so the pair is still collected together).
//
// Safety: the handle detaches the buffer before the memory goes away, so
// old views read as empty instead of touching unmapped pages. There is never
// a second ArrayBuffer over the same memory (it would not be detached).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "addon_state.h"
#include "napi_include.h"

namespace rsmaddon {

// Tells V8 how much memory outside its heap a handle keeps alive (positive
// when the memory is taken, negative when it is given back), so GC pressure
// accounts for large segments.
void ReportExternalMemory(napi_env env, int64_t change);

// `length` rounded up to whole pages: the memory handles allocate and the
// address librsm requires are page-aligned.
size_t WholePages(size_t length);

// A second mapping of the shared pages at [data, data + length) (Linux
// mremap with old size 0), owned by the caller: a library mapping can be
// shown to JavaScript through it and retired independently of the library.
// nullptr where that is not possible (other systems, private mappings).
void* AliasSharedPages(void* data, size_t length);

// Fresh zeroed, page-aligned, private memory of `length` bytes (a multiple of
// the page size) for a handle to own; throws ERR_RSM_NO_MEMORY naming
// `purpose` (e.g. "for the export segment") when mmap refuses.
void* AllocatePages(Napi::Env env, size_t length, const std::string& purpose);

class OwnedBuffer {
 public:
  OwnedBuffer() = default;
  OwnedBuffer(const OwnedBuffer&) = delete;
  OwnedBuffer& operator=(const OwnedBuffer&) = delete;
  ~OwnedBuffer();

  // Creates the buffer over [data, data + length) and links it with `owner`.
  // Called again (after Detach), it replaces the buffer the owner shows.
  // Throws ERR_RSM_NO_EXTERNAL_BUFFERS where the runtime forbids external
  // buffers (Electron's memory cage).
  void Create(AddonState* state, Napi::Object owner, void* data, size_t length);

  // The buffer (the same object every time), or undefined if never created.
  Napi::Value Get(Napi::Env env) const;

  // Detaches the buffer if it is still reachable. Needs a JavaScript context
  // (not usable from finalizers or the teardown hook, nor needed there).
  void Detach(Napi::Env env);

  bool created() const { return ref_ != nullptr; }

  // Retires the memory this buffer showed, [data, data + length) (whole
  // pages), once the buffer is detached and the memory's owner is done with
  // it. Work that took the address before the detach and still runs (an
  // fs.read into a view, waiting on the thread pool; zlib) must never land
  // in memory the range is given to next. So the range is replaced in place
  // by fresh private pages (stores land there and are lost; nothing faults,
  // so a thread-pool job writing there cannot crash the process) and is
  // unmapped only when the buffer object is collected: every such job holds
  // a view, and so the buffer object, until it completes. If the buffer
  // object is gone already, the range is unmapped now.
  void Retire(Napi::Env env, void* data, size_t length);
  // The same for a range its owner has unmapped already (a library mapping):
  // takes the range back if no one else did meanwhile and holds it the same
  // way. Best effort: between the library's munmap and this call another
  // thread may have mapped the range.
  void RetireUnmapped(Napi::Env env, void* data, size_t length);

 private:
  napi_env env_ = nullptr;
  napi_ref ref_ = nullptr;
};

}  // namespace rsmaddon
