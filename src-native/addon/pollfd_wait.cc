#include "pollfd_wait.h"

#include <poll.h>

#include <vector>

#include "addon_state.h"
#include "args.h"
#include "errors.h"

namespace rsmaddon {

Napi::Value WaitPollfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState* state = static_cast<AddonState*>(info.Data());
  if (state->backend == nullptr) throw CodedError(env, "ERR_RSM_BACKEND_UNAVAILABLE", state->backend_error);
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw ArgTypeError(env, "The \"fds\" argument must be an Int32Array of (fd, events, revents) triples, got " +
                                Describe(info[0]));
  }
  Napi::Int32Array arr = info[0].As<Napi::Int32Array>();
  if (arr.ElementLength() % 3 != 0) {
    throw ArgRangeError(env, "The \"fds\" argument must hold whole (fd, events, revents) triples");
  }
  size_t n = arr.ElementLength() / 3;
  std::vector<pollfd> fds(n);
  for (size_t i = 0; i < n; ++i) {
    fds[i].fd = arr[i * 3];
    fds[i].events = static_cast<short>(arr[i * 3 + 1]);
    fds[i].revents = 0;
  }
  int count = 0;
  // Timeout 0 only: a blocking poll would stall the event loop. Blocking
  // waits are waitSignal()'s job.
  int rc = state->backend->rsm_intr_signal_wait_pollfd(fds.data(), static_cast<nfds_t>(n), 0, &count);
  if (rc != RSM_SUCCESS && rc != RSMERR_TIMEOUT) throw RsmError(env, rc, "rsm_intr_signal_wait_pollfd");
  for (size_t i = 0; i < n; ++i) arr[i * 3 + 2] = fds[i].revents;
  return Napi::Number::New(env, rc == RSMERR_TIMEOUT ? 0 : count);
}

}  // namespace rsmaddon
