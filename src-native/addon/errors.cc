#include "errors.h"

#include "addon_state.h"

namespace rsmaddon {

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
  // No factory yet (the addon used without the facade): the number and the
  // function only. The RSMERR_* names live in one table, lib/codes.ts, which
  // the factory the facade hands over uses.
  std::string message = std::string(syscall) + " returned RSMAPI error " + std::to_string(code);
  if (!detail.empty()) message += " (" + detail + ")";
  Napi::Error error = Napi::Error::New(env, message);
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
