#include "sim_inspect.h"

#include <string>
#include <vector>

#include "../sim/sim_api.h"
#include "addon_state.h"
#include "errors.h"

namespace rsmaddon {

Napi::Value SimSegments(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const AddonState* state = static_cast<const AddonState*>(info.Data());
  // Under the native backend this process's RSMAPI calls do not go to the
  // built-in simulator, so its registry would describe some other cluster.
  if (state->backend_info.name != "sim") {
    throw CodedError(env, "ERR_RSM_NOT_SIMULATOR",
                     "simSegments() needs the simulator backend; the live backend is " + state->backend_info.name);
  }
  std::vector<char> buf(64 * 1024);
  for (;;) {
    long n = rsmsim_ext_list_segments(buf.data(), buf.size());
    if (n < 0) throw RsmError(env, RSMERR_BAD_CONF, "rsmsim_ext_list_segments", buf.data());
    if (static_cast<size_t>(n) < buf.size()) return Napi::String::New(env, buf.data(), static_cast<size_t>(n));
    // The registry grew between the calls or the first buffer was short.
    buf.resize(static_cast<size_t>(n) + 4096);
  }
}

}  // namespace rsmaddon
