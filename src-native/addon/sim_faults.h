// Module functions for the simulator's fault injection (rsmsim_ext_fault,
// abi/rsmsim_extensions.h). They go through the live backend's table, so they reach the built-in simulator
// and librsmsim.so alike; a real librsm has no faults to inject.
#pragma once

#include "napi_include.h"

namespace rsmaddon {

// simFault(name: string, node: number, value: number): undefined. Throws
// ERR_RSM_NOT_SIMULATOR when the live backend has no fault injection,
// TypeError/RangeError for bad arguments or an unknown fault, RsmError
// RSMERR_BAD_CONF when the cluster cannot be opened.
Napi::Value SimFault(const Napi::CallbackInfo& info);

// simFaults(): the faults currently set, as a JSON string.
Napi::Value SimFaults(const Napi::CallbackInfo& info);

}  // namespace rsmaddon
