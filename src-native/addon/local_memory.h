// NativeLocalMemory: page-aligned memory this handle owns, registered with
// rsm_create_localmemory_handle so scatter/gather entries can name it, and
// shown to JavaScript as one external ArrayBuffer.
#pragma once

#include <cstddef>

#include "../abi/rsmapi.h"
#include "handle.h"
#include "owned_buffer.h"

namespace rsmaddon {

class NativeController;

class NativeLocalMemory : public Napi::ObjectWrap<NativeLocalMemory>, public HandleBase {
 public:
  static const napi_type_tag kTypeTag;

  static Napi::Function DefineClass(Napi::Env env, AddonState* state);
  // Allocates `size` bytes (rounded up to whole pages), creates the handle
  // over them and returns the object, a child of `controller`.
  static Napi::Value Create(NativeController* controller, Napi::Object controller_object, size_t size);

  explicit NativeLocalMemory(const Napi::CallbackInfo& info);
  ~NativeLocalMemory() override;

  // JavaScript surface (lib/native.ts NativeLocalMemory).
  Napi::Value Buffer(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value Free(const Napi::CallbackInfo& info);
  Napi::Value Freed(const Napi::CallbackInfo& info);

  void ForceRelease(bool teardown) override;

  bool live() const { return phase_ == State::kLive; }
  rsm_localmemory_handle_t handle() const { return handle_; }
  size_t size() const { return size_; }

 private:
  enum class State { kLive, kFreed };

  struct Init {
    rsm_localmemory_handle_t handle;
    void* memory;
    size_t mapped_length;
    size_t size;
  };

  // Detaches the buffer (unless tearing down), frees the handle, then the
  // memory. Returns the rsm_free_localmemory_handle result.
  int FreeNative(bool teardown);
  // rsm_free_localmemory_handle on the controller it was made on.
  int FreeLibraryHandle();

  rsm_localmemory_handle_t handle_ = nullptr;
  void* memory_ = nullptr;
  size_t mapped_length_ = 0;
  size_t size_ = 0;
  State phase_ = State::kFreed;
  OwnedBuffer buffer_;
};

}  // namespace rsmaddon
