#include "connection_loss_watch.h"

#include <uv.h>

#include <algorithm>
#include <memory>

#include "signal_wait.h"

namespace rsmaddon {

namespace {

// How often pending import waits look for a torn-down connection.
constexpr uint64_t kLossCheckMs = 20;

}  // namespace

struct ConnectionLossWatch::Timer {
  uv_timer_t handle{};
  ConnectionLossWatch* watch = nullptr;  // cleared when the watch goes first
};

ConnectionLossWatch::~ConnectionLossWatch() {
  if (timer_ == nullptr) return;
  timer_->watch = nullptr;
  uv_timer_stop(&timer_->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_->handle),
           [](uv_handle_t* h) { std::unique_ptr<Timer> closed(static_cast<Timer*>(h->data)); });
}

bool ConnectionLossWatch::Add(napi_env env, PendingWait* wait) {
  if (timer_ == nullptr) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) return false;
    auto timer = std::make_unique<Timer>();
    if (uv_timer_init(loop, &timer->handle) != 0) return false;
    timer->handle.data = timer.get();
    timer->watch = this;
    // Checking alone keeps nobody alive.
    uv_unref(reinterpret_cast<uv_handle_t*>(&timer->handle));
    timer_ = timer.release();
  }
  waits_.push_back(wait);
  if (waits_.size() == 1) {
    uv_timer_start(
        &timer_->handle, [](uv_timer_t* t) { OnTick(static_cast<Timer*>(t->data)); }, kLossCheckMs, kLossCheckMs);
  }
  return true;
}

void ConnectionLossWatch::Remove(PendingWait* wait) {
  waits_.erase(std::remove(waits_.begin(), waits_.end(), wait), waits_.end());
  if (waits_.empty() && timer_ != nullptr) uv_timer_stop(&timer_->handle);
}

void ConnectionLossWatch::OnTick(Timer* timer) {
  if (timer->watch == nullptr) return;
  // Settling runs JavaScript, which may start or end waits: work on a copy.
  // A wait settled meanwhile stays allocated until its uv handles close, on
  // a later loop turn, and ignores the check.
  std::vector<PendingWait*> waits = timer->watch->waits_;
  for (PendingWait* w : waits) w->CheckLoss();
}

}  // namespace rsmaddon
