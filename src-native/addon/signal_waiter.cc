#include "signal_waiter.h"

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "args.h"
#include "errors.h"
#include "export_segment.h"
#include "handle.h"
#include "import_segment.h"

namespace rsmaddon {

struct PendingWait;

// What the addon tracks per segment, only while there is something to
// track: a pending wait, or descriptors the application took.
struct SegmentSignals {
  int user_pollfds = 0;
  PendingWait* wait = nullptr;
};

// One timer per environment, running while import waits are pending: the
// driver wakes no poller when it tears a connection down, so a wait on an
// import whose exporter unpublished, destroyed or died would never end. The
// check is a load from shared memory per wait, no system call.
struct LossWatch {
  uv_timer_t timer;
  SignalState* state = nullptr;  // cleared when the environment goes first
};

// Per environment (AddonState::signals).
struct SignalState {
  std::unordered_map<HandleBase*, SegmentSignals> segments;
  LossWatch* loss = nullptr;
  size_t loss_waits = 0;

  SignalState() = default;
  SignalState(const SignalState&) = delete;
  SignalState& operator=(const SignalState&) = delete;
  ~SignalState() {
    if (loss == nullptr) return;
    loss->state = nullptr;
    uv_timer_stop(&loss->timer);
    uv_close(reinterpret_cast<uv_handle_t*>(&loss->timer),
             [](uv_handle_t* h) { delete static_cast<LossWatch*>(h->data); });
  }
};

namespace {

// How often pending import waits look for a torn-down connection.
constexpr uint64_t kLossCheckMs = 20;

SignalState& StateOf(AddonState* state) {
  if (!state->signals) {
    state->signals = std::unique_ptr<SignalState, void (*)(SignalState*)>(new SignalState(),
                                                                          [](SignalState* s) { delete s; });
  }
  return *state->signals;
}

void OnLossTick(uv_timer_t* t);

bool StartWatchingLoss(AddonState* state, uv_loop_t* loop) {
  SignalState& signals = StateOf(state);
  if (signals.loss == nullptr) {
    auto watch = std::make_unique<LossWatch>();
    if (uv_timer_init(loop, &watch->timer) != 0) return false;
    watch->timer.data = watch.get();
    watch->state = &signals;
    // Like the poll watch: checking alone keeps nobody alive.
    uv_unref(reinterpret_cast<uv_handle_t*>(&watch->timer));
    signals.loss = watch.release();  // freed by its close callback
  }
  if (signals.loss_waits++ == 0) uv_timer_start(&signals.loss->timer, OnLossTick, kLossCheckMs, kLossCheckMs);
  return true;
}

void StopWatchingLoss(AddonState* state) {
  if (!state->signals) return;
  SignalState& signals = *state->signals;
  if (signals.loss_waits > 0 && --signals.loss_waits == 0 && signals.loss != nullptr) {
    uv_timer_stop(&signals.loss->timer);
  }
}

}  // namespace

// One wait in flight. Owns its uv handles; freed when the last of them has
// closed, which may be after the segment, or the environment, is gone.
struct PendingWait {
  napi_env env = nullptr;
  AddonState* state = nullptr;
  HandleBase* segment = nullptr;
  void* handle = nullptr;  // the library handle
  napi_deferred deferred = nullptr;
  napi_ref segment_ref = nullptr;  // keeps the segment object alive meanwhile
  napi_async_context context = nullptr;
  uv_poll_t poll;
  uv_timer_t timer;
  bool poll_open = false;
  bool timer_open = false;
  // Import waits: also ended by a forced disconnect (LossWatch).
  bool watch_loss = false;
  int open_handles = 0;
  bool settled = false;

  const rsm::Backend& backend() const { return *state->backend; }

  static void OnClosed(uv_handle_t* h) {
    PendingWait* w = static_cast<PendingWait*>(h->data);
    if (--w->open_handles == 0) delete w;
  }

