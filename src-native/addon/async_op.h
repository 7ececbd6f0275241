// An RSMAPI call that may block (connect, publish), run on the libuv thread
// pool and settled as a Promise on the main thread.
//
// Such a call must not hold up the end of its environment: process.exit()
// joins the thread pool, and a worker's teardown waits for its pool work
// before any cleanup hook runs. So the calls in flight of each environment
// are known, and when the environment ends they are interrupted the way a
// Unix signal interrupts the driver's wait: the thread running the call gets
// a signal and the call returns RSMERR_INTERRUPTED.
#pragma once

#include <memory>

#include "napi_include.h"

namespace rsmaddon {

struct BlockingCall;

class AsyncOp {
 public:
  AsyncOp() = default;
  AsyncOp(const AsyncOp&) = delete;
  AsyncOp& operator=(const AsyncOp&) = delete;
  virtual ~AsyncOp() = default;

  // Queues `op` and returns its promise. Throws if the work cannot be queued
  // (the op is then destroyed without Execute or Settle running).
  static Napi::Value Start(Napi::Env env, std::unique_ptr<AsyncOp> op, const char* name);

  // The process is exiting (process.on('exit')): interrupts the environment's
  // calls in flight, waits (briefly) until their threads are out of the
  // library, and lets each op put its handles back as Settle would have, so
  // the handles can then be released. Their promises never settle.
  static void AbandonAtExit(napi_env env);

  // The environment's cleanup hook: stops watching it.
  static void ForgetEnvironment(napi_env env);

 protected:
  // Worker thread: the RSMAPI call and nothing else (no N-API).
  virtual void Execute() = 0;

  // Main thread, exactly once after Start succeeded: returns the value to
  // resolve with, or throws the error to reject with. `ran` is false if the
  // work was cancelled before Execute (the RSMAPI call did not happen).
  // Not called for an op that was abandoned.
  virtual Napi::Value Settle(Napi::Env env, bool ran) = 0;

  // Main thread, at process exit, once the call has returned or will not
  // run: what Settle does to handles, without JavaScript or a promise.
  virtual void Abandon() = 0;

 private:
  static void ExecuteCallback(napi_env env, void* data);
  static void CompleteCallback(napi_env env, napi_status status, void* data);

  napi_env env_ = nullptr;
  napi_async_work work_ = nullptr;
  napi_deferred deferred_ = nullptr;
  std::shared_ptr<BlockingCall> call_;
  bool abandoned_ = false;
};

}  // namespace rsmaddon
