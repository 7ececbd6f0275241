// Module functions that exist only for the built-in simulator.
#pragma once

#include "napi_include.h"

namespace rsmaddon {

struct AddonState;

// simSegments(): the simulator's registry snapshot (rsmsim_ext_list_segments)
// as a JSON string; the facade parses and types it. Throws
// ERR_RSM_NOT_SIMULATOR unless the simulator is the live backend, and an
// RsmError RSMERR_BAD_CONF when the cluster registry cannot be opened.
Napi::Value SimSegments(const Napi::CallbackInfo& info);

}  // namespace rsmaddon
