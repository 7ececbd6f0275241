// rebind() of NativeExportSegment (rsm_memseg_export_rebind). The segment
// owns its memory, so a rebind allocates the new pages itself, copies the
// current contents into them (the segment's data survives the move; only its
// address changes), asks the library to switch, and then retires the old
// memory: its buffer is detached and its pages retired (OwnedBuffer::Retire),
// and `buffer` becomes a new ArrayBuffer over the new pages.
#include <sys/mman.h>

#include <cstring>

#include "export_segment.h"

namespace rsmaddon {

Napi::Value NativeExportSegment::Rebind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  RequireIdle(env);
  void* fresh = AllocatePages(env, mapped_length_, "to rebind the export segment to");
  std::memcpy(fresh, memory_, size_);
  int rc = backend().rsm_memseg_export_rebind(handle_, fresh, 0, size_);
  if (rc != RSM_SUCCESS) {
    munmap(fresh, mapped_length_);
    throw RsmError(env, rc, "rsm_memseg_export_rebind");
  }
  // The library has let go of the old pages. Detach before unmapping, so an
  // old view reads as empty instead of touching freed memory.
  buffer_.Detach(env);
  buffer_.Retire(env, memory_, mapped_length_);
  memory_ = fresh;
  // If this throws, the segment stays bound to the new pages with no buffer
  // to show them (only the runtime's refusal of external buffers can cause it).
  buffer_.Create(state(), info.This().As<Napi::Object>(), memory_, size_);
  return env.Undefined();
}

}  // namespace rsmaddon
