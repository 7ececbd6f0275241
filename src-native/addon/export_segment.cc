#include "export_segment.h"

#include <sys/mman.h>

#include <utility>

#include "args.h"
#include "controller.h"
#include "operations.h"

namespace rsmaddon {

const napi_type_tag NativeExportSegment::kTypeTag = {0x2d8e6b04f1a7c395ULL, 0x51f0c8a3e67b2d49ULL};

Napi::Function NativeExportSegment::DefineClass(Napi::Env env, AddonState* state) {
  using T = NativeExportSegment;
  return DefineHandleClass<T>(env, "NativeExportSegment",
                                    WithSignalMembers<T>({
                                        GetterProperty<T, &T::Buffer>("buffer"),
                                        GetterProperty<T, &T::Size>("size"),
                                        MethodProperty<T, &T::Publish>("publish"),
                                        MethodProperty<T, &T::Unpublish>("unpublish"),
                                        MethodProperty<T, &T::Republish>("republish"),
                                        MethodProperty<T, &T::Rebind>("rebind"),
                                        MethodProperty<T, &T::Destroy>("destroy"),
                                        GetterProperty<T, &T::Destroyed>("destroyed"),
                                        GetterProperty<T, &T::SegmentId>("segmentId"),
                                    }),
                                    state);
}

NativeExportSegment::NativeExportSegment(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<NativeExportSegment>(info) {
  Init* init = Construct<NativeExportSegment, Init>(info);
  handle_ = init->handle;
  memory_ = init->memory;
  mapped_length_ = init->mapped_length;
  size_ = init->size;
  init->handle = nullptr;  // owned by this object now
  init->memory = nullptr;
  phase_ = State::kLive;
}

NativeExportSegment::~NativeExportSegment() {
  if (state() == nullptr || state()->tearing_down || phase_ != State::kLive) return;
  // Collected together with its buffer (each holds the other), so no view
  // can see the memory go. No wait is pending (a wait holds the object).
  signals_.BeforeRelease(state(), handle_, true, true);
  if (backend().rsm_memseg_export_destroy(handle_) != RSM_SUCCESS) return;  // keep the memory; it is still bound
  munmap(memory_, mapped_length_);
  if (memory_reported_) ReportExternalMemory(state()->env, -static_cast<int64_t>(mapped_length_));
}

Napi::Value NativeExportSegment::Create(NativeController* controller, Napi::Object controller_object, size_t size,
                                        uint32_t flags) {
  AddonState* state = controller->state();
  Napi::Env env(state->env);
  const rsm::Backend& backend = controller->backend();

  // Whole pages, as librsm requires of the address; the segment itself gets
  // the caller's size, so the library judges its alignment
  // (RSMERR_BAD_MEM_ALIGNMENT), not us.
  size_t mapped_length = WholePages(size);
  void* memory = AllocatePages(env, mapped_length, "for the export segment");

  rsm_memseg_export_handle_t handle = nullptr;
  int rc = backend.rsm_memseg_export_create(controller->handle(), &handle, memory, size, flags);
  if (rc != RSM_SUCCESS) {
    munmap(memory, mapped_length);
    throw RsmError(env, rc, "rsm_memseg_export_create");
  }

  Init init{handle, memory, mapped_length, size};
  auto [object, segment] =
      Adopt<NativeExportSegment>(state, state->export_class, init, controller, controller_object, [&] {
        if (init.handle != nullptr && backend.rsm_memseg_export_destroy(init.handle) == RSM_SUCCESS) {
          munmap(memory, mapped_length);
        }
      });
  try {
    segment->buffer_.Create(state, object, memory, size);
  } catch (...) {
    segment->DestroyNative(false, true);
    throw;
  }
  ReportExternalMemory(state->env, static_cast<int64_t>(mapped_length));
  segment->memory_reported_ = true;
  return object;
}

void NativeExportSegment::RequireLive(Napi::Env env) const {
  if (phase_ != State::kLive) throw ReleasedError(env, "export segment is destroyed");
}

void NativeExportSegment::RequireIdle(Napi::Env env) const {
  if (publishing_) {
    throw CodedError(env, "ERR_RSM_BUSY", "export segment is being published; wait for publish() to settle");
  }
}

Napi::Value NativeExportSegment::Buffer(const Napi::CallbackInfo& info) {
  // Always the same object; after destroy() it is detached (byteLength 0).
  return buffer_.Get(info.Env());
}

Napi::Value NativeExportSegment::Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(size_));
}

