#include "import_segment.h"

#include <sys/mman.h>

#include <utility>

#include "args.h"
#include "barrier.h"
#include "controller.h"
#include "mapping.h"
#include "owned_buffer.h"

namespace rsmaddon {

const napi_type_tag NativeImportSegment::kTypeTag = {0xc4a1975e38b20f6dULL, 0x0e7d3b6a94c15f82ULL};

Napi::Function NativeImportSegment::DefineClass(Napi::Env env, AddonState* state) {
  using T = NativeImportSegment;
  return DefineHandleClass<T>(env, "NativeImportSegment",
                                    WithSignalMembers<T>({
                                        MethodProperty<T, &T::Map>("map"),
                                        MethodProperty<T, &T::Unmap>("unmap"),
                                        MethodProperty<T, &T::InitBarrier>("initBarrier"),
                                        MethodProperty<T, &T::GetMode>("getMode"),
                                        MethodProperty<T, &T::SetMode>("setMode"),
                                        MethodProperty<T, &T::Disconnect>("disconnect"),
                                        GetterProperty<T, &T::Disconnected>("disconnected"),
                                        MethodProperty<T, &T::Access>("access"),
                                    }),
                                    state);
}

NativeImportSegment::NativeImportSegment(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<NativeImportSegment>(info) {
  Init* init = Construct<NativeImportSegment, Init>(info);
  handle_ = init->handle;
  init->handle = nullptr;  // owned by this object now
  phase_ = State::kLive;
  access_ = std::make_shared<ImportAccess>(&backend(), handle_);
}

NativeImportSegment::~NativeImportSegment() {
  // Collected: its mapping and barriers are gone (each held this object
  // alive). An implicit mapping is removed by the disconnect itself; kept
  // barrier structs are freed after it, with the members. Functions from
  // access() may live on: they must not reach the closed handle.
  if (access_) access_->Disconnected();
  if (state() == nullptr || state()->tearing_down || phase_ != State::kLive) return;
  signals_.BeforeRelease(state(), handle_, true, true);
  backend().rsm_memseg_import_disconnect(handle_);
}

Napi::Object NativeImportSegment::Wrap(NativeController* controller, Napi::Object controller_object,
                                       rsm_memseg_import_handle_t handle) {
  AddonState* state = controller->state();
  Init init{handle};
  return Adopt<NativeImportSegment>(state, state->import_class, init, controller, controller_object, [&] {
           // Not taken over by a handle object: close the connection here.
           if (init.handle != nullptr) controller->backend().rsm_memseg_import_disconnect(init.handle);
         }).object;
}

void NativeImportSegment::RequireLive(Napi::Env env) const {
  if (phase_ != State::kLive) throw ReleasedError(env, "import segment is disconnected");
}

Napi::Value NativeImportSegment::Map(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  int64_t offset = SafeIntegerArg(info, 0, "offset");
  size_t length = static_cast<size_t>(SizeArg(info, 1, "length", 0, kMaxSafeInteger));
  uint32_t perm = Uint32Arg(info, 2, "perm");
  uint32_t attr = Uint32Arg(info, 3, "attr");
  // JavaScript cannot name an address, and RSM_MAP_FIXED with NULL would
  // mean "at address 0" (which a privileged process really gets). So for
  // RSM_MAP_FIXED the addon reserves an inaccessible range of its own and
  // passes that: the fixed mapping replaces the reservation, and a failed
  // map gives it back. Other bits go through; librsm ignores them.
  void* address = nullptr;  // without RSM_MAP_FIXED: let the system place the mapping
  void* reservation = nullptr;
  size_t reserved = 0;
  if ((attr & RSM_MAP_FIXED) && length > 0) {
    reserved = WholePages(length);
    address = mmap(nullptr, reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (address == MAP_FAILED) {
      throw RsmError(env, RSMERR_INSUFFICIENT_RESOURCES, "rsm_memseg_import_map",
                     "no address range could be reserved for RSM_MAP_FIXED");
    }
    reservation = address;
  }
  int rc = backend().rsm_memseg_import_map(handle_, &address, static_cast<rsm_attribute_t>(attr), perm,
                                           static_cast<off_t>(offset), length);
  if (rc != RSM_SUCCESS) {
    if (reservation != nullptr) munmap(reservation, reserved);
    throw RsmError(env, rc, "rsm_memseg_import_map");
  }
  if (address == nullptr) {
    // Success with no address would be a library bug; never wrap it.
    backend().rsm_memseg_import_unmap(handle_);
    throw CodedError(env, "ERR_RSM_MAP_FAILED", "rsm_memseg_import_map reported success but returned no address");
  }
  Napi::Object mapping = NativeMapping::Wrap(this, info.This().As<Napi::Object>(), address, offset, length, perm);
  mapping_ = NativeMapping::Unwrap(mapping);
  return mapping;
}

Napi::Value NativeImportSegment::Unmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  // An explicit mapping goes through its handle, which detaches its buffer
  // first; otherwise this removes the implicit mapping of a put/get.
  int rc = mapping_ != nullptr ? mapping_->UnmapNative(env) : backend().rsm_memseg_import_unmap(handle_);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_import_unmap");
  return env.Undefined();
}

Napi::Value NativeImportSegment::InitBarrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  // Passed through unchecked, as librsm never validates the type.
  int32_t type = Int32Arg(info, 0, "type");
  return NativeBarrier::Create(this, info.This().As<Napi::Object>(), static_cast<rsm_barrier_type_t>(type));
}

Napi::Value NativeImportSegment::GetMode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  rsm_barrier_mode_t mode = RSM_BARRIER_MODE_IMPLICIT;
  int rc = backend().rsm_memseg_import_get_mode(handle_, &mode);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_import_get_mode");
  return Napi::Number::New(env, static_cast<int>(mode));
}

