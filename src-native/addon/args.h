// Argument checks of the native primitives: enough that no value can crash
// the process or reach RSMAPI with a meaning it did not have in JavaScript.
// The facade checks again with its own messages; these are the last line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../abi/rsmapi.h"
#include "napi_include.h"

namespace rsmaddon {

// Largest integer a double holds exactly (Number.MAX_SAFE_INTEGER).
constexpr double kMaxSafeInteger = 9007199254740991.0;

// An unsigned 32-bit integer: TypeError if not a number, RangeError if not
// an integer in [0, 2^32 - 1].
uint32_t Uint32Arg(const Napi::CallbackInfo& info, size_t index, const char* name);
uint32_t Uint32Value(napi_env env, napi_value value, const char* name);

// A signed 32-bit integer (enum values passed through to RSMAPI).
int32_t Int32Arg(const Napi::CallbackInfo& info, size_t index, const char* name);

// A safe integer, negative allowed: offsets go to RSMAPI as they are, so the
// library reports a negative one (RSMERR_BAD_OFFSET) itself.
int64_t SafeIntegerArg(const Napi::CallbackInfo& info, size_t index, const char* name);
// The same for a value read without node-addon-api (the per-connection
// functions of import_access.cc).
int64_t SafeIntegerValue(napi_env env, napi_value value, const char* name);

// A non-negative safe integer no larger than `max`.
uint64_t SizeArg(const Napi::CallbackInfo& info, size_t index, const char* name, double min, double max);

// The bytes of a TypedArray or DataView, zero-copy. TypeError for anything
// else and for a view over a detached buffer.
struct ViewBytes {
  void* data;
  size_t length;
};
ViewBytes ViewArg(const Napi::CallbackInfo& info, size_t index, const char* name);
ViewBytes ViewValue(napi_env env, napi_value value, const char* name);

// An access list: a Uint32Array of (node, permission) pairs, or null (no
// list). Copied, so the caller may change the array while a call runs on
// another thread.
std::vector<rsmapi_access_entry_t> AclArg(const Napi::CallbackInfo& info, size_t index, const char* name);

// A short description of a value for messages ("a string", "-1", ...).
std::string Describe(Napi::Value value);

}  // namespace rsmaddon
