// connect() on the thread pool (rule for a release meanwhile: operations.h).
#include <memory>

#include "async_op.h"
#include "controller.h"
#include "errors.h"
#include "import_segment.h"
#include "operations.h"

namespace rsmaddon {
namespace {

class ConnectOp : public AsyncOp {
 public:
  ConnectOp(NativeController* controller, Napi::Object controller_object, rsm_node_id_t node,
            rsm_memseg_id_t segment_id, rsm_permission_t perm)
      : controller_(controller),
        controller_object_(Napi::Persistent(controller_object)),
        backend_(&controller->backend()),
        controller_handle_(controller->handle()),
        node_(node),
        segment_id_(segment_id),
        perm_(perm) {}

 protected:
  void Execute() override {
    result_ = backend_->rsm_memseg_import_connect(controller_handle_, node_, segment_id_, perm_, &import_);
  }

  Napi::Value Settle(Napi::Env env, bool ran) override {
    controller_->ConnectFinished();
    if (!ran) {
      controller_->FinishReleaseIfIdle();
      throw CodedError(env, "ERR_RSM_CANCELLED", "connect was cancelled before it ran");
    }
    if (result_ != RSM_SUCCESS) {
      controller_->FinishReleaseIfIdle();
      throw RsmError(env, result_, "rsm_memseg_import_connect");
    }
    if (!controller_->live()) {
      backend_->rsm_memseg_import_disconnect(import_);
      controller_->FinishReleaseIfIdle();
      throw ReleasedError(env, "the controller was released while connecting; the connection was closed");
    }
    return NativeImportSegment::Wrap(controller_, controller_object_.Value(), import_);
  }

  void Abandon() override {
    controller_->ConnectFinished();
    // A connection made before the interrupt landed has no owner: close it.
    if (result_ == RSM_SUCCESS && import_ != nullptr) backend_->rsm_memseg_import_disconnect(import_);
    controller_->FinishReleaseIfIdle();
  }

 private:
  NativeController* controller_;
  // Holds the controller alive (and so the C++ object above) until settled.
  Napi::ObjectReference controller_object_;
  const rsm::Backend* backend_;
  rsmapi_controller_handle_t controller_handle_;
  rsm_node_id_t node_;
  rsm_memseg_id_t segment_id_;
  rsm_permission_t perm_;
  int result_ = RSMERR_INTERRUPTED;
  rsm_memseg_import_handle_t import_ = nullptr;
};

}  // namespace

Napi::Value StartConnect(NativeController* controller, Napi::Object controller_object, rsm_node_id_t node,
                         rsm_memseg_id_t segment_id, rsm_permission_t perm) {
  Napi::Env env = controller_object.Env();
  Napi::Value promise = AsyncOp::Start(
      env, std::make_unique<ConnectOp>(controller, controller_object, node, segment_id, perm),
      "rsm_memseg_import_connect");
  controller->ConnectStarted();
  return promise;
}

}  // namespace rsmaddon
