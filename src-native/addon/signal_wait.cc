#include "signal_wait.h"

#include <memory>
#include <string>

#include "errors.h"
#include "segment_signals.h"

namespace rsmaddon {

PendingWait* PendingWait::Start(Napi::Env env, AddonState* state, SegmentSignals* owner, void* handle,
                                int32_t timeout_ms, bool watch_loss, bool ref, napi_value segment_object,
                                napi_value* promise) {
  const rsm::Backend& backend = *state->backend;
  pollfd pfd{-1, 0, 0};
  int rc = backend.rsm_memseg_get_pollfd(handle, &pfd);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_get_pollfd");
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  std::unique_ptr<PendingWait> wait(new PendingWait());
  wait->env_ = env;
  wait->state_ = state;
  wait->owner_ = owner;
  wait->handle_ = handle;
  wait->poll_.data = wait.get();
  wait->timer_.data = wait.get();
  int err = loop ? uv_poll_init(loop, &wait->poll_, pfd.fd) : UV_EINVAL;
  if (err != 0) {
    backend.rsm_memseg_release_pollfd(handle);
    throw CodedError(env, "ERR_RSM_POLL_FAILED", std::string("cannot watch the poll descriptor: ") + uv_strerror(err));
  }
  wait->poll_open_ = true;
  wait->open_handles_ = 1;
  uv_poll_start(&wait->poll_, UV_READABLE, &PendingWait::OnReadable);
  if (timeout_ms > 0) {
    uv_timer_init(loop, &wait->timer_);
    wait->timer_open_ = true;
    wait->open_handles_ = 2;
    uv_timer_start(&wait->timer_, &PendingWait::OnTimeout, static_cast<uint64_t>(timeout_ms), 0);
  }
  wait->SetRef(ref);
  if (watch_loss) wait->watch_loss_ = state->loss_watch.Add(env, wait.get());
  napi_create_promise(env, &wait->deferred_, promise);
  napi_create_reference(env, segment_object, 1, &wait->segment_ref_);
  napi_async_init(env, segment_object, Napi::String::New(env, "rsmapi.waitSignal"), &wait->context_);
  // Owned by its uv handles from here on: OnClosed frees it.
  return wait.release();
}

void PendingWait::SetRef(bool ref) {
  auto apply = [ref](uv_handle_t* h) { ref ? uv_ref(h) : uv_unref(h); };
  if (poll_open_) apply(reinterpret_cast<uv_handle_t*>(&poll_));
  if (timer_open_) apply(reinterpret_cast<uv_handle_t*>(&timer_));
}

void PendingWait::OnClosed(uv_handle_t* h) {
  PendingWait* w = static_cast<PendingWait*>(h->data);
  if (--w->open_handles_ == 0) std::unique_ptr<PendingWait> last(w);
}

bool PendingWait::Detach() {
  if (settled_) return false;
  settled_ = true;
  // The uv handles close here, so the descriptor is out of the loop's poll
  // set before the library may close it.
  if (poll_open_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&poll_), OnClosed);
    poll_open_ = false;
  }
  if (timer_open_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), OnClosed);
    timer_open_ = false;
  }
  if (watch_loss_) state_->loss_watch.Remove(this);
  backend().rsm_memseg_release_pollfd(handle_);
  if (owner_ != nullptr) owner_->WaitEnded(this);
  owner_ = nullptr;
  return true;
}

void PendingWait::Settle(bool resolve, const std::function<Napi::Value(Napi::Env)>& make) {
  napi_ref ref = segment_ref_;
  napi_async_context ctx = context_;
  napi_deferred d = deferred_;
  segment_ref_ = nullptr;
  context_ = nullptr;
  deferred_ = nullptr;
  // `this` stays valid: it is freed by the close callbacks of the handles
  // Detach() closed, which run on a later loop turn.
  Napi::Env e(env_);
  Napi::HandleScope scope(e);
  napi_value resource = nullptr;
  if (ref != nullptr) napi_get_reference_value(e, ref, &resource);
  if (resource == nullptr) resource = Napi::Object::New(e);
  napi_callback_scope cscope = nullptr;
  napi_open_callback_scope(e, resource, ctx, &cscope);
  napi_value value = nullptr;
  try {
    value = make(e);
  } catch (const Napi::Error& error) {
    value = error.Value();
    resolve = false;
  }
  if (resolve) {
    napi_resolve_deferred(e, d, value);
  } else {
    napi_reject_deferred(e, d, value);
  }
  if (cscope != nullptr) napi_close_callback_scope(e, cscope);
  if (ctx != nullptr) napi_async_destroy(e, ctx);
  if (ref != nullptr) napi_delete_reference(e, ref);
}

void PendingWait::Reject(Napi::Env e, const Napi::Value& reason) {
  Detach();
  napi_reject_deferred(e, deferred_, reason);
  deferred_ = nullptr;
  if (context_ != nullptr) napi_async_destroy(e, context_);
  if (segment_ref_ != nullptr) napi_delete_reference(e, segment_ref_);
  context_ = nullptr;
  segment_ref_ = nullptr;
}

void PendingWait::Abandon() {
  Detach();
  deferred_ = nullptr;
  context_ = nullptr;
  segment_ref_ = nullptr;
}

void PendingWait::SettleWithEvent(int none) {
  int rc = backend().rsm_intr_signal_wait(handle_, 0);
  SettleWith(rc == RSMERR_TIMEOUT ? none : rc);
}

void PendingWait::SettleWith(int rc) {
  Detach();
  if (rc == RSM_SUCCESS) {
    Settle(true, [](Napi::Env e) -> Napi::Value { return e.Undefined(); });
  } else {
    Settle(false, [rc](Napi::Env e) -> Napi::Value { return RsmError(e, rc, "rsm_intr_signal_wait").Value(); });
  }
}

void PendingWait::OnReadable(uv_poll_t* p, int status, int) {
  PendingWait* w = static_cast<PendingWait*>(p->data);
  if (w->settled_) return;
  if (status < 0) {
    std::string why = uv_strerror(status);
    w->Detach();
    w->Settle(false, [why](Napi::Env e) -> Napi::Value {
      return CodedError(e, "ERR_RSM_POLL_FAILED", "watching the poll descriptor failed: " + why).Value();
    });
    return;
  }
  int rc = w->backend().rsm_intr_signal_wait(w->handle_, 0);
  // Another consumer got there first: keep watching.
  if (rc != RSMERR_TIMEOUT) w->SettleWith(rc);
}

void PendingWait::CheckLoss() {
  // The connection was torn down under the wait: an event already counted
  // is still taken, as the library would; otherwise the wait can never be
  // answered by the exporter it waited for, so it ends with
  // RSMERR_CONN_ABORTED rather than hanging.
  if (settled_ || backend().ext_import_torn_down(handle_) != 1) return;
  SettleWithEvent(RSMERR_CONN_ABORTED);
}

void PendingWait::OnTimeout(uv_timer_t* t) {
  PendingWait* w = static_cast<PendingWait*>(t->data);
  if (w->settled_) return;
  // An event that arrived with the deadline still counts.
  w->SettleWithEvent(RSMERR_TIMEOUT);
}

}  // namespace rsmaddon
