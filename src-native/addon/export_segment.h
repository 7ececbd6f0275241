// NativeExportSegment: an export segment over memory the handle allocated
// (rsm_memseg_export_create), shown to JavaScript as one external
// ArrayBuffer.
#pragma once

#include <cstddef>

#include "../abi/rsmapi.h"
#include "handle.h"
#include "segment_signals.h"
#include "owned_buffer.h"

namespace rsmaddon {

class NativeController;

class NativeExportSegment : public Napi::ObjectWrap<NativeExportSegment>, public HandleBase {
 public:
  static const napi_type_tag kTypeTag;

  static Napi::Function DefineClass(Napi::Env env, AddonState* state);
  // Allocates the memory, creates the segment, and returns the handle, a
  // child of `controller`.
  static Napi::Value Create(NativeController* controller, Napi::Object controller_object, size_t size,
                            uint32_t flags);

  explicit NativeExportSegment(const Napi::CallbackInfo& info);
  ~NativeExportSegment() override;

  // JavaScript surface (lib/native.ts NativeExportSegment).
  Napi::Value Buffer(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value Publish(const Napi::CallbackInfo& info);
  Napi::Value Unpublish(const Napi::CallbackInfo& info);
  Napi::Value Republish(const Napi::CallbackInfo& info);
  // rsm_memseg_export_rebind onto new memory (export_rebind.cc).
  Napi::Value Rebind(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);
  Napi::Value Destroyed(const Napi::CallbackInfo& info);
  // The id while published, else undefined.
  Napi::Value SegmentId(const Napi::CallbackInfo& info);

  void ForceRelease(bool teardown) override;

  rsm_memseg_export_handle_t handle() const { return handle_; }
  bool live() const { return phase_ == State::kLive; }
  SegmentSignals& signals() { return signals_; }

  // The publish running on the thread pool has returned (`published`: it
  // succeeded, with id `segment_id`). Completes a destroy that was deferred
  // meanwhile; returns true if it did (the publish then reports the segment
  // as released).
  bool PublishFinished(bool published, rsm_memseg_id_t segment_id);

 private:
  // kClosing: the controller was released while a publish was in flight;
  // the buffer is already detached and methods throw, the segment is
  // destroyed when the publish completes (PublishFinished).
  enum class State { kLive, kClosing, kDestroyed };

  struct Init {
    rsm_memseg_export_handle_t handle;
    void* memory;
    size_t mapped_length;
    size_t size;
  };

  void RequireLive(Napi::Env env) const;
  void RequireIdle(Napi::Env env) const;
  // rsm_memseg_export_destroy then frees the memory; returns the RSMAPI
  // result. On failure nothing is freed.
  int DestroyNative(bool teardown, bool force);
  // A published segment is in use by other nodes, which GC cannot see: it
  // holds its own object (and so its controller) alive until it is
  // unpublished, destroyed or its controller released
  // (docs/semantics.md §5.10: "the lifetime of the creating process or until
  // a destroy operation").
  void Pin(rsm_memseg_id_t segment_id);
  void Unpin(bool teardown);

  rsm_memseg_export_handle_t handle_ = nullptr;
  void* memory_ = nullptr;
  size_t mapped_length_ = 0;
  size_t size_ = 0;
  bool memory_reported_ = false;
  bool publishing_ = false;
  bool published_ = false;
  rsm_memseg_id_t segment_id_ = 0;
  napi_ref pin_ = nullptr;
  State phase_ = State::kDestroyed;
  SegmentSignals signals_{"export segment is destroyed", false};
  OwnedBuffer buffer_;
};

}  // namespace rsmaddon
