// NativeBarrier: an rsmapi_barrier_t bound to one import segment
// (rsm_memseg_import_init_barrier). The struct lives in native memory at a
// fixed address, since the library keeps a pointer to it.
#pragma once

#include <memory>

#include "../abi/rsmapi.h"
#include "handle.h"

namespace rsmaddon {

class NativeImportSegment;

class NativeBarrier : public Napi::ObjectWrap<NativeBarrier>, public HandleBase {
 public:
  static const napi_type_tag kTypeTag;

  static Napi::Function DefineClass(Napi::Env env, AddonState* state);
  // rsm_memseg_import_init_barrier on a new struct; the barrier is a child
  // of `import`.
  static Napi::Value Create(NativeImportSegment* import, Napi::Object import_object, rsm_barrier_type_t type);

  explicit NativeBarrier(const Napi::CallbackInfo& info);
  ~NativeBarrier() override;

  // JavaScript surface (lib/native.ts NativeBarrier).
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Order(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);
  Napi::Value Destroyed(const Napi::CallbackInfo& info);

  void ForceRelease(bool teardown) override;
  void Orphan(bool teardown) override;

 private:
  enum class State { kLive, kDestroyed };

  struct Init {
    std::unique_ptr<rsmapi_barrier_t> barrier;
  };

  void RequireLive(Napi::Env env) const;
  // rsm_memseg_import_destroy_barrier; on success the struct is freed.
  int DestroyNative();

  std::unique_ptr<rsmapi_barrier_t> barrier_;
  State phase_ = State::kDestroyed;
};

}  // namespace rsmaddon
