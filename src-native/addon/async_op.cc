#include "async_op.h"

#include <exception>

namespace rsmaddon {

Napi::Value AsyncOp::Start(Napi::Env env, std::unique_ptr<AsyncOp> op, const char* name) {
  napi_value promise = nullptr;
  if (napi_create_promise(env, &op->deferred_, &promise) != napi_ok) throw Napi::Error::New(env);
  napi_value resource_name = Napi::String::New(env, name);
  if (napi_create_async_work(env, nullptr, resource_name, &ExecuteCallback, &CompleteCallback, op.get(),
                             &op->work_) != napi_ok) {
    throw Napi::Error::New(env);
  }
  if (napi_queue_async_work(env, op->work_) != napi_ok) {
    napi_delete_async_work(env, op->work_);
    throw Napi::Error::New(env);
  }
  // Owned by the work item from here on; freed in CompleteCallback. The
  // promise's deferred is then settled once, by the complete callback.
  op.release();
  return Napi::Value(env, promise);
}

void AsyncOp::ExecuteCallback(napi_env, void* data) { static_cast<AsyncOp*>(data)->Execute(); }

void AsyncOp::CompleteCallback(napi_env env, napi_status status, void* data) {
  std::unique_ptr<AsyncOp> op(static_cast<AsyncOp*>(data));
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

}  // namespace rsmaddon
