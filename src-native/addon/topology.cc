#include "topology.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "errors.h"

namespace rsmaddon {

namespace {

void RequireBackend(Napi::Env env, AddonState* state) {
  if (state->backend == nullptr) throw CodedError(env, "ERR_RSM_BACKEND_UNAVAILABLE", state->backend_error);
}

// A fixed-size name field that may lack its terminator.
std::string Name(const char* field) {
  size_t n = 0;
  while (n < MAXNAMELEN && field[n] != '\0') ++n;
  return std::string(field, n);
}

}  // namespace

Napi::Value Topology(AddonState* state, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireBackend(env, state);
  const rsm::Backend& backend = *state->backend;
  rsm_topology_t* raw = nullptr;
  int rc = backend.rsm_get_interconnect_topology(&raw);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_get_interconnect_topology");
  // Freed by the library's own function, whatever happens below.
  auto release = [&backend](rsm_topology_t* t) { backend.rsm_free_interconnect_topology(t); };
  std::unique_ptr<rsm_topology_t, decltype(release)> topology(raw, release);
  if (raw == nullptr) throw RsmError(env, RSMERR_BAD_TOPOLOGY_PTR, "rsm_get_interconnect_topology");

  Napi::Object out = Napi::Object::New(env);
  out.Set("localNode", Napi::Number::New(env, raw->topology_hdr.local_nodeid));
  const uint_t count = raw->topology_hdr.local_cntlr_count;
  Napi::Array controllers = Napi::Array::New(env, count);
  for (uint_t i = 0; i < count; ++i) {
    const rsm_connections_t* conn = raw->connections[i];
    Napi::Object c = Napi::Object::New(env);
    c.Set("name", Napi::String::New(env, Name(conn->hdr.cntlr_name)));
    c.Set("hwaddr", Napi::BigInt::New(env, static_cast<uint64_t>(conn->hdr.local_hwaddr)));
    const int remote_count = conn->hdr.remote_cntlr_count > 0 ? conn->hdr.remote_cntlr_count : 0;
    Napi::Array remotes = Napi::Array::New(env, static_cast<size_t>(remote_count));
    for (int k = 0; k < remote_count; ++k) {
      const rsm_remote_cntlr_t& r = conn->remote_cntlr[k];
      Napi::Object o = Napi::Object::New(env);
      o.Set("node", Napi::Number::New(env, r.remote_nodeid));
      o.Set("name", Napi::String::New(env, Name(r.remote_cntlrname)));
      o.Set("hwaddr", Napi::BigInt::New(env, static_cast<uint64_t>(r.remote_hwaddr)));
      o.Set("state", Napi::Number::New(env, r.connection_state));
      remotes.Set(static_cast<uint32_t>(k), o);
    }
    c.Set("remotes", remotes);
    controllers.Set(i, c);
  }
  out.Set("controllers", controllers);
  return out;
}

Napi::Value SegmentIdRange(AddonState* state, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireBackend(env, state);
  // What a user may pass is checked by the facade's segmentIdRange().
  if (!info[0].IsString()) throw ArgTypeError(env, "appid: not a string");
  std::string appid = info[0].As<Napi::String>().Utf8Value();
  rsm_memseg_id_t base = 0;
  uint32_t length = 0;
  int rc = state->backend->rsm_get_segmentid_range(appid.c_str(), &base, &length);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_get_segmentid_range");
  Napi::Object out = Napi::Object::New(env);
  out.Set("base", Napi::Number::New(env, base));
  out.Set("length", Napi::Number::New(env, length));
  return out;
}

}  // namespace rsmaddon
