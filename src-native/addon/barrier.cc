#include "barrier.h"

#include <utility>

#include "import_segment.h"

namespace rsmaddon {

const napi_type_tag NativeBarrier::kTypeTag = {0x5e0f2a97c81d463bULL, 0xa87c13e05b9f6d24ULL};

Napi::Function NativeBarrier::DefineClass(Napi::Env env, AddonState* state) {
  using T = NativeBarrier;
  return DefineHandleClass<T>(env, "NativeBarrier",
                                    {
                                        MethodProperty<T, &T::Open>("open"),
                                        MethodProperty<T, &T::Order>("order"),
                                        MethodProperty<T, &T::Close>("close"),
                                        MethodProperty<T, &T::Destroy>("destroy"),
                                        GetterProperty<T, &T::Destroyed>("destroyed"),
                                    },
                                    state);
}

NativeBarrier::NativeBarrier(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeBarrier>(info) {
  Init* init = Construct<NativeBarrier, Init>(info);
  barrier_ = std::move(init->barrier);
  phase_ = State::kLive;
}

NativeBarrier::~NativeBarrier() {
  if (state() == nullptr || state()->tearing_down || phase_ != State::kLive || parent() == nullptr) return;
  // Collected without destroy(): leave the library's registration alone (a
  // destroy_barrier would unregister whichever barrier is registered, and
  // implicit-mode put/get would start failing because of a GC). The import
  // keeps the struct while the library may still write into it.
  parent()->AdoptCollectedBarrier(std::move(barrier_));
}

Napi::Value NativeBarrier::Create(NativeImportSegment* import, Napi::Object import_object, rsm_barrier_type_t type) {
  AddonState* state = import->state();
  Napi::Env env(state->env);
  const rsm::Backend& backend = import->backend();
  Init init{std::make_unique<rsmapi_barrier_t>()};  // zeroed; a fixed address for the library
  int rc = backend.rsm_memseg_import_init_barrier(import->handle(), type, init.barrier.get());
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_import_init_barrier");
  import->BarrierRegistered(init.barrier.get());
  return Adopt<NativeBarrier>(state, state->barrier_class, init, import, import_object, [&] {
           if (init.barrier == nullptr) return;
           backend.rsm_memseg_import_destroy_barrier(init.barrier.get());
           import->BarrierUnregistered();
         }).object;
}

void NativeBarrier::RequireLive(Napi::Env env) const {
  if (phase_ != State::kLive) throw ReleasedError(env, "barrier is destroyed");
}

Napi::Value NativeBarrier::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  int rc = backend().rsm_memseg_import_open_barrier(barrier_.get());
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_import_open_barrier");
  return env.Undefined();
}

Napi::Value NativeBarrier::Order(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  int rc = backend().rsm_memseg_import_order_barrier(barrier_.get());
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_import_order_barrier");
  return env.Undefined();
}

Napi::Value NativeBarrier::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  int rc = backend().rsm_memseg_import_close_barrier(barrier_.get());
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_import_close_barrier");
  return env.Undefined();
}

Napi::Value NativeBarrier::Destroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (phase_ != State::kLive) return env.Undefined();  // a second destroy is a no-op
  int rc = DestroyNative();
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_import_destroy_barrier");
  return env.Undefined();
}

Napi::Value NativeBarrier::Destroyed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), phase_ != State::kLive);
}

int NativeBarrier::DestroyNative() {
  int rc = backend().rsm_memseg_import_destroy_barrier(barrier_.get());
  if (rc != RSM_SUCCESS) return rc;
  // The library unregisters whichever barrier the segment had.
  parent()->BarrierUnregistered();
  barrier_.reset();
  phase_ = State::kDestroyed;
  LeaveParent();
  return RSM_SUCCESS;
}

void NativeBarrier::ForceRelease(bool teardown) {
  if (phase_ != State::kLive) return;
  if (DestroyNative() == RSM_SUCCESS) return;
  // Refused: the library may still point at the struct, so the import keeps
  // it until it disconnects.
  parent()->AdoptCollectedBarrier(std::move(barrier_));
  phase_ = State::kDestroyed;
  LeaveParent();
}

void NativeBarrier::Orphan(bool teardown) {
  if (phase_ != State::kLive) return;
  // The segment is gone, and with it the library's pointer to the struct.
  barrier_.reset();
  phase_ = State::kDestroyed;
  LeaveParent();
}

}  // namespace rsmaddon
