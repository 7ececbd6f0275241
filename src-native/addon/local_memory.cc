#include "local_memory.h"

#include <sys/mman.h>

#include "controller.h"

namespace rsmaddon {

const napi_type_tag NativeLocalMemory::kTypeTag = {0x5be1c07a9d3246f1ULL, 0x8f2a6d41c09e73b5ULL};

Napi::Function NativeLocalMemory::DefineClass(Napi::Env env, AddonState* state) {
  using T = NativeLocalMemory;
  return DefineHandleClass<T>(env, "NativeLocalMemory",
                                    {
                                        GetterProperty<T, &T::Buffer>("buffer"),
                                        GetterProperty<T, &T::Size>("size"),
                                        MethodProperty<T, &T::Free>("free"),
                                        GetterProperty<T, &T::Freed>("freed"),
                                    },
                                    state);
}

NativeLocalMemory::NativeLocalMemory(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeLocalMemory>(info) {
  Init* init = Construct<NativeLocalMemory, Init>(info);
  handle_ = init->handle;
  memory_ = init->memory;
  mapped_length_ = init->mapped_length;
  size_ = init->size;
  init->memory = nullptr;  // owned by this object now
  phase_ = State::kLive;
}

NativeLocalMemory::~NativeLocalMemory() {
  // Collected together with its buffer (each holds the other) and before
  // its controller (held alive by this object).
  if (state() == nullptr || state()->tearing_down || phase_ != State::kLive) return;
  FreeLibraryHandle();
  munmap(memory_, mapped_length_);
  ReportExternalMemory(state()->env, -static_cast<int64_t>(mapped_length_));
}

Napi::Value NativeLocalMemory::Create(NativeController* controller, Napi::Object controller_object, size_t size) {
  AddonState* state = controller->state();
  Napi::Env env(state->env);
  const rsm::Backend& backend = controller->backend();
  size_t mapped_length = WholePages(size);
  void* memory = AllocatePages(env, mapped_length, "of local memory");
  rsm_localmemory_handle_t handle = nullptr;
  int rc = backend.rsm_create_localmemory_handle(controller->handle(), &handle, static_cast<caddr_t>(memory), size);
  if (rc != RSM_SUCCESS) {
    munmap(memory, mapped_length);
    throw RsmError(env, rc, "rsm_create_localmemory_handle");
  }
  Init init{handle, memory, mapped_length, size};
  auto [object, local] =
      Adopt<NativeLocalMemory>(state, state->local_memory_class, init, controller, controller_object, [&] {
        if (init.memory == nullptr) return;
        backend.rsm_free_localmemory_handle(controller->handle(), handle);
        munmap(memory, mapped_length);
      });
  try {
    local->buffer_.Create(state, object, memory, size);
  } catch (...) {
    local->FreeNative(false);
    throw;
  }
  ReportExternalMemory(state->env, static_cast<int64_t>(mapped_length));
  return object;
}

Napi::Value NativeLocalMemory::Buffer(const Napi::CallbackInfo& info) { return buffer_.Get(info.Env()); }

Napi::Value NativeLocalMemory::Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(size_));
}

Napi::Value NativeLocalMemory::Free(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (phase_ != State::kLive) return env.Undefined();  // a second free is a no-op
  int rc = FreeNative(false);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_free_localmemory_handle");
  return env.Undefined();
}

Napi::Value NativeLocalMemory::Freed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), phase_ != State::kLive);
}

int NativeLocalMemory::FreeNative(bool teardown) {
  // The buffer first, so no view can see the memory go; the handle before
  // the memory, since a generic plug-in's surrogate segment covers it.
  if (!teardown) buffer_.Detach(Napi::Env(state()->env));
  int rc = FreeLibraryHandle();
  if (teardown) munmap(memory_, mapped_length_);
  else buffer_.Retire(Napi::Env(state()->env), memory_, mapped_length_);
  if (!teardown) ReportExternalMemory(state()->env, -static_cast<int64_t>(mapped_length_));
  memory_ = nullptr;
  handle_ = nullptr;
  phase_ = State::kFreed;
  LeaveParent();
  return rc;
}

int NativeLocalMemory::FreeLibraryHandle() {
  if (parent() == nullptr) return RSM_SUCCESS;
  auto controller = static_cast<rsmapi_controller_handle_t>(parent()->native_handle());
  return backend().rsm_free_localmemory_handle(controller, handle_);
}

void NativeLocalMemory::ForceRelease(bool teardown) {
  if (phase_ == State::kLive) FreeNative(teardown);
}

}  // namespace rsmaddon
