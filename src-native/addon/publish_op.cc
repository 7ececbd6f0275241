// publish() on the thread pool (rule for a release meanwhile: operations.h).
#include <memory>
#include <utility>

#include "async_op.h"
#include "errors.h"
#include "export_segment.h"
#include "operations.h"

namespace rsmaddon {
namespace {

class PublishOp : public AsyncOp {
 public:
  PublishOp(NativeExportSegment* segment, Napi::Object segment_object, rsm_memseg_id_t segment_id,
            std::vector<rsmapi_access_entry_t> acl)
      : segment_(segment),
        segment_object_(Napi::Persistent(segment_object)),
        backend_(&segment->backend()),
        handle_(segment->handle()),
        segment_id_(segment_id),
        acl_(std::move(acl)) {}

 protected:
  void Execute() override {
    result_ = backend_->rsm_memseg_export_publish(handle_, &segment_id_, acl_.empty() ? nullptr : acl_.data(),
                                                  static_cast<uint_t>(acl_.size()));
  }

  Napi::Value Settle(Napi::Env env, bool ran) override {
    if (segment_->PublishFinished(ran && result_ == RSM_SUCCESS, segment_id_)) {
      throw ReleasedError(env, "the export segment was destroyed while publishing (its controller was released)");
    }
    if (!ran) throw CodedError(env, "ERR_RSM_CANCELLED", "publish was cancelled before it ran");
    if (result_ != RSM_SUCCESS) throw RsmError(env, result_, "rsm_memseg_export_publish");
    return Napi::Number::New(env, segment_id_);
  }

  // The segment is idle again (or destroyed, if released meanwhile).
  void Abandon() override { segment_->PublishFinished(result_ == RSM_SUCCESS, segment_id_); }

 private:
  NativeExportSegment* segment_;
  // Holds the segment alive (and so the C++ object above) until settled.
  Napi::ObjectReference segment_object_;
  const rsm::Backend* backend_;
  rsm_memseg_export_handle_t handle_;
  rsm_memseg_id_t segment_id_;
  // A private copy: the caller's array may change while the call runs.
  std::vector<rsmapi_access_entry_t> acl_;
  int result_ = RSMERR_INTERRUPTED;
};

}  // namespace

Napi::Value StartPublish(NativeExportSegment* segment, Napi::Object segment_object, rsm_memseg_id_t segment_id,
                         std::vector<rsmapi_access_entry_t> acl) {
  return AsyncOp::Start(segment_object.Env(),
                        std::make_unique<PublishOp>(segment, segment_object, segment_id, std::move(acl)),
                        "rsm_memseg_export_publish");
}

}  // namespace rsmaddon
