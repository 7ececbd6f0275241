// An RSMAPI call that may block (connect, publish), run on the libuv thread
// pool and settled as a Promise on the main thread.
#pragma once

#include <memory>

#include "napi_include.h"

namespace rsmaddon {

class AsyncOp {
 public:
  AsyncOp() = default;
  AsyncOp(const AsyncOp&) = delete;
  AsyncOp& operator=(const AsyncOp&) = delete;
  virtual ~AsyncOp() = default;

  // Queues `op` and returns its promise. Throws if the work cannot be queued
  // (the op is then destroyed without Execute or Settle running).
  static Napi::Value Start(Napi::Env env, std::unique_ptr<AsyncOp> op, const char* name);

 protected:
  // Worker thread: the RSMAPI call and nothing else (no N-API).
  virtual void Execute() = 0;

  // Main thread, exactly once after Start succeeded: returns the value to
  // resolve with, or throws the error to reject with. `ran` is false if the
  // work was cancelled before Execute (the RSMAPI call did not happen).
  virtual Napi::Value Settle(Napi::Env env, bool ran) = 0;

 private:
  static void ExecuteCallback(napi_env env, void* data);
  static void CompleteCallback(napi_env env, napi_status status, void* data);

  napi_async_work work_ = nullptr;
  napi_deferred deferred_ = nullptr;
};

}  // namespace rsmaddon
