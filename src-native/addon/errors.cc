#include "errors.h"

#include "../abi/rsmapi.h"
#include "addon_state.h"

namespace rsmaddon {

const char* RsmCodeName(int code) {
  switch (code) {
#define RSM_CODE(name) \
  case name:           \
    return #name;
    RSM_CODE(RSM_SUCCESS)
    RSM_CODE(RSMERR_BAD_LIBRARY_VERSION)
    RSM_CODE(RSMERR_BAD_TOPOLOGY_PTR)
    RSM_CODE(RSMERR_BAD_CTLR_HNDL)
    RSM_CODE(RSMERR_CTLR_NOT_PRESENT)
    RSM_CODE(RSMERR_BAD_SEG_HNDL)
    RSM_CODE(RSMERR_SEG_ALREADY_PUBLISHED)
    RSM_CODE(RSMERR_SEG_NOT_PUBLISHED)
    RSM_CODE(RSMERR_SEG_NOT_PUBLISHED_TO_NODE)
    RSM_CODE(RSMERR_SEG_ALREADY_MAPPED)
    RSM_CODE(RSMERR_SEG_STILL_MAPPED)
    RSM_CODE(RSMERR_SEG_NOT_MAPPED)
    RSM_CODE(RSMERR_NOT_CREATOR)
    RSM_CODE(RSMERR_BAD_BARRIER_PTR)
    RSM_CODE(RSMERR_BAD_SGIO)
    RSM_CODE(RSMERR_BAD_LOCALMEM_HNDL)
    RSM_CODE(RSMERR_BAD_ADDR)
    RSM_CODE(RSMERR_BAD_MEM_ALIGNMENT)
    RSM_CODE(RSMERR_BAD_OFFSET)
    RSM_CODE(RSMERR_MISALIGNED_OFFSET)
    RSM_CODE(RSMERR_BAD_LENGTH)
    RSM_CODE(RSMERR_BAD_ACL)
    RSM_CODE(RSMERR_BAD_SEGID)
    RSM_CODE(RSMERR_RESERVED_SEGID)
    RSM_CODE(RSMERR_SEGID_IN_USE)
    RSM_CODE(RSMERR_BAD_MODE)
    RSM_CODE(RSMERR_BAD_PERMS)
    RSM_CODE(RSMERR_PERM_DENIED)
    RSM_CODE(RSMERR_LOCKS_NOT_SUPPORTED)
    RSM_CODE(RSMERR_LOCKS_NOT_ENABLED)
    RSM_CODE(RSMERR_REBIND_NOT_ALLOWED)
    RSM_CODE(RSMERR_INSUFFICIENT_RESOURCES)
    RSM_CODE(RSMERR_INSUFFICIENT_MEM)
    RSM_CODE(RSMERR_MAP_FAILED)
    RSM_CODE(RSMERR_POLLFD_IN_USE)
    RSM_CODE(RSMERR_BARRIER_UNINITIALIZED)
    RSM_CODE(RSMERR_BARRIER_OPEN_FAILED)
    RSM_CODE(RSMERR_BARRIER_NOT_OPENED)
    RSM_CODE(RSMERR_BARRIER_FAILURE)
    RSM_CODE(RSMERR_REMOTE_NODE_UNREACHABLE)
    RSM_CODE(RSMERR_CONN_ABORTED)
    RSM_CODE(RSMERR_INTERRUPTED)
    RSM_CODE(RSMERR_TIMEOUT)
    RSM_CODE(RSMERR_BAD_APPID)
    RSM_CODE(RSMERR_BAD_CONF)
    RSM_CODE(RSMERR_SEG_NOT_CONNECTED)
    RSM_CODE(RSMERR_INTERNAL_ERROR)
    RSM_CODE(RSMERR_BAD_DRIVER_VERSION)
    RSM_CODE(RSMERR_UNSUPPORTED_VERSION)
    RSM_CODE(RSMERR_DRIVER_NAME_IN_USE)
    RSM_CODE(RSMERR_DRIVER_NOT_REGISTERED)
    RSM_CODE(RSMERR_DRIVER_THREAD_RUNNING)
    RSM_CODE(RSMERR_NEED_THREAD_INIT)
    RSM_CODE(RSMERR_THREAD_NOT_INITED)
    RSM_CODE(RSMERR_CTLRS_REGISTERED)
    RSM_CODE(RSMERR_CTLR_NOT_REGISTERED)
    RSM_CODE(RSMERR_CTLR_ALREADY_REGISTERED)
    RSM_CODE(RSMERR_CTLR_IN_USE)
    RSM_CODE(RSMERR_NAME_TOO_LONG)
    RSM_CODE(RSMERR_SEG_PUBLISHED)
    RSM_CODE(RSMERR_SEG_NOT_PUBLISHED_TO_RSM_ADDR)
    RSM_CODE(RSMERR_SEG_IN_USE)
    RSM_CODE(RSMERR_BAD_SENDQ_HNDL)
    RSM_CODE(RSMERR_BAD_ARGS_ERRORS)
    RSM_CODE(RSMERR_BAD_MSTYPE)
    RSM_CODE(RSMERR_NO_BACKING_MEM)
    RSM_CODE(RSMERR_NOT_MEM)
    RSM_CODE(RSMERR_MEM_ALREADY_BOUND)
    RSM_CODE(RSMERR_MEM_NOT_BOUND)
    RSM_CODE(RSMERR_HANDLER_NOT_REGISTERED)
    RSM_CODE(RSMERR_NO_HANDLER)
    RSM_CODE(RSMERR_UNBIND_REBIND_NOT_ALLOWED)
    RSM_CODE(RSMERR_CALLBACKS_NOT_SUPPORTED)
    RSM_CODE(RSMERR_UNSUPPORTED_OPERATION)
    RSM_CODE(RSMERR_RSM_ADDR_UNREACHABLE)
    RSM_CODE(RSMERR_UNKNOWN_RSM_ADDR)
    RSM_CODE(RSMERR_BAD_BARRIER_HNDL)
    RSM_CODE(RSMERR_COMM_ERR_MAYBE_DELIVERED)
    RSM_CODE(RSMERR_COMM_ERR_NOT_DELIVERED)
    RSM_CODE(RSMERR_QUEUE_FENCE_UP)
    RSM_CODE(RSMERR_QUEUE_FULL)
#undef RSM_CODE
    default:
      return "RSMERR_UNKNOWN";
  }
}

namespace {

AddonState* StateOf(Napi::Env env) { return env.GetInstanceData<AddonState>(); }

Napi::Error WithCode(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  return error;
}

}  // namespace

Napi::Error RsmError(Napi::Env env, int code, const char* syscall, const std::string& detail) {
  AddonState* state = StateOf(env);
  if (state != nullptr && !state->error_factory.IsEmpty()) {
    Napi::Value detail_value = detail.empty() ? env.Undefined() : Napi::String::New(env, detail);
    Napi::Object error = state->error_factory.New(
        {Napi::Number::New(env, code), Napi::String::New(env, syscall), detail_value});
    return Napi::Error(env, error);
  }
  // No factory yet (the addon used without the facade): the same shape,
  // without the class.
  std::string message = std::string(syscall) + ": " + RsmCodeName(code) + " (" + std::to_string(code) + ")";
  if (!detail.empty()) message += " (" + detail + ")";
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, RsmCodeName(code)));
  error.Set("errno", Napi::Number::New(env, code));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message) {
  return WithCode(Napi::Error::New(env, message), code);
}

Napi::Error ArgTypeError(Napi::Env env, const std::string& message) {
  return WithCode(Napi::TypeError::New(env, message), "ERR_INVALID_ARG_TYPE");
}

Napi::Error ArgValueError(Napi::Env env, const std::string& message) {
  return WithCode(Napi::TypeError::New(env, message), "ERR_INVALID_ARG_VALUE");
}

Napi::Error ArgRangeError(Napi::Env env, const std::string& message) {
  return WithCode(Napi::RangeError::New(env, message), "ERR_OUT_OF_RANGE");
}

Napi::Error IllegalInvocation(Napi::Env env) {
  return WithCode(Napi::TypeError::New(env, "Illegal invocation"), "ERR_INVALID_THIS");
}

Napi::Error IllegalConstructor(Napi::Env env) {
  return WithCode(Napi::TypeError::New(env, "Illegal constructor"), "ERR_ILLEGAL_CONSTRUCTOR");
}

Napi::Error ReleasedError(Napi::Env env, const std::string& what) {
  return CodedError(env, "ERR_RSM_RELEASED", what);
}

}  // namespace rsmaddon
