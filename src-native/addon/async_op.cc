#include "async_op.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <uv.h>

#include <exception>
#include <mutex>
#include <set>
#include <unordered_map>

namespace rsmaddon {

// What the thread running one call and the environment's thread share.
struct BlockingCall {
  std::mutex mu;
  pthread_t thread{};
  bool running = false;      // the thread is inside the library call
  bool interrupted = false;  // interrupt requested: do not start, or signal
};

namespace {

// The signal that interrupts a blocked call. Its default action is to
// ignore it, so a stray one never ends the process.
constexpr int kInterruptSignal = SIGURG;
// How often a call still running is signalled again (a signal that lands
// between two waits of the library is lost), and how long process exit
// waits for the calls to come out.
constexpr int kResignalMs = 5;
constexpr int kExitWaitMs = 3000;
// How often an environment with calls in flight checks whether it is being
// torn down (a terminated worker runs no JavaScript to say so).
constexpr uint64_t kWatchMs = 20;

void OnInterruptSignal(int) {}

// A handler is needed for the signal to cut a wait short; any handler does
// (sleeping and polling system calls are never restarted). An application
// handler already in place is kept.
void InstallInterruptHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction old;
    if (sigaction(kInterruptSignal, nullptr, &old) != 0) return;
    if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN) return;
    if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction != nullptr) return;
    struct sigaction sa;
    sa.sa_handler = OnInterruptSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: the wait must return
    sigaction(kInterruptSignal, &sa, nullptr);
  });
}

void SleepMs(int ms) {
  timespec ts{0, static_cast<long>(ms) * 1000000L};
  nanosleep(&ts, nullptr);
}

// Requests the interrupt and signals the thread if it is in the call.
// Returns whether it still is.
bool Interrupt(BlockingCall& call) {
  std::lock_guard<std::mutex> lock(call.mu);
  call.interrupted = true;
  if (call.running) pthread_kill(call.thread, kInterruptSignal);
  return call.running;
}

// Whether the environment can still run JavaScript: false once a worker is
// being terminated or the environment is being freed.
bool CanRunJavaScript(napi_env env) {
  napi_handle_scope scope = nullptr;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return false;
  napi_value object = nullptr;
  napi_value value = nullptr;
  bool ok = napi_create_object(env, &object) == napi_ok && napi_get_boolean(env, true, &value) == napi_ok &&
            napi_set_named_property(env, object, "probe", value) == napi_ok;
  napi_close_handle_scope(env, scope);
  return ok;
}

}  // namespace

// The calls in flight of one environment; used on its thread only.
struct EnvCalls {
  napi_env env = nullptr;
  std::set<AsyncOp*> ops;
  std::unordered_map<AsyncOp*, std::shared_ptr<BlockingCall>> calls;
  uv_timer_t timer{};
  bool timer_ready = false;
};

namespace {

std::mutex g_envs_mu;
// Deliberately never freed: no static destructor may run while a worker
// is still ending at process exit.
auto& g_envs = *std::make_unique<std::unordered_map<napi_env, std::unique_ptr<EnvCalls>>>().release();

EnvCalls* Find(napi_env env) {
  std::lock_guard<std::mutex> lock(g_envs_mu);
  auto it = g_envs.find(env);
  return it == g_envs.end() ? nullptr : it->second.get();
}

EnvCalls* FindOrMake(napi_env env) {
  std::lock_guard<std::mutex> lock(g_envs_mu);
  std::unique_ptr<EnvCalls>& calls = g_envs[env];
  if (calls == nullptr) {
    calls = std::make_unique<EnvCalls>();
    calls->env = env;
  }
  return calls.get();
}

// Signals every call of the environment still running; returns how many are.
int InterruptAll(EnvCalls* calls) {
  int running = 0;
  for (auto& entry : calls->calls) running += Interrupt(*entry.second) ? 1 : 0;
  return running;
}

void OnWatchTick(uv_timer_t* timer) {
  EnvCalls* calls = static_cast<EnvCalls*>(timer->data);
  if (!CanRunJavaScript(calls->env)) InterruptAll(calls);
}

void Watch(EnvCalls* calls) {
  if (!calls->timer_ready) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(calls->env, &loop) != napi_ok || loop == nullptr) return;
    if (uv_timer_init(loop, &calls->timer) != 0) return;
    calls->timer.data = calls;
    calls->timer_ready = true;
  }
  // Unreferenced: the pending work keeps the loop alive, not the watch.
  uv_unref(reinterpret_cast<uv_handle_t*>(&calls->timer));
  uv_timer_start(&calls->timer, OnWatchTick, kWatchMs, kWatchMs);
}

void Unwatch(EnvCalls* calls) {
  if (calls->timer_ready && calls->ops.empty()) uv_timer_stop(&calls->timer);
}

}  // namespace

