// NativeController: one reference to an RSMAPI controller
// (rsm_get_controller). It owns the export and import segments made through
// it.
#pragma once

#include "../abi/rsmapi.h"
#include "handle.h"

namespace rsmaddon {

class NativeController : public Napi::ObjectWrap<NativeController>, public HandleBase {
 public:
  static const napi_type_tag kTypeTag;

  static Napi::Function DefineClass(Napi::Env env, AddonState* state);
  // rsm_get_controller, wrapped. Throws the RsmError on failure.
  static Napi::Value Get(AddonState* state, Napi::Value name);

  explicit NativeController(const Napi::CallbackInfo& info);
  ~NativeController() override;

  // JavaScript surface (lib/native.ts NativeController).
  Napi::Value Attr(const Napi::CallbackInfo& info);
  Napi::Value CreateExport(const Napi::CallbackInfo& info);
  Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value CreateLocalMemory(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);
  Napi::Value Released(const Napi::CallbackInfo& info);

  void ForceRelease(bool teardown) override;
  void* native_handle() const override { return handle_; }
  void OnDeferredChildReleased() override { FinishReleaseIfIdle(); }

  rsmapi_controller_handle_t handle() const { return handle_; }
  bool live() const { return phase_ == State::kLive; }

  // Bookkeeping of connects running on the thread pool.
  void ConnectStarted() { ++connects_in_flight_; }
  void ConnectFinished() { --connects_in_flight_; }

  // Completes a release that waited for operations in flight, once nothing
  // is left running; returns the rsm_release_controller result (0 if the
  // release is still pending or already done).
  int FinishReleaseIfIdle();

 private:
  // kClosing: release() was called while an operation was in flight; the
  // handle already behaves as released, rsm_release_controller runs when the
  // last operation completes (see FinishReleaseIfIdle).
  enum class State { kLive, kClosing, kReleased };

  struct Init {
    rsmapi_controller_handle_t handle;
  };

  void RequireLive(Napi::Env env) const;
  // Releases the children (newest first), then the controller unless an
  // operation is in flight. Returns the rsm_release_controller result.
  int BeginRelease(bool teardown);

  rsmapi_controller_handle_t handle_ = nullptr;
  State phase_ = State::kReleased;
  int connects_in_flight_ = 0;
};

}  // namespace rsmaddon
