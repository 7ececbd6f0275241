// Module functions for the simulator's extensions (abi/rsmsim_extensions.h).
// They go through the live backend's table, so they reach the built-in
// simulator and librsmsim.so alike; a real librsm has none of them.
#pragma once

#include <string>

#include "../backend/backend.h"
#include "napi_include.h"

namespace rsmaddon {

struct AddonState;

// The live backend, when it has the simulator's extensions; else throws
// ERR_RSM_NOT_SIMULATOR naming the backend and `what` needs them.
const rsm::Backend& SimBackend(Napi::Env env, const AddonState* state, const char* what);

// Text from an extension with the buffer protocol; an RsmError
// RSMERR_BAD_CONF (syscall `name`) with the simulator's reason on -1.
std::string SimText(Napi::Env env, long (*call)(char*, size_t), const char* name);

// simSnapshot(): the registry snapshot (rsmsim_ext_snapshot) as a JSON
// string; the facade parses and types it.
Napi::Value SimSnapshot(const Napi::CallbackInfo& info);

// simDescribe(): what the cluster directory holds (rsmsim_ext_describe_cluster),
// as a JSON string.
Napi::Value SimDescribe(const Napi::CallbackInfo& info);

// simClusterDir(): the cluster directory in use (rsmsim_ext_cluster_dir).
// RsmError RSMERR_BAD_CONF with the problem when the configuration is unusable.
Napi::Value SimClusterDir(const Napi::CallbackInfo& info);

// simReset(force: boolean): removes the cluster's files
// (rsmsim_ext_reset); its report as a JSON string.
Napi::Value SimReset(const Napi::CallbackInfo& info);

}  // namespace rsmaddon