Napi::Value AsyncOp::Start(Napi::Env env, std::unique_ptr<AsyncOp> op, const char* name) {
  InstallInterruptHandler();
  napi_value promise = nullptr;
  if (napi_create_promise(env, &op->deferred_, &promise) != napi_ok) throw Napi::Error::New(env);
  napi_value resource_name = Napi::String::New(env, name);
  if (napi_create_async_work(env, nullptr, resource_name, &ExecuteCallback, &CompleteCallback, op.get(),
                             &op->work_) != napi_ok) {
    throw Napi::Error::New(env);
  }
  op->env_ = env;
  op->call_ = std::make_shared<BlockingCall>();
  if (napi_queue_async_work(env, op->work_) != napi_ok) {
    napi_delete_async_work(env, op->work_);
    throw Napi::Error::New(env);
  }
  EnvCalls* calls = FindOrMake(env);
  calls->ops.insert(op.get());
  calls->calls.emplace(op.get(), op->call_);
  Watch(calls);
  // Owned by the work item from here on; freed in CompleteCallback. The
  // promise's deferred is then settled once, by the complete callback.
  op.release();
  return Napi::Value(env, promise);
}

void AsyncOp::ExecuteCallback(napi_env, void* data) {
  AsyncOp* op = static_cast<AsyncOp*>(data);
  BlockingCall& call = *op->call_;
  {
    std::lock_guard<std::mutex> lock(call.mu);
    // Interrupted before it started: the call is not made (the op's result
    // stays RSMERR_INTERRUPTED).
    if (call.interrupted) return;
    call.thread = pthread_self();
    call.running = true;
  }
  // Pool threads may block signals; this one must be able to take ours.
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, kInterruptSignal);
  pthread_sigmask(SIG_UNBLOCK, &set, &old);
  op->Execute();
  {
    std::lock_guard<std::mutex> lock(call.mu);
    call.running = false;
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void AsyncOp::CompleteCallback(napi_env env, napi_status status, void* data) {
  std::unique_ptr<AsyncOp> op(static_cast<AsyncOp*>(data));
  if (EnvCalls* calls = Find(env)) {
    calls->ops.erase(op.get());
    calls->calls.erase(op.get());
    Unwatch(calls);
  }
  if (op->abandoned_) {
    // Its handles were dealt with at exit; nobody awaits the promise.
    napi_delete_async_work(env, op->work_);
    return;
  }
  napi_handle_scope scope = nullptr;
  napi_open_handle_scope(env, &scope);
  // Nothing may escape: there is no JavaScript frame to throw into.
  try {
    Napi::Value value = op->Settle(Napi::Env(env), status != napi_cancelled);
    napi_resolve_deferred(env, op->deferred_, value);
  } catch (const Napi::Error& error) {
    napi_reject_deferred(env, op->deferred_, error.Value());
  } catch (const std::exception& error) {
    napi_value message = nullptr;
    napi_value rejection = nullptr;
    if (napi_create_string_utf8(env, error.what(), NAPI_AUTO_LENGTH, &message) == napi_ok &&
        napi_create_error(env, nullptr, message, &rejection) == napi_ok) {
      napi_reject_deferred(env, op->deferred_, rejection);
    }
  }
  napi_delete_async_work(env, op->work_);
  if (scope != nullptr) napi_close_handle_scope(env, scope);
}

void AsyncOp::AbandonAtExit(napi_env env) {
  EnvCalls* calls = Find(env);
  if (calls == nullptr) return;
  for (int waited = 0; InterruptAll(calls) > 0 && waited < kExitWaitMs; waited += kResignalMs) SleepMs(kResignalMs);
  for (AsyncOp* op : calls->ops) {
    if (op->abandoned_) continue;
    {
      // A call that could not be got out of the library keeps its handles
      // as they are: they are not released under it.
      std::lock_guard<std::mutex> lock(op->call_->mu);
      if (op->call_->running) continue;
    }
    op->abandoned_ = true;
    op->Abandon();
  }
}

void AsyncOp::ForgetEnvironment(napi_env env) {
  std::unique_ptr<EnvCalls> calls;
  {
    std::lock_guard<std::mutex> lock(g_envs_mu);
    auto it = g_envs.find(env);
    if (it == g_envs.end()) return;
    calls = std::move(it->second);
    g_envs.erase(it);
  }
  if (!calls->timer_ready) return;
  uv_timer_stop(&calls->timer);
  // Freed by the timer's close callback.
  uv_close(reinterpret_cast<uv_handle_t*>(&calls.release()->timer),
           [](uv_handle_t* handle) { std::unique_ptr<EnvCalls> closed(static_cast<EnvCalls*>(handle->data)); });
}

}  // namespace rsmaddon
