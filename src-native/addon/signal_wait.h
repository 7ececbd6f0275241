// One wait for an interrupt signal in flight on a segment, driven by the
// event loop: the segment's poll descriptor (rsm_memseg_get_pollfd) is
// watched by a uv_poll_t; when it turns readable the main thread consumes
// one event with rsm_intr_signal_wait(handle, 0). RSMERR_TIMEOUT there means
// another consumer (another thread or process sharing the handle's events)
// took it first: the watch goes on. A deadline is a uv_timer_t.
//
// Its uv handles are ref'd while the segment is (SegmentSignals::SetRef):
// a pending wait keeps the process alive like a listening socket, and an
// unref'd segment's wait does not (docs/semantics.md §8).
#pragma once

#include <cstdint>
#include <functional>

#include <uv.h>

#include "addon_state.h"
#include "napi_include.h"

namespace rsmaddon {

class SegmentSignals;

class PendingWait {
 public:
  PendingWait(const PendingWait&) = delete;
  PendingWait& operator=(const PendingWait&) = delete;
  ~PendingWait() = default;

  // Takes a poll-descriptor reference of `handle` and starts watching it;
  // `timeout_ms` -1 means no deadline. Returns the wait, which owns itself
  // from then on (freed once its uv handles have closed), and its promise.
  // Throws, with nothing left behind, if the descriptor cannot be watched.
  static PendingWait* Start(Napi::Env env, AddonState* state, SegmentSignals* owner, void* handle,
                            int32_t timeout_ms, bool watch_loss, bool ref, napi_value segment_object,
                            napi_value* promise);

  // Rejects the promise with `reason` from a JavaScript call (cancelWait,
  // destroy...), after giving the descriptor back.
  void Reject(Napi::Env env, const Napi::Value& reason);
  // The environment is going away: gives the descriptor back; the promise
  // is abandoned with the environment (no JavaScript may run).
  void Abandon();
  // An import's connection may have been torn down (ConnectionLossWatch).
  void CheckLoss();
  // Whether the wait's uv handles keep the event loop alive.
  void SetRef(bool ref);

 private:
  PendingWait() = default;

  const rsm::Backend& backend() const { return *state_->backend; }
  static void OnClosed(uv_handle_t* handle);
  static void OnReadable(uv_poll_t* poll, int status, int events);
  static void OnTimeout(uv_timer_t* timer);
  // Stops watching, gives the descriptor back and leaves the segment;
  // false if already done.
  bool Detach();
  // Consumes one event if there is one and settles with the result
  // (`none` is the code to reject with when there is none).
  void SettleWithEvent(int none);
  // Settles with the result `rc` of rsm_intr_signal_wait.
  void SettleWith(int rc);
  // Settles from a libuv callback, in a callback scope, so the
  // continuations run before control returns to the loop.
  void Settle(bool resolve, const std::function<Napi::Value(Napi::Env)>& make);

  napi_env env_ = nullptr;
  AddonState* state_ = nullptr;
  SegmentSignals* owner_ = nullptr;  // until Detach
  void* handle_ = nullptr;           // the library handle
  napi_deferred deferred_ = nullptr;
  napi_ref segment_ref_ = nullptr;  // keeps the segment object alive meanwhile
  napi_async_context context_ = nullptr;
  uv_poll_t poll_{};
  uv_timer_t timer_{};
  bool poll_open_ = false;
  bool timer_open_ = false;
  bool watch_loss_ = false;
  int open_handles_ = 0;
  bool settled_ = false;
};

}  // namespace rsmaddon
