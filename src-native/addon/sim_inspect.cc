#include "sim_inspect.h"

#include <string>
#include <vector>

#include "addon_state.h"
#include "errors.h"

namespace rsmaddon {

const rsm::Backend& SimBackend(Napi::Env env, const AddonState* state, const char* what) {
  const rsm::Backend* b = state->backend;
  bool complete = b != nullptr;
#define RSM_HAS_EXTENSION(ret, name, params) complete = complete && b->ext_##name != nullptr;
  RSMSIM_FOR_EACH_EXTENSION(RSM_HAS_EXTENSION)
#undef RSM_HAS_EXTENSION
  if (!complete) {
    std::string live = state->backend_info.name;
    if (!state->backend_info.library.empty()) live += " (" + state->backend_info.library + ")";
    throw CodedError(env, "ERR_RSM_NOT_SIMULATOR",
                     std::string(what) + " needs a simulator backend (the built-in one or librsmsim.so); the live backend " +
                         live + " has no simulator extensions");
  }
  return *b;
}

std::string SimText(Napi::Env env, long (*call)(char*, size_t), const char* name) {
  std::vector<char> buf(64 * 1024);
  for (;;) {
    long n = call(buf.data(), buf.size());
    if (n < 0) throw RsmError(env, RSMERR_BAD_CONF, name, buf.data());
    if (static_cast<size_t>(n) < buf.size()) return std::string(buf.data(), static_cast<size_t>(n));
    // The registry grew between the calls or the first buffer was short.
    buf.resize(static_cast<size_t>(n) + 4096);
  }
}

namespace {

const rsm::Backend& Sim(const Napi::CallbackInfo& info, const char* what) {
  return SimBackend(info.Env(), static_cast<const AddonState*>(info.Data()), what);
}

}  // namespace

Napi::Value SimSnapshot(const Napi::CallbackInfo& info) {
  const rsm::Backend& b = Sim(info, "simSnapshot()");
  return Napi::String::New(info.Env(), SimText(info.Env(), b.ext_snapshot, "rsmsim_ext_snapshot"));
}

Napi::Value SimDescribe(const Napi::CallbackInfo& info) {
  const rsm::Backend& b = Sim(info, "simDescribe()");
  return Napi::String::New(info.Env(), SimText(info.Env(), b.ext_describe_cluster, "rsmsim_ext_describe_cluster"));
}

Napi::Value SimClusterDir(const Napi::CallbackInfo& info) {
  const rsm::Backend& b = Sim(info, "simClusterDir()");
  const char* dir = b.ext_cluster_dir();
  if (dir == nullptr || dir[0] == '\0') {
    const char* problem = b.ext_config_error();
    throw RsmError(info.Env(), RSMERR_BAD_CONF, "rsmsim_ext_cluster_dir",
                   problem != nullptr ? problem : "the simulator's configuration is unusable");
  }
  return Napi::String::New(info.Env(), dir);
}

Napi::Value SimReset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const rsm::Backend& b = Sim(info, "simReset()");
  if (info.Length() != 1 || !info[0].IsBoolean()) throw ArgTypeError(env, "simReset(force: boolean)");
  const bool force = info[0].As<Napi::Boolean>().Value();
  // One call only: a reset is not repeated for a longer report, which cuts
  // its list of names to fit instead.
  std::vector<char> buf(256 * 1024);
  long n = b.ext_reset(force ? 1 : 0, buf.data(), buf.size());
  if (n < 0) throw RsmError(env, RSMERR_BAD_CONF, "rsmsim_ext_reset", buf.data());
  return Napi::String::New(env, buf.data(), std::min(static_cast<size_t>(n), buf.size() - 1));
}

}  // namespace rsmaddon