Napi::Value NativeImportSegment::SetMode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  // Unknown modes go through: the library answers RSMERR_BAD_MODE.
  int32_t mode = Int32Arg(info, 0, "mode");
  int rc = backend().rsm_memseg_import_set_mode(handle_, static_cast<rsm_barrier_mode_t>(mode));
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_import_set_mode");
  return env.Undefined();
}

Napi::Value NativeImportSegment::Disconnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (phase_ != State::kLive) return env.Undefined();  // a second disconnect is a no-op
  // A pending signal wait ends first (ERR_RSM_RELEASED). While descriptors
  // from pollDescriptor() are out the library refuses
  // (RSMERR_POLLFD_IN_USE): ask it before touching mapping or barriers.
  const bool pollfds_out = !signals_.BeforeRelease(state(), handle_, false, false);
  if (mapping_ != nullptr || pollfds_out) {
    // librsm refuses while an explicit mapping exists
    // (RSMERR_SEG_STILL_MAPPED); ask it anyway so the error is its own, and
    // leave the handle and its barriers as they are.
    int rc = backend().rsm_memseg_import_disconnect(handle_);
    if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_import_disconnect");
    // It did disconnect: the mapping and barriers went with the handle.
    for (HandleBase* child : ChildrenNewestFirst()) child->Orphan(false);
    MarkDisconnected();
    return env.Undefined();
  }
  // The barriers first: once the handle is gone they would point at freed
  // library memory.
  ReleaseChildren(false);
  int rc = backend().rsm_memseg_import_disconnect(handle_);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_import_disconnect");
  MarkDisconnected();
  return env.Undefined();
}

Napi::Value NativeImportSegment::Disconnected(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), phase_ != State::kLive);
}

Napi::Value NativeImportSegment::Access(const Napi::CallbackInfo& info) {
  RequireLive(info.Env());
  return Napi::Value(info.Env(), ImportAccess::Functions(info.Env(), access_));
}

void NativeImportSegment::ReleaseChildren(bool teardown) {
  for (HandleBase* child : ChildrenNewestFirst()) child->ForceRelease(teardown);
}

void NativeImportSegment::MarkDisconnected() {
  phase_ = State::kDisconnected;
  handle_ = nullptr;
  if (access_) access_->Disconnected();
  mapping_ = nullptr;
  registered_barrier_ = nullptr;
  orphaned_barriers_.clear();
  LeaveParent();
}

void NativeImportSegment::ForceRelease(bool teardown) {
  if (phase_ != State::kLive) return;
  signals_.BeforeRelease(state(), handle_, teardown, true);
  ReleaseChildren(teardown);
  backend().rsm_memseg_import_disconnect(handle_);
  MarkDisconnected();
}

void NativeImportSegment::AdoptCollectedBarrier(std::unique_ptr<rsmapi_barrier_t> barrier) {
  if (phase_ == State::kLive && barrier.get() == registered_barrier_) {
    orphaned_barriers_.push_back(std::move(barrier));
  }
  // Otherwise the library holds no pointer to it: freed on return.
}

void NativeImportSegment::OnChildRemoved(HandleBase* child) {
  if (child == static_cast<HandleBase*>(mapping_)) mapping_ = nullptr;
}

}  // namespace rsmaddon