Napi::Value NativeExportSegment::Publish(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  RequireIdle(env);
  uint32_t segment_id = Uint32Arg(info, 0, "segmentId");
  std::vector<rsmapi_access_entry_t> acl = AclArg(info, 1, "acl");
  Napi::Value promise = StartPublish(this, info.This().As<Napi::Object>(), segment_id, std::move(acl));
  publishing_ = true;
  return promise;
}

Napi::Value NativeExportSegment::Unpublish(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  RequireIdle(env);
  int rc = backend().rsm_memseg_export_unpublish(handle_);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_export_unpublish");
  Unpin(false);
  return env.Undefined();
}

Napi::Value NativeExportSegment::Republish(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLive(env);
  RequireIdle(env);
  std::vector<rsmapi_access_entry_t> acl = AclArg(info, 0, "acl");
  int rc = backend().rsm_memseg_export_republish(handle_, acl.empty() ? nullptr : acl.data(),
                                                 static_cast<uint_t>(acl.size()));
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_export_republish");
  return env.Undefined();
}

Napi::Value NativeExportSegment::Destroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (phase_ != State::kLive) return env.Undefined();  // a second destroy is a no-op
  RequireIdle(env);
  int rc = DestroyNative(false, false);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_export_destroy");
  return env.Undefined();
}

Napi::Value NativeExportSegment::Destroyed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), phase_ != State::kLive);
}

Napi::Value NativeExportSegment::SegmentId(const Napi::CallbackInfo& info) {
  if (phase_ != State::kLive || !published_) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), segment_id_);
}

void NativeExportSegment::Pin(rsm_memseg_id_t segment_id) {
  published_ = true;
  segment_id_ = segment_id;
  if (pin_ == nullptr && napi_create_reference(state()->env, Value(), 1, &pin_) != napi_ok) pin_ = nullptr;
}

void NativeExportSegment::Unpin(bool teardown) {
  published_ = false;
  segment_id_ = 0;
  // At teardown the environment drops its references itself.
  if (pin_ != nullptr && !teardown) napi_delete_reference(state()->env, pin_);
  pin_ = nullptr;
}

int NativeExportSegment::DestroyNative(bool teardown, bool force) {
  // A pending signal wait ends (ERR_RSM_RELEASED) and gives its poll
  // descriptor back first; descriptors the application holds keep the
  // library's RSMERR_POLLFD_IN_USE unless the release is forced.
  signals_.BeforeRelease(state(), handle_, teardown, force);
  // The library first: if it refuses (RSMERR_POLLFD_IN_USE) the segment and
  // its buffer stay as they were. Its pages stay valid memory of this
  // process after a destroy, so detaching right after is still in time: no
  // JavaScript runs in between.
  int rc = backend().rsm_memseg_export_destroy(handle_);
  if (rc != RSM_SUCCESS && !force) return rc;
  if (!teardown) buffer_.Detach(Napi::Env(state()->env));
  // A forced release the library refused leaves the pages bound; they are
  // left mapped rather than pulled from under the driver.
  if (rc == RSM_SUCCESS) {
    if (teardown) munmap(memory_, mapped_length_);
    else buffer_.Retire(Napi::Env(state()->env), memory_, mapped_length_);
    if (memory_reported_ && !teardown) ReportExternalMemory(state()->env, -static_cast<int64_t>(mapped_length_));
  }
  memory_reported_ = false;
  memory_ = nullptr;
  handle_ = nullptr;
  phase_ = State::kDestroyed;
  Unpin(teardown);
  LeaveParent();
  return rc;
}

void NativeExportSegment::ForceRelease(bool teardown) {
  if (phase_ != State::kLive) return;
  if (publishing_) {
    // Deferred (operations.h): invisible to JavaScript from now on, destroyed
    // when the publish returns.
    phase_ = State::kClosing;
    if (!teardown) buffer_.Detach(Napi::Env(state()->env));
    return;
  }
  DestroyNative(teardown, true);
}

bool NativeExportSegment::PublishFinished(bool published, rsm_memseg_id_t segment_id) {
  publishing_ = false;
  if (phase_ != State::kClosing) {
    if (published) Pin(segment_id);
    return false;
  }
  HandleBase* controller = parent();
  DestroyNative(false, true);
  if (controller != nullptr) controller->OnDeferredChildReleased();
  return true;
}

}  // namespace rsmaddon
