// Module initialisation: one AddonState per environment (main thread or
// worker), the handle classes, the module functions, and the cleanup hook
// that releases whatever JavaScript left open when the environment goes.
#include <unistd.h>

#include <memory>

#include "addon_state.h"
#include "args.h"
#include "async_op.h"
#include "barrier.h"
#include "controller.h"
#include "errors.h"
#include "export_segment.h"
#include "import_segment.h"
#include "local_memory.h"
#include "mapping.h"
#include "pollfd_wait.h"
#include "sim_faults.h"
#include "sim_inspect.h"
#include "topology.h"

namespace rsmaddon {
namespace {

AddonState* StateOf(const Napi::CallbackInfo& info) { return static_cast<AddonState*>(info.Data()); }

Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) {
    throw ArgTypeError(env, "The \"factory\" argument must be a class (function), got " + Describe(info[0]));
  }
  StateOf(info)->error_factory = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Value BackendInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const rsm::BackendInfo& backend = StateOf(info)->backend_info;
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", Napi::String::New(env, backend.name.empty() ? "none" : backend.name));
  out.Set("requested", Napi::String::New(env, backend.requested));
  out.Set("library", Napi::String::New(env, backend.library));
  out.Set("reason", Napi::String::New(env, backend.reason));
  return out;
}

Napi::Value GetController(const Napi::CallbackInfo& info) { return NativeController::Get(StateOf(info), info[0]); }

Napi::Value GetTopology(const Napi::CallbackInfo& info) { return Topology(StateOf(info), info); }

Napi::Value GetSegmentIdRange(const Napi::CallbackInfo& info) { return SegmentIdRange(StateOf(info), info); }

// Releases every handle still open, newest first, so children go before
// their parents.
void ReleaseAll(AddonState* state, bool teardown) {
  for (HandleBase* handle : state->registry.NewestFirst()) handle->ForceRelease(teardown);
}

// process.on('exit'): process.exit() ends the main thread without running
// environment cleanup hooks, so this is where a program that exits with
// live handles gets them released (and other processes see its exports go
// at once, not when the simulator notices a dead process). Views are still
// detached here: other 'exit' listeners may yet run JavaScript.
Napi::Value ReleaseAtExit(const Napi::CallbackInfo& info) {
  // A connect or publish still blocked would hold up the exit and keep its
  // handles busy: interrupt it first (async_op.h).
  AsyncOp::AbandonAtExit(info.Env());
  StateOf(info)->exiting = true;
  ReleaseAll(StateOf(info), false);
  return info.Env().Undefined();
}

void ListenForExit(Napi::Env env, AddonState* state) {
  try {
    Napi::Value process = env.Global().Get("process");
    if (!process.IsObject()) return;
    Napi::Value on = process.As<Napi::Object>().Get("on");
    if (!on.IsFunction()) return;
    on.As<Napi::Function>().Call(
        process, {Napi::String::New(env, "exit"), Napi::Function::New(env, ReleaseAtExit, "rsmapiReleaseAtExit", state)});
  } catch (const Napi::Error&) {
    // An embedder without a usable `process`: the cleanup hook still runs.
  }
}

