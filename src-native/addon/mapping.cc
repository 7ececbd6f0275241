#include "mapping.h"

#include <sys/mman.h>

#include <cstring>
#include <string>

#include "args.h"
#include "import_segment.h"

namespace rsmaddon {

const napi_type_tag NativeMapping::kTypeTag = {0x93b57e1d0a6c24f8ULL, 0xd26a41c8f3905be7ULL};

Napi::Function NativeMapping::DefineClass(Napi::Env env, AddonState* state) {
  using T = NativeMapping;
  return DefineHandleClass<T>(env, "NativeMapping",
                                    {
                                        GetterProperty<T, &T::Buffer>("buffer"),
                                        GetterProperty<T, &T::Offset>("offset"),
                                        GetterProperty<T, &T::Length>("length"),
                                        GetterProperty<T, &T::Writable>("writable"),
                                        MethodProperty<T, &T::Read>("read"),
                                        MethodProperty<T, &T::Unmap>("unmap"),
                                        GetterProperty<T, &T::Unmapped>("unmapped"),
                                    },
                                    state);
}

NativeMapping::NativeMapping(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeMapping>(info) {
  Init* init = Construct<NativeMapping, Init>(info);
  address_ = init->address;
  offset_ = init->offset;
  length_ = init->length;
  perm_ = init->perm;
  init->address = nullptr;  // owned by this object now
  phase_ = State::kMapped;
}

NativeMapping::~NativeMapping() {
  // Collected together with its buffer, so nothing holds the alias any more;
  // the import is still alive (this object held it).
  if (view_alias_ != nullptr) munmap(view_alias_, WholePages(length_));
  if (state() == nullptr || state()->tearing_down || phase_ != State::kMapped || parent() == nullptr) return;
  UnmapLibrary();
}

void NativeMapping::RetireView(bool teardown) {
  Napi::Env env(state()->env);
  if (view_alias_ != nullptr) {
    if (teardown || !buffer_.created()) munmap(view_alias_, WholePages(length_));
    else buffer_.Retire(env, view_alias_, length_);
    view_alias_ = nullptr;
  } else if (!teardown && buffer_.created() && address_ != nullptr) {
    buffer_.RetireUnmapped(env, address_, length_);
  }
}

Napi::Object NativeMapping::Wrap(NativeImportSegment* import, Napi::Object import_object, void* address,
                                 int64_t offset, size_t length, rsm_permission_t perm) {
  AddonState* state = import->state();
  Napi::Env env(state->env);
  Init init{address, offset, length, perm};
  auto [object, mapping] = Adopt<NativeMapping>(state, state->mapping_class, init, import, import_object, [&] {
    if (init.address != nullptr) import->backend().rsm_memseg_import_unmap(import->handle());
  });
  // Only a mapping with write permission is shown as an ArrayBuffer: the
  // pages of any other are mapped without PROT_WRITE, and a store from
  // JavaScript would kill the process with SIGSEGV. Those are read with
  // read(), which copies.
  if (perm & RSM_PERM_WRITE) {
    try {
      mapping->view_alias_ = AliasSharedPages(address, length);
      void* shown = mapping->view_alias_ != nullptr ? mapping->view_alias_ : address;
      mapping->buffer_.Create(state, object, shown, length);
    } catch (...) {
      mapping->ForceRelease(false);
      throw;
    }
  }
  return object;
}

void NativeMapping::RequireMapped(Napi::Env env) const {
  if (phase_ != State::kMapped) throw ReleasedError(env, "mapping is unmapped");
}

Napi::Value NativeMapping::Buffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // A writable mapping's buffer is always the same object; after unmap()
  // it is detached (byteLength 0).
  if (!(perm_ & RSM_PERM_WRITE)) {
    throw CodedError(env, "ERR_RSM_READONLY_MAPPING",
                     "this mapping has no write permission, so it is not shown as an ArrayBuffer (a write "
                     "into it would crash the process); copy out of it with read()");
  }
  return buffer_.Get(env);
}

Napi::Value NativeMapping::Offset(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(offset_));
}

Napi::Value NativeMapping::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(length_));
}

Napi::Value NativeMapping::Writable(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), (perm_ & RSM_PERM_WRITE) != 0);
}

Napi::Value NativeMapping::Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireMapped(env);
  uint64_t at = SizeArg(info, 0, "offset", 0, kMaxSafeInteger);
  ViewBytes target = ViewArg(info, 1, "target");
  if (at > length_ || target.length > length_ - at) {
    throw ArgRangeError(env, "read: out of bounds");  // the facade's Mapping.read() checks first
  }
  // A mapping made with no permission at all is PROT_NONE: even a read
  // would fault. (Write permission alone implies read on the hosts we run
  // on.)
  if (!(perm_ & (RSM_PERM_READ | RSM_PERM_WRITE))) {
    throw CodedError(env, "ERR_RSM_NO_ACCESS", "this mapping was made without read permission");
  }
  std::memmove(target.data, static_cast<const char*>(address_) + at, target.length);
  return env.Undefined();
}

Napi::Value NativeMapping::Unmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (phase_ != State::kMapped) return env.Undefined();  // a second unmap is a no-op
  int rc = UnmapNative(env);
  if (rc != RSM_SUCCESS) throw RsmError(env, rc, "rsm_memseg_import_unmap");
  return env.Undefined();
}

Napi::Value NativeMapping::Unmapped(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), phase_ != State::kMapped);
}

int NativeMapping::UnmapNative(Napi::Env env) {
  // Detach first: from here on old views read as empty, whatever unmap does.
  buffer_.Detach(env);
  int rc = UnmapLibrary();
  if (rc != RSM_SUCCESS) return rc;
  RetireView(false);
  phase_ = State::kUnmapped;
  address_ = nullptr;
  LeaveParent();
  return RSM_SUCCESS;
}

int NativeMapping::UnmapLibrary() {
  return backend().rsm_memseg_import_unmap(static_cast<rsm_memseg_import_handle_t>(parent()->native_handle()));
}

void NativeMapping::ForceRelease(bool teardown) {
  if (phase_ != State::kMapped) return;
  if (!teardown) buffer_.Detach(Napi::Env(state()->env));
  UnmapLibrary();
  RetireView(teardown);
  phase_ = State::kUnmapped;
  address_ = nullptr;
  LeaveParent();
}

void NativeMapping::Orphan(bool teardown) {
  if (phase_ != State::kMapped) return;
  if (!teardown) buffer_.Detach(Napi::Env(state()->env));
  RetireView(teardown);
  phase_ = State::kUnmapped;
  address_ = nullptr;
  LeaveParent();
}

}  // namespace rsmaddon
