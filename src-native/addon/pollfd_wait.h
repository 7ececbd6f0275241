// The module function waitPollfd: rsm_intr_signal_wait_pollfd over
// descriptors the application took (pollDescriptor()), timeout 0 only.
#pragma once

#include "napi_include.h"

namespace rsmaddon {

Napi::Value WaitPollfd(const Napi::CallbackInfo& info);

}  // namespace rsmaddon