  // Stops watching, gives the descriptor back and forgets the segment;
  // returns false if already done. The uv handles are closed here, so the
  // descriptor is out of the loop's poll set before the library may close it.
  bool Detach() {
    if (settled) return false;
    settled = true;
    if (poll_open) {
      uv_close(reinterpret_cast<uv_handle_t*>(&poll), OnClosed);
      poll_open = false;
    }
    if (timer_open) {
      uv_close(reinterpret_cast<uv_handle_t*>(&timer), OnClosed);
      timer_open = false;
    }
    if (watch_loss) StopWatchingLoss(state);
    backend().rsm_memseg_release_pollfd(handle);
    auto& segments = StateOf(state).segments;
    auto it = segments.find(segment);
    if (it != segments.end()) {
      it->second.wait = nullptr;
      if (it->second.user_pollfds == 0) segments.erase(it);
    }
    return true;
  }

  // Settles the promise from a libuv callback: in a callback scope, so the
  // continuations run before control returns to the loop.
  void Settle(bool resolve, const std::function<Napi::Value(Napi::Env)>& make) {
    napi_ref ref = segment_ref;
    napi_async_context ctx = context;
    napi_deferred d = deferred;
    segment_ref = nullptr;
    context = nullptr;
    deferred = nullptr;
    // `this` stays valid: it is freed by the close callbacks of the handles
    // Detach() closed, which run on a later loop turn.
    Napi::Env e(env);
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

  // Settles from a JavaScript call (cancelWait, destroy...): a scope is
  // already open there.
  void SettleInline(Napi::Env e, const Napi::Value& reason) {
    napi_reject_deferred(e, deferred, reason);
    deferred = nullptr;
    if (context != nullptr) napi_async_destroy(e, context);
    if (segment_ref != nullptr) napi_delete_reference(e, segment_ref);
    context = nullptr;
    segment_ref = nullptr;
  }

  static void OnReadable(uv_poll_t* p, int status, int) {
    PendingWait* w = static_cast<PendingWait*>(p->data);
    if (w->settled) return;
    if (status < 0) {
      std::string why = uv_strerror(status);
      w->Detach();
      w->Settle(false, [why](Napi::Env e) -> Napi::Value {
        return CodedError(e, "ERR_RSM_POLL_FAILED", "watching the poll descriptor failed: " + why).Value();
      });
      return;
    }
    int rc = w->backend().rsm_intr_signal_wait(w->handle, 0);
    // Another consumer got there first: keep watching.
    if (rc == RSMERR_TIMEOUT) return;
    w->Detach();
    if (rc == RSM_SUCCESS) {
      w->Settle(true, [](Napi::Env e) -> Napi::Value { return e.Undefined(); });
    } else {
      w->Settle(false, [rc](Napi::Env e) -> Napi::Value { return RsmError(e, rc, "rsm_intr_signal_wait").Value(); });
    }
  }

  // The connection was torn down under the wait: an event already counted
  // is still taken, as the library would; otherwise the wait can never be
  // answered by the exporter it waited for, so it ends with
  // RSMERR_CONN_ABORTED rather than hanging.
  void CheckLoss() {
    if (settled || backend().ext_import_torn_down(handle) != 1) return;
    int rc = backend().rsm_intr_signal_wait(handle, 0);
    if (rc == RSMERR_TIMEOUT) rc = RSMERR_CONN_ABORTED;
    Detach();
    if (rc == RSM_SUCCESS) {
      Settle(true, [](Napi::Env e) -> Napi::Value { return e.Undefined(); });
    } else {
      Settle(false, [rc](Napi::Env e) -> Napi::Value { return RsmError(e, rc, "rsm_intr_signal_wait").Value(); });
    }
  }

  static void OnTimeout(uv_timer_t* t) {
    PendingWait* w = static_cast<PendingWait*>(t->data);
    if (w->settled) return;
    // An event that arrived with the deadline still counts.
    int rc = w->backend().rsm_intr_signal_wait(w->handle, 0);
    w->Detach();
    if (rc == RSM_SUCCESS) {
      w->Settle(true, [](Napi::Env e) -> Napi::Value { return e.Undefined(); });
    } else {
      w->Settle(false, [rc](Napi::Env e) -> Napi::Value {
        return RsmError(e, rc, "rsm_intr_signal_wait").Value();
      });
    }
  }
};

namespace {

void OnLossTick(uv_timer_t* t) {
  LossWatch* watch = static_cast<LossWatch*>(t->data);
  if (watch->state == nullptr) return;
  // Settling runs JavaScript, which may start or end waits: collect first.
  // A collected wait stays allocated until its uv handles close, on a later
  // loop turn, and `settled` tells whether someone got there first.
  std::vector<PendingWait*> waits;
  for (auto& [segment, entry] : watch->state->segments) {
    if (entry.wait != nullptr && entry.wait->watch_loss) waits.push_back(entry.wait);
  }
  for (PendingWait* w : waits) w->CheckLoss();
}

template <typename T>
struct SegmentOf;

template <>
struct SegmentOf<NativeExportSegment> {
  static void* Handle(NativeExportSegment* s) { return s->live() ? s->handle() : nullptr; }
  static const char* Gone() { return "export segment is destroyed"; }
};

template <>
struct SegmentOf<NativeImportSegment> {
  static void* Handle(NativeImportSegment* s) { return s->live() ? s->handle() : nullptr; }
  static const char* Gone() { return "import segment is disconnected"; }
};

template <typename T>
bool WatchesLoss(const rsm::Backend&) {
  return false;
}

template <>
bool WatchesLoss<NativeImportSegment>(const rsm::Backend& backend) {
  return backend.ext_import_torn_down != nullptr;
}

template <typename T>
void* LiveHandle(Napi::Env env, T* segment) {
  void* h = SegmentOf<T>::Handle(segment);
  if (h == nullptr) throw ReleasedError(env, SegmentOf<T>::Gone());
  return h;
}

template <typename T>
Napi::Value Signal(const Napi::CallbackInfo& info, T* segment) {
  Napi::Env env = info.Env();
  void* h = LiveHandle(env, segment);
  int rc = segment->backend().rsm_intr_signal_post(h, 0);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_intr_signal_post");
  return env.Undefined();
}

Napi::Value Resolved(Napi::Env env) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Resolve(env.Undefined());
  return deferred.Promise();
}

// waitSignal(timeoutMs): -1 waits without a deadline.
template <typename T>
Napi::Value WaitSignal(const Napi::CallbackInfo& info, T* segment) {
  Napi::Env env = info.Env();
  void* h = LiveHandle(env, segment);
  int32_t timeout = Int32Arg(info, 0, "timeoutMs");
  if (timeout < -1) throw ArgRangeError(env, "The \"timeoutMs\" argument must be -1 or more, got " + std::to_string(timeout));
  AddonState* state = segment->state();
  SignalState& signals = StateOf(state);
  auto found = signals.segments.find(segment);
  if (found != signals.segments.end() && found->second.wait != nullptr) {
    throw CodedError(env, "ERR_RSM_BUSY", "a wait for a signal on this segment is already pending");
  }
  const rsm::Backend& backend = segment->backend();
  // An event already pending needs no watch.
  int rc = backend.rsm_intr_signal_wait(h, 0);
  if (rc == RSM_SUCCESS) return Resolved(env);
  if (rc != RSMERR_TIMEOUT || timeout == 0) throw RsmError(env, rc, "rsm_intr_signal_wait");
  const bool watch_loss = WatchesLoss<T>(backend);
  // Nothing pending and the connection already gone: nothing can come.
  if (watch_loss && backend.ext_import_torn_down(h) == 1) throw RsmError(env, RSMERR_CONN_ABORTED, "rsm_intr_signal_wait");

  pollfd pfd{-1, 0, 0};
  rc = backend.rsm_memseg_get_pollfd(h, &pfd);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_get_pollfd");
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  auto wait = std::make_unique<PendingWait>();
  wait->env = env;
  wait->state = state;
  wait->segment = segment;
  wait->handle = h;
  wait->poll.data = wait.get();
  wait->timer.data = wait.get();
  int err = loop ? uv_poll_init(loop, &wait->poll, pfd.fd) : UV_EINVAL;
  if (err != 0) {
    backend.rsm_memseg_release_pollfd(h);
    throw CodedError(env, "ERR_RSM_POLL_FAILED", std::string("cannot watch the poll descriptor: ") + uv_strerror(err));
  }
  wait->poll_open = true;
  wait->open_handles = 1;
  uv_poll_start(&wait->poll, UV_READABLE, &PendingWait::OnReadable);
  uv_unref(reinterpret_cast<uv_handle_t*>(&wait->poll));
  if (timeout > 0) {
    uv_timer_init(loop, &wait->timer);
    wait->timer_open = true;
    wait->open_handles = 2;
    uv_timer_start(&wait->timer, &PendingWait::OnTimeout, static_cast<uint64_t>(timeout), 0);
  }
  if (watch_loss) wait->watch_loss = StartWatchingLoss(state, loop);
  napi_value promise = nullptr;
  napi_create_promise(env, &wait->deferred, &promise);
  napi_create_reference(env, info.This(), 1, &wait->segment_ref);
  napi_async_init(env, info.This(), Napi::String::New(env, "rsmapi.waitSignal"), &wait->context);
  signals.segments[segment].wait = wait.release();  // freed by its uv close callbacks
  return Napi::Value(env, promise);
}

template <typename T>
Napi::Value CancelWait(const Napi::CallbackInfo& info, T* segment) {
  Napi::Env env = info.Env();
  SignalState& signals = StateOf(segment->state());
  auto found = signals.segments.find(segment);
  if (found == signals.segments.end() || found->second.wait == nullptr) return Napi::Boolean::New(env, false);
  PendingWait* w = found->second.wait;
  w->Detach();
  w->SettleInline(env, CodedError(env, "ERR_RSM_CANCELLED", "the wait for a signal was cancelled").Value());
  return Napi::Boolean::New(env, true);
}

template <typename T>
Napi::Value PollDescriptor(const Napi::CallbackInfo& info, T* segment) {
  Napi::Env env = info.Env();
  void* h = LiveHandle(env, segment);
  pollfd pfd{-1, 0, 0};
  int rc = segment->backend().rsm_memseg_get_pollfd(h, &pfd);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_get_pollfd");
  StateOf(segment->state()).segments[segment].user_pollfds++;
  return Napi::Number::New(env, pfd.fd);
}

template <typename T>
Napi::Value ReleasePollDescriptor(const Napi::CallbackInfo& info, T* segment) {
  Napi::Env env = info.Env();
  void* h = LiveHandle(env, segment);
  SignalState& signals = StateOf(segment->state());
  auto found = signals.segments.find(segment);
  // Only references this object took: the wait's own one is not the
  // application's to give back.
  if (found == signals.segments.end() || found->second.user_pollfds == 0) return Napi::Boolean::New(env, false);
  int rc = segment->backend().rsm_memseg_release_pollfd(h);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_release_pollfd");
  if (--found->second.user_pollfds == 0 && found->second.wait == nullptr) signals.segments.erase(found);
  return Napi::Boolean::New(env, true);
}

template <typename T, Napi::Value (*Method)(const Napi::CallbackInfo&, T*)>
napi_value SignalTrampoline(napi_env env, napi_callback_info cbinfo) {
  return Guarded(env, [&]() -> napi_value {
    Napi::CallbackInfo info(env, cbinfo);
    return Method(info, Receiver<T>(env, info.This()));
  });
}

template <typename T>
void AddTo(Napi::Env env, Napi::Function cls) {
  auto attrs = static_cast<napi_property_attributes>(napi_writable | napi_configurable);
  const napi_property_descriptor props[] = {
      {"signal", nullptr, &SignalTrampoline<T, &Signal<T>>, nullptr, nullptr, nullptr, attrs, nullptr},
      {"waitSignal", nullptr, &SignalTrampoline<T, &WaitSignal<T>>, nullptr, nullptr, nullptr, attrs, nullptr},
      {"cancelWait", nullptr, &SignalTrampoline<T, &CancelWait<T>>, nullptr, nullptr, nullptr, attrs, nullptr},
      {"pollDescriptor", nullptr, &SignalTrampoline<T, &PollDescriptor<T>>, nullptr, nullptr, nullptr, attrs, nullptr},
      {"releasePollDescriptor", nullptr, &SignalTrampoline<T, &ReleasePollDescriptor<T>>, nullptr, nullptr, nullptr, attrs,
       nullptr},
  };
  Napi::Object proto = cls.Get("prototype").As<Napi::Object>();
  if (napi_define_properties(env, proto, sizeof props / sizeof props[0], props) != napi_ok) {
    throw Napi::Error::New(env);
  }
}

}  // namespace

void DefineSignalMethods(Napi::Env env, AddonState*, Napi::Function export_class, Napi::Function import_class) {
  AddTo<NativeExportSegment>(env, export_class);
  AddTo<NativeImportSegment>(env, import_class);
}

bool SignalsBeforeRelease(HandleBase* segment, void* rsm_handle, bool teardown, bool force) {
  AddonState* state = segment->state();
  if (state == nullptr || !state->signals || rsm_handle == nullptr) return true;
  auto& segments = state->signals->segments;
  auto found = segments.find(segment);
  if (found == segments.end()) return true;
  if (found->second.user_pollfds > 0 && !force) return false;
  int user = found->second.user_pollfds;
  found->second.user_pollfds = 0;
  if (PendingWait* w = found->second.wait) {
    w->Detach();  // erases the entry (no user descriptors left)
    if (teardown || state->tearing_down) {
      // No JavaScript can run: the promise is abandoned with its environment.
      w->deferred = nullptr;
      w->context = nullptr;
      w->segment_ref = nullptr;
    } else {
      Napi::Env env(state->env);
      Napi::HandleScope scope(env);
      w->SettleInline(env, ReleasedError(env, "the segment was released while waiting for a signal").Value());
    }
  } else {
    segments.erase(found);
  }
  for (int i = 0; i < user; ++i) state->backend->rsm_memseg_release_pollfd(rsm_handle);
  return true;
}

Napi::Value WaitPollfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState* state = static_cast<AddonState*>(info.Data());
  if (state->backend == nullptr) throw CodedError(env, "ERR_RSM_BACKEND_UNAVAILABLE", state->backend_error);
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw ArgTypeError(env, "The \"fds\" argument must be an Int32Array of (fd, events, revents) triples, got " +
                                Describe(info[0]));
  }
  Napi::Int32Array arr = info[0].As<Napi::Int32Array>();
  if (arr.ElementLength() % 3 != 0) {
    throw ArgRangeError(env, "The \"fds\" argument must hold whole (fd, events, revents) triples");
  }
  size_t n = arr.ElementLength() / 3;
  std::vector<pollfd> fds(n);
  for (size_t i = 0; i < n; ++i) {
    fds[i].fd = arr[i * 3];
    fds[i].events = static_cast<short>(arr[i * 3 + 1]);
    fds[i].revents = 0;
  }
  int count = 0;
  // Timeout 0 only: a blocking poll would stall the event loop. Blocking
  // waits are waitSignal()'s job.
  int rc = state->backend->rsm_intr_signal_wait_pollfd(fds.data(), static_cast<nfds_t>(n), 0, &count);
  if (rc != RSM_SUCCESS && rc != RSMERR_TIMEOUT) throw RsmError(env, rc, "rsm_intr_signal_wait_pollfd");
  for (size_t i = 0; i < n; ++i) arr[i * 3 + 2] = fds[i].revents;
  return Napi::Number::New(env, rc == RSMERR_TIMEOUT ? 0 : count);
}

}  // namespace rsmaddon
