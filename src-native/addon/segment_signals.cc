#include "segment_signals.h"

#include <string>

#include "args.h"
#include "errors.h"
#include "signal_wait.h"

namespace rsmaddon {

SegmentSignals::~SegmentSignals() {
  // Released segments have no wait left; this is the last safety net.
  if (wait_ != nullptr) wait_->Abandon();
}

void* SegmentSignals::LiveHandle(Napi::Env env, void* handle) const {
  if (handle == nullptr) throw ReleasedError(env, gone_);
  return handle;
}

Napi::Value SegmentSignals::Post(const Napi::CallbackInfo& info, AddonState* state, void* handle) {
  Napi::Env env = info.Env();
  int rc = state->backend->rsm_intr_signal_post(LiveHandle(env, handle), 0);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_intr_signal_post");
  return env.Undefined();
}

Napi::Value SegmentSignals::Wait(const Napi::CallbackInfo& info, AddonState* state, void* handle) {
  Napi::Env env = info.Env();
  void* h = LiveHandle(env, handle);
  int32_t timeout = Int32Arg(info, 0, "timeoutMs");
  if (timeout < -1) throw ArgRangeError(env, "The \"timeoutMs\" argument must be -1 or more, got " + std::to_string(timeout));
  if (wait_ != nullptr) throw CodedError(env, "ERR_RSM_BUSY", "a wait for a signal on this segment is already pending");
  const rsm::Backend& backend = *state->backend;
  // An event already pending needs no watch.
  int rc = backend.rsm_intr_signal_wait(h, 0);
  if (rc == RSM_SUCCESS) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Resolve(env.Undefined());
    return deferred.Promise();
  }
  if (rc != RSMERR_TIMEOUT || timeout == 0) throw RsmError(env, rc, "rsm_intr_signal_wait");
  const bool watch_loss = import_ && backend.ext_import_torn_down != nullptr;
  // Nothing pending and the connection already gone: nothing can come.
  if (watch_loss && backend.ext_import_torn_down(h) == 1) throw RsmError(env, RSMERR_CONN_ABORTED, "rsm_intr_signal_wait");
  napi_value promise = nullptr;
  wait_ = PendingWait::Start(env, state, this, h, timeout, watch_loss, ref_, info.This(), &promise);
  return Napi::Value(env, promise);
}

Napi::Value SegmentSignals::Cancel(const Napi::CallbackInfo& info, AddonState*, void*) {
  Napi::Env env = info.Env();
  if (wait_ == nullptr) return Napi::Boolean::New(env, false);
  wait_->Reject(env, CodedError(env, "ERR_RSM_CANCELLED", "the wait for a signal was cancelled").Value());
  return Napi::Boolean::New(env, true);
}

Napi::Value SegmentSignals::PollDescriptor(const Napi::CallbackInfo& info, AddonState* state, void* handle) {
  Napi::Env env = info.Env();
  pollfd pfd{-1, 0, 0};
  int rc = state->backend->rsm_memseg_get_pollfd(LiveHandle(env, handle), &pfd);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_get_pollfd");
  ++user_pollfds_;
  return Napi::Number::New(env, pfd.fd);
}

Napi::Value SegmentSignals::ReleasePollDescriptor(const Napi::CallbackInfo& info, AddonState* state, void* handle) {
  Napi::Env env = info.Env();
  void* h = LiveHandle(env, handle);
  // Only references the application took: the wait's own one is not its
  // to give back.
  if (user_pollfds_ == 0) return Napi::Boolean::New(env, false);
  int rc = state->backend->rsm_memseg_release_pollfd(h);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_release_pollfd");
  --user_pollfds_;
  return Napi::Boolean::New(env, true);
}

Napi::Value SegmentSignals::SetRef(const Napi::CallbackInfo& info, AddonState*, void*) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBoolean()) throw ArgTypeError(env, "The \"ref\" argument must be a boolean");
  ref_ = info[0].As<Napi::Boolean>().Value();
  if (wait_ != nullptr) wait_->SetRef(ref_);
  return env.Undefined();
}

bool SegmentSignals::BeforeRelease(AddonState* state, void* handle, bool teardown, bool force) {
  if (state == nullptr || handle == nullptr) return true;
  if (user_pollfds_ > 0 && !force) return false;
  if (wait_ != nullptr) {
    if (teardown || state->tearing_down) {
      wait_->Abandon();
    } else {
      Napi::Env env(state->env);
      Napi::HandleScope scope(env);
      // Released by the exit itself, not by the application.
      Napi::Error why = state->exiting ? CodedError(env, "ERR_RSM_EXITING", "the process is exiting")
                                       : ReleasedError(env, "the segment was released while waiting for a signal");
      wait_->Reject(env, why.Value());
    }
  }
  for (; user_pollfds_ > 0; --user_pollfds_) state->backend->rsm_memseg_release_pollfd(handle);
  return true;
}

void SegmentSignals::WaitEnded(PendingWait* wait) {
  if (wait_ == wait) wait_ = nullptr;
}

}  // namespace rsmaddon
