// The floor of a call from JavaScript into native code, for the benchmarks
// only (never shipped): functions that do nothing, once through raw N-API
// and once through node-addon-api, which reads the arguments into a
// CallbackInfo on every call.
#include <napi.h>

namespace {

napi_value RawEmpty(napi_env, napi_callback_info) { return nullptr; }

// Reads its arguments as a binding with two parameters must, and nothing else.
napi_value RawArgs(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void* data = nullptr;
  napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  return nullptr;
}

Napi::Value AddonApiEmpty(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  napi_value raw = nullptr;
  napi_create_function(env, "rawEmpty", NAPI_AUTO_LENGTH, RawEmpty, nullptr, &raw);
  exports.Set("rawEmpty", raw);
  napi_value args = nullptr;
  napi_create_function(env, "rawArgs", NAPI_AUTO_LENGTH, RawArgs, nullptr, &args);
  exports.Set("rawArgs", args);
  exports.Set("addonApiEmpty", Napi::Function::New(env, AddonApiEmpty, "addonApiEmpty"));
  return exports;
}

}  // namespace

NODE_API_MODULE(rsm_bench_empty, Init)
