// NativeImportSegment: a connection to a published segment
// (rsm_memseg_import_connect). It owns its mapping and its barriers.
#pragma once

#include <memory>
#include <vector>

#include "../abi/rsmapi.h"
#include "handle.h"
#include "segment_signals.h"
#include "import_access.h"

namespace rsmaddon {

class NativeController;
class NativeMapping;

class NativeImportSegment : public Napi::ObjectWrap<NativeImportSegment>, public HandleBase {
 public:
  static const napi_type_tag kTypeTag;

  static Napi::Function DefineClass(Napi::Env env, AddonState* state);
  // Wraps a connection that just succeeded, as a child of `controller`. If
  // that fails the connection is closed before the exception propagates.
  static Napi::Object Wrap(NativeController* controller, Napi::Object controller_object,
                           rsm_memseg_import_handle_t handle);

  explicit NativeImportSegment(const Napi::CallbackInfo& info);
  ~NativeImportSegment() override;

  // JavaScript surface (lib/native.ts NativeImportSegment).
  Napi::Value Map(const Napi::CallbackInfo& info);
  Napi::Value Unmap(const Napi::CallbackInfo& info);
  Napi::Value InitBarrier(const Napi::CallbackInfo& info);
  Napi::Value GetMode(const Napi::CallbackInfo& info);
  Napi::Value SetMode(const Napi::CallbackInfo& info);
  Napi::Value Disconnect(const Napi::CallbackInfo& info);
  Napi::Value Disconnected(const Napi::CallbackInfo& info);
  // The connection's transfer functions (import_access.h).
  Napi::Value Access(const Napi::CallbackInfo& info);

  void ForceRelease(bool teardown) override;
  void* native_handle() const override { return handle_; }

  rsm_memseg_import_handle_t handle() const { return handle_; }
  bool live() const { return phase_ == State::kLive; }
  SegmentSignals& signals() { return signals_; }

  // Barrier registration, mirrored from the library: init_barrier registers
  // its struct (replacing any other), destroy_barrier unregisters whatever
  // is registered.
  void BarrierRegistered(rsmapi_barrier_t* barrier) { registered_barrier_ = barrier; }
  void BarrierUnregistered() override { registered_barrier_ = nullptr; }
  // A barrier object was collected without destroy(). If the library may
  // still write into its struct (it is the registered one), the import keeps
  // the struct until it disconnects; otherwise it is freed now.
  void AdoptCollectedBarrier(std::unique_ptr<rsmapi_barrier_t> barrier) override;

 protected:
  void OnChildRemoved(HandleBase* child) override;

 private:
  enum class State { kLive, kDisconnected };

  struct Init {
    rsm_memseg_import_handle_t handle;
  };

  void RequireLive(Napi::Env env) const;
  // Destroys the barriers and unmaps the mapping (newest first), whatever
  // the library answers.
  void ReleaseChildren(bool teardown);
  // The connection is gone: forget the handle and give up the controller.
  void MarkDisconnected();

  rsm_memseg_import_handle_t handle_ = nullptr;
  State phase_ = State::kDisconnected;
  SegmentSignals signals_{"import segment is disconnected", true};
  NativeMapping* mapping_ = nullptr;  // the explicit mapping, while live
  rsmapi_barrier_t* registered_barrier_ = nullptr;
  std::vector<std::unique_ptr<rsmapi_barrier_t>> orphaned_barriers_;
  // Shared with the functions Access() made; told at disconnect.
  std::shared_ptr<ImportAccess> access_;
};

}  // namespace rsmaddon
