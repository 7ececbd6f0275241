// NativeMapping: an explicit mapping of an import segment's window
// (rsm_memseg_import_map).
#pragma once

#include <cstddef>

#include "../abi/rsmapi.h"
#include "handle.h"
#include "owned_buffer.h"

namespace rsmaddon {

class NativeImportSegment;

class NativeMapping : public Napi::ObjectWrap<NativeMapping>, public HandleBase {
 public:
  static const napi_type_tag kTypeTag;

  static Napi::Function DefineClass(Napi::Env env, AddonState* state);
  // Wraps a mapping that just succeeded, as a child of `import`.
  static Napi::Object Wrap(NativeImportSegment* import, Napi::Object import_object, void* address, int64_t offset,
                           size_t length, rsm_permission_t perm);

  explicit NativeMapping(const Napi::CallbackInfo& info);
  ~NativeMapping() override;

  // JavaScript surface (lib/native.ts NativeMapping).
  Napi::Value Buffer(const Napi::CallbackInfo& info);
  Napi::Value Offset(const Napi::CallbackInfo& info);
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value Writable(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Unmap(const Napi::CallbackInfo& info);
  Napi::Value Unmapped(const Napi::CallbackInfo& info);

  void ForceRelease(bool teardown) override;
  void Orphan(bool teardown) override;

  // Detaches the buffer, then rsm_memseg_import_unmap. Returns the RSMAPI
  // result; on failure the mapping stays (its buffer stays detached).
  int UnmapNative(Napi::Env env);

 private:
  enum class State { kMapped, kUnmapped };

  struct Init {
    void* address;
    int64_t offset;
    size_t length;
    rsm_permission_t perm;
  };

  void RequireMapped(Napi::Env env) const;
  // rsm_memseg_import_unmap on the segment this maps.
  int UnmapLibrary();

  // Gives the buffer's memory back after an unmap (OwnedBuffer::Retire).
  void RetireView(bool teardown);

  void* address_ = nullptr;
  // The memory the buffer shows: a second mapping of the same pages, owned
  // by this object, so it can be retired whatever the library does with its
  // own mapping (AliasSharedPages); nullptr where none could be made, and
  // the buffer shows the library's mapping itself.
  void* view_alias_ = nullptr;
  int64_t offset_ = 0;
  size_t length_ = 0;
  rsm_permission_t perm_ = 0;
  State phase_ = State::kUnmapped;
  OwnedBuffer buffer_;
};

}  // namespace rsmaddon
