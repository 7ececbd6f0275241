// The interrupt signals of one segment (export or import): a member of the
// segment that owns its pending wait and counts the poll descriptors the
// application took.
//
// Rules:
// * One pending wait per segment; a second concurrent wait throws
//   ERR_RSM_BUSY.
// * A wait holds one poll-descriptor reference only while it is pending, so
//   an idle segment can always be destroyed, disconnected or collected.
// * destroy/disconnect/release of the segment during a wait rejects it with
//   ERR_RSM_RELEASED; the uv handles are stopped before the descriptor is
//   released, and the descriptor before the library handle goes away.
// * cancelWait() rejects a pending wait with ERR_RSM_CANCELLED (the facade
//   turns that into an AbortError).
// * A wait on an import whose connection is torn down (the exporter
//   unpublished, destroyed or died) takes an event already counted, else
//   rejects with RSMERR_CONN_ABORTED; a new wait there rejects at once
//   (connection_loss_watch.h).
// * A pending wait keeps the process alive unless the segment is unref'd
//   (setRef(false)); setRef applies to a wait already pending too. A wait
//   still pending when the process exits rejects with ERR_RSM_EXITING
//   (docs/semantics.md §8).
#pragma once

#include "addon_state.h"
#include "handle.h"
#include "napi_include.h"

namespace rsmaddon {

class PendingWait;

class SegmentSignals {
 public:
  // `gone`: what a call on the released segment says; `import`: the
  // segment is an import (its waits also end when the connection is lost).
  SegmentSignals(const char* gone, bool import) : gone_(gone), import_(import) {}
  SegmentSignals(const SegmentSignals&) = delete;
  SegmentSignals& operator=(const SegmentSignals&) = delete;
  ~SegmentSignals();

  // The JavaScript methods; `handle` is the segment's library handle, or
  // nullptr once it is released.
  // signal(): rsm_intr_signal_post.
  Napi::Value Post(const Napi::CallbackInfo& info, AddonState* state, void* handle);
  // waitSignal(timeoutMs): -1 waits without a deadline.
  Napi::Value Wait(const Napi::CallbackInfo& info, AddonState* state, void* handle);
  // cancelWait(): false when no wait was pending.
  Napi::Value Cancel(const Napi::CallbackInfo& info, AddonState* state, void* handle);
  // pollDescriptor() / releasePollDescriptor(): the application's references.
  Napi::Value PollDescriptor(const Napi::CallbackInfo& info, AddonState* state, void* handle);
  Napi::Value ReleasePollDescriptor(const Napi::CallbackInfo& info, AddonState* state, void* handle);
  // setRef(ref): whether waits on this segment keep the process alive.
  Napi::Value SetRef(const Napi::CallbackInfo& info, AddonState* state, void* handle);

  // Called before the segment's library handle is destroyed or
  // disconnected. Ends a pending wait (ERR_RSM_RELEASED; no JavaScript at
  // `teardown`) and gives back the application's poll descriptors. Without
  // `force`, while the application holds descriptors, nothing is touched
  // and false is returned: the library will refuse with
  // RSMERR_POLLFD_IN_USE, as it must, so the caller should not tear down
  // anything else (barriers, mappings) on the way.
  bool BeforeRelease(AddonState* state, void* handle, bool teardown, bool force);

  // The pending wait has let go of this segment.
  void WaitEnded(PendingWait* wait);

 private:
  void* LiveHandle(Napi::Env env, void* handle) const;

  const char* const gone_;
  const bool import_;
  PendingWait* wait_ = nullptr;  // owns itself (signal_wait.h)
  int user_pollfds_ = 0;
  bool ref_ = true;
};

// A prototype member of segment class T calling SegmentSignals::*Method on
// the receiver's signals (T provides signals(), state(), live(), handle()).
template <typename T, Napi::Value (SegmentSignals::*Method)(const Napi::CallbackInfo&, AddonState*, void*)>
Napi::Value CallSignals(T* self, const Napi::CallbackInfo& info) {
  return (self->signals().*Method)(info, self->state(), self->live() ? self->handle() : nullptr);
}

template <typename T, Napi::Value (SegmentSignals::*Method)(const Napi::CallbackInfo&, AddonState*, void*)>
napi_property_descriptor SignalMethod(const char* name) {
  return MethodProperty<T, &CallSignals<T, Method>>(name);
}

// `members` of segment class T followed by the signal members both segment
// classes carry.
template <typename T>
std::vector<napi_property_descriptor> WithSignalMembers(std::vector<napi_property_descriptor> members) {
  members.insert(members.end(), {
                                    SignalMethod<T, &SegmentSignals::Post>("signal"),
                                    SignalMethod<T, &SegmentSignals::Wait>("waitSignal"),
                                    SignalMethod<T, &SegmentSignals::Cancel>("cancelWait"),
                                    SignalMethod<T, &SegmentSignals::PollDescriptor>("pollDescriptor"),
                                    SignalMethod<T, &SegmentSignals::ReleasePollDescriptor>("releasePollDescriptor"),
                                    SignalMethod<T, &SegmentSignals::SetRef>("setRef"),
                                });
  return members;
}

}  // namespace rsmaddon
