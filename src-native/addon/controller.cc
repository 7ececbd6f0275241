#include "controller.h"

#include <string>

#include "args.h"
#include "export_segment.h"
#include "import_segment.h"
#include "local_memory.h"
#include "operations.h"

namespace rsmaddon {

const napi_type_tag NativeController::kTypeTag = {0x7a3f1c52d9e04b18ULL, 0x9c41e2b7a05d6f31ULL};

Napi::Function NativeController::DefineClass(Napi::Env env, AddonState* state) {
  return DefineHandleClass<NativeController>(
      env, "NativeController",
      {
          MethodProperty<NativeController, &NativeController::Attr>("attr"),
          MethodProperty<NativeController, &NativeController::CreateExport>("createExport"),
          MethodProperty<NativeController, &NativeController::Connect>("connect"),
          MethodProperty<NativeController, &NativeController::CreateLocalMemory>("createLocalMemory"),
          MethodProperty<NativeController, &NativeController::Release>("release"),
          GetterProperty<NativeController, &NativeController::Released>("released"),
      },
      state);
}

NativeController::NativeController(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeController>(info) {
  Init* init = Construct<NativeController, Init>(info);
  handle_ = init->handle;
  init->handle = nullptr;  // owned by this object now
  phase_ = State::kLive;
}

NativeController::~NativeController() {
  // Collected: no child can be live (each holds this object alive).
  if (state() != nullptr && !state()->tearing_down && phase_ == State::kLive) {
    backend().rsm_release_controller(handle_);
  }
}

Napi::Value NativeController::Get(AddonState* state, Napi::Value name) {
  Napi::Env env(state->env);
  if (state->backend == nullptr) {
    throw CodedError(env, "ERR_RSM_BACKEND_UNAVAILABLE", state->backend_error);
  }
  std::string name_copy;
  char* name_arg = nullptr;  // NULL: the default (loopback) controller
  if (!name.IsNull() && !name.IsUndefined()) {
    if (!name.IsString()) {
      throw ArgTypeError(env, "name: not a string or null");
    }
    name_copy = name.As<Napi::String>().Utf8Value();
    // librsm copies the name into a MAXNAMELEN buffer without a bound. The
    // facade's getController() says what a user did wrong; this only guards.
    if (name_copy.size() >= MAXNAMELEN) throw ArgRangeError(env, "name: too long");
    name_arg = &name_copy[0];
  }
  rsmapi_controller_handle_t handle = nullptr;
  int rc = state->backend->rsm_get_controller(name_arg, &handle);
  if (rc != RSM_SUCCESS) {
    std::string detail;
    if (state->backend->ext_config_error != nullptr) {
      const char* problem = state->backend->ext_config_error();
      if (problem != nullptr) detail = problem;
    }
    throw RsmError(env, rc, "rsm_get_controller", detail);
  }
  Init init{handle};
  return Adopt<NativeController>(state, state->controller_class, init, nullptr, nullptr, [&] {
           if (init.handle != nullptr) state->backend->rsm_release_controller(init.handle);
         }).object;
}

void NativeController::RequireLive(Napi::Env env) const {
  if (phase_ != State::kLive) throw ReleasedError(env, "controller is released");
}

Napi::Value NativeController::Attr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  rsmapi_controller_attr_t attr{};
  int rc = backend().rsm_get_controller_attr(handle_, &attr);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_get_controller_attr");
  Napi::Object out = Napi::Object::New(env);
  out.Set("directAccessSizes", Napi::Number::New(env, attr.attr_direct_access_sizes));
  out.Set("atomicSizes", Napi::Number::New(env, attr.attr_atomic_sizes));
  out.Set("pageSize", Napi::Number::New(env, static_cast<double>(attr.attr_page_size)));
  out.Set("maxExportSegmentSize", Napi::Number::New(env, static_cast<double>(attr.attr_max_export_segment_size)));
  out.Set("totExportSegmentSize", Napi::Number::New(env, static_cast<double>(attr.attr_tot_export_segment_size)));
  out.Set("maxExportSegments", Napi::Number::New(env, static_cast<double>(attr.attr_max_export_segments)));
  out.Set("maxImportMapSize", Napi::Number::New(env, static_cast<double>(attr.attr_max_import_map_size)));
  out.Set("totImportMapSize", Napi::Number::New(env, static_cast<double>(attr.attr_tot_import_map_size)));
  out.Set("maxImportSegments", Napi::Number::New(env, static_cast<double>(attr.attr_max_import_segments)));
  return out;
}

Napi::Value NativeController::CreateExport(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  // 2^40 bytes: far beyond any segment librsm accepts, small enough that
  // rounding up to pages cannot overflow.
  size_t size = static_cast<size_t>(SizeArg(info, 0, "size", 1, 1099511627776.0));
  uint32_t flags = Uint32Arg(info, 1, "flags");
  return NativeExportSegment::Create(this, info.This().As<Napi::Object>(), size, flags);
}

Napi::Value NativeController::Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  uint32_t node = Uint32Arg(info, 0, "node");
  uint32_t segment_id = Uint32Arg(info, 1, "segmentId");
  uint32_t perm = Uint32Arg(info, 2, "perm");
  return StartConnect(this, info.This().As<Napi::Object>(), node, segment_id, perm);
}

Napi::Value NativeController::CreateLocalMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  // Same bound as createExport: whole pages of it cannot overflow.
  size_t size = static_cast<size_t>(SizeArg(info, 0, "size", 1, 1099511627776.0));
  return NativeLocalMemory::Create(this, info.This().As<Napi::Object>(), size);
}

Napi::Value NativeController::Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (phase_ != State::kLive) return env.Undefined();  // a second release is a no-op
  int rc = BeginRelease(false);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_release_controller");
  return env.Undefined();
}

Napi::Value NativeController::Released(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), phase_ != State::kLive);
}

int NativeController::BeginRelease(bool teardown) {
  phase_ = State::kClosing;
  // Newest first, so nothing outlives what it was made after; a child with
  // an operation in flight only marks itself closing and stays listed.
  for (HandleBase* child : ChildrenNewestFirst()) child->ForceRelease(teardown);
  return FinishReleaseIfIdle();
}

int NativeController::FinishReleaseIfIdle() {
  if (phase_ != State::kClosing || connects_in_flight_ > 0 || !children().empty()) return RSM_SUCCESS;
  phase_ = State::kReleased;
  return backend().rsm_release_controller(handle_);
}

void NativeController::ForceRelease(bool teardown) {
  if (phase_ == State::kLive) BeginRelease(teardown);
}

}  // namespace rsmaddon