// The environment is going away (end of the main thread, worker exit or
// termination): release what is still open. No JavaScript runs any more, so
// buffers are not detached; the finalizers that follow (in any order) find
// everything released and touch neither parents nor children.
void Teardown(void* arg) {
  AddonState* state = static_cast<AddonState*>(arg);
  AsyncOp::ForgetEnvironment(state->env);
  ReleaseAll(state, true);
  for (HandleBase* handle : state->registry.NewestFirst()) handle->ForgetLinks();
  state->tearing_down = true;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto owned = std::make_unique<AddonState>();
  AddonState* state = owned.get();
  state->env = env;
  env.SetInstanceData<AddonState>(owned.release());  // deleted with the environment

  state->backend = rsm::LoadBackend(&state->backend_info, &state->backend_error);
  if (state->backend_info.name.empty()) state->backend_info.name = "none";

  state->construct_token = Napi::Persistent(Napi::Value(Napi::External<AddonState>::New(env, state)));
  state->owner_key = Napi::Persistent(Napi::Symbol::New(env, "rsmapi.owner"));
  state->buffer_key = Napi::Persistent(Napi::Symbol::New(env, "rsmapi.buffer"));

  Napi::Function controller = NativeController::DefineClass(env, state);
  Napi::Function export_segment = NativeExportSegment::DefineClass(env, state);
  Napi::Function import_segment = NativeImportSegment::DefineClass(env, state);
  Napi::Function mapping = NativeMapping::DefineClass(env, state);
  Napi::Function barrier = NativeBarrier::DefineClass(env, state);
  state->controller_class = Napi::Persistent(controller);
  state->export_class = Napi::Persistent(export_segment);
  state->import_class = Napi::Persistent(import_segment);
  state->mapping_class = Napi::Persistent(mapping);
  state->barrier_class = Napi::Persistent(barrier);
  Napi::Function local_memory = NativeLocalMemory::DefineClass(env, state);
  state->local_memory_class = Napi::Persistent(local_memory);

  napi_add_env_cleanup_hook(env, &Teardown, state);
  ListenForExit(env, state);

  exports.DefineProperties({
      Napi::PropertyDescriptor::Value("setErrorFactory",
                                      Napi::Function::New(env, SetErrorFactory, "setErrorFactory", state),
                                      napi_enumerable),
      Napi::PropertyDescriptor::Value("backendInfo", Napi::Function::New(env, BackendInfo, "backendInfo", state),
                                      napi_enumerable),
      Napi::PropertyDescriptor::Value("getController",
                                      Napi::Function::New(env, GetController, "getController", state),
                                      napi_enumerable),
      Napi::PropertyDescriptor::Value("simSnapshot", Napi::Function::New(env, SimSnapshot, "simSnapshot", state),
                                      napi_enumerable),
      Napi::PropertyDescriptor::Value("simDescribe", Napi::Function::New(env, SimDescribe, "simDescribe", state),
                                      napi_enumerable),
      Napi::PropertyDescriptor::Value("simClusterDir",
                                      Napi::Function::New(env, SimClusterDir, "simClusterDir", state), napi_enumerable),
      Napi::PropertyDescriptor::Value("simReset", Napi::Function::New(env, SimReset, "simReset", state),
                                      napi_enumerable),
      Napi::PropertyDescriptor::Value("simFault", Napi::Function::New(env, SimFault, "simFault", state),
                                      napi_enumerable),
      Napi::PropertyDescriptor::Value("simFaults", Napi::Function::New(env, SimFaults, "simFaults", state),
                                      napi_enumerable),
      Napi::PropertyDescriptor::Value("waitPollfd", Napi::Function::New(env, WaitPollfd, "waitPollfd", state),
                                      napi_enumerable),
      Napi::PropertyDescriptor::Value("pageSize", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))),
                                      napi_enumerable),
      // The classes, for instanceof checks; calling them throws.
      Napi::PropertyDescriptor::Value("NativeController", controller, napi_enumerable),
      Napi::PropertyDescriptor::Value("NativeExportSegment", export_segment, napi_enumerable),
      Napi::PropertyDescriptor::Value("NativeImportSegment", import_segment, napi_enumerable),
      Napi::PropertyDescriptor::Value("NativeMapping", mapping, napi_enumerable),
      Napi::PropertyDescriptor::Value("NativeBarrier", barrier, napi_enumerable),
      Napi::PropertyDescriptor::Value("NativeLocalMemory", local_memory, napi_enumerable),
      Napi::PropertyDescriptor::Value("topology", Napi::Function::New(env, GetTopology, "topology", state),
                                      napi_enumerable),
      Napi::PropertyDescriptor::Value("segmentIdRange",
                                      Napi::Function::New(env, GetSegmentIdRange, "segmentIdRange", state),
                                      napi_enumerable),
  });
  return exports;
}

}  // namespace
}  // namespace rsmaddon

static Napi::Object InitRsmapi(Napi::Env env, Napi::Object exports) { return rsmaddon::Init(env, exports); }

NODE_API_MODULE(rsmapi, InitRsmapi)
