#include "sim_faults.h"

#include <cmath>
#include <string>
#include <vector>

#include "addon_state.h"
#include "errors.h"
#include "sim_inspect.h"

namespace rsmaddon {

Napi::Value SimFault(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const rsm::Backend& b = SimBackend(env, static_cast<const AddonState*>(info.Data()), "fault injection");
  if (info.Length() != 3 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber()) {
    throw ArgTypeError(env, "simFault(name: string, node: number, value: number)");
  }
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  const double node = info[1].As<Napi::Number>().DoubleValue();
  const double value = info[2].As<Napi::Number>().DoubleValue();
  // Only what the casts below need: the simulator judges the node's range
  // and the facade (lib/faults.ts) tells the user.
  if (!std::isfinite(node) || std::trunc(node) != node || node < -1 || node > 2147483647.0) {
    throw ArgRangeError(env, "simFault: node not an int");
  }
  if (!std::isfinite(value) || std::trunc(value) != value || value < 0 || value > 4294967295.0) {
    throw ArgRangeError(env, "simFault: value not a uint32");
  }
  char why[512] = "";
  int rc = b.ext_fault(name.c_str(), static_cast<int>(node), static_cast<long long>(value), why, sizeof why);
  if (rc == RSMERR_BAD_ARGS_ERRORS) throw ArgValueError(env, why);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsmsim_ext_fault", why);
  return env.Undefined();
}

Napi::Value SimFaults(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const rsm::Backend& b = SimBackend(env, static_cast<const AddonState*>(info.Data()), "fault injection");
  return Napi::String::New(env, SimText(env, b.ext_list_faults, "rsmsim_ext_list_faults"));
}

}  // namespace rsmaddon
