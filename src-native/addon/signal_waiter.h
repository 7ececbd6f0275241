// Interrupt signals on export and import segments, driven by the event loop.
//
// Posting (rsm_intr_signal_post) is a quick synchronous call. Waiting never
// parks a thread: the segment's poll descriptor (rsm_memseg_get_pollfd) is
// watched by a uv_poll_t on the environment's loop; when it turns readable
// the main thread consumes one event with rsm_intr_signal_wait(handle, 0).
// RSMERR_TIMEOUT there means another waiter (another thread or process
// sharing the handle's events) took it first: the watch simply goes on.
//
// Rules:
// * One pending wait per segment; a second concurrent wait throws
//   ERR_RSM_BUSY.
// * A wait holds one poll-descriptor reference only while it is pending, so
//   an idle segment can always be destroyed, disconnected or collected.
// * The uv_poll_t is unref'd: a pending wait does not keep the process alive
//   (like an idle server socket that was unref'd). A wait with a timeout
//   keeps it alive until the timeout, as a timer would, since it is bound
//   to settle.
// * destroy/disconnect/release of the segment during a wait rejects it with
//   ERR_RSM_RELEASED; the uv handle is stopped before the descriptor is
//   released, and the descriptor before the library handle goes away.
// * cancelWait() rejects a pending wait with ERR_RSM_CANCELLED (the facade
//   turns that into an AbortError).
// * A wait on an import whose connection is torn down (the exporter
//   unpublished, destroyed or died) takes an event already counted, else
//   rejects with RSMERR_CONN_ABORTED; a new wait there rejects at once. The
//   driver wakes no poller at a forced disconnect (rsm.c
//   rsm_closeconnection), so one timer per environment, running while such
//   waits are pending, asks the backend (rsmsim_ext_import_torn_down; a
//   real librsm has no such call, and its waits stay pending as there).
#pragma once

#include "addon_state.h"
#include "napi_include.h"

namespace rsmaddon {

class HandleBase;

// Adds signal(), waitSignal(timeoutMs), cancelWait(), pollDescriptor() and
// releasePollDescriptor() to both segment classes' prototypes.
void DefineSignalMethods(Napi::Env env, AddonState* state, Napi::Function export_class, Napi::Function import_class);

// rsm_intr_signal_wait_pollfd with timeout 0 (module function waitPollfd).
Napi::Value WaitPollfd(const Napi::CallbackInfo& info);

// Called before a segment's library handle is destroyed or disconnected.
// Cancels a pending wait (ERR_RSM_RELEASED; no JavaScript at `teardown`) and
// gives back the poll descriptors of the segment. Without `force`, when the
// application still holds descriptors from pollDescriptor(), nothing is
// touched and false is returned: the library will refuse with
// RSMERR_POLLFD_IN_USE, as it must, so the caller should not tear down
// anything else (barriers, mappings) on the way.
bool SignalsBeforeRelease(HandleBase* segment, void* rsm_handle, bool teardown, bool force);

}  // namespace rsmaddon
