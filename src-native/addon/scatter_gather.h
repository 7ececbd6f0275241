// putv/getv of one connection (rsm_memseg_import_putv / getv), as functions
// bound to it like the rest of its transfers (import_access.h).
#pragma once

#include "napi_include.h"

namespace rsmaddon {

// putv / getv (count, table, locals, flags), bound to the connection
// (ImportAccess::Of): `count` rows of the Float64Array `table`, each (index
// into `locals`, local offset, remote offset, length); `locals` a
// NativeLocalMemory handle or view, or an array of them (only the elements
// the rows name are read). Returns io_residual_count.
napi_value PutV(napi_env env, napi_callback_info cbinfo);
napi_value GetV(napi_env env, napi_callback_info cbinfo);

}  // namespace rsmaddon
