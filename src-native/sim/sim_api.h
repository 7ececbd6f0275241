// Names of the simulator's entry points. Built into the addon
// (RSMSIM_EMBEDDED) they are rsmsim_rsm_* and hidden, so they can never clash
// with a librsm the native backend opens; built as librsmsim.so they are the
// real rsm_* names, exported with the librsm signatures.
#pragma once

#include "../abi/rsmapi.h"
#include "../abi/rsmsim_extensions.h"

#ifdef RSMSIM_EMBEDDED
#define RSMSIM_ENTRY(name) rsmsim_##name
#define RSMSIM_VISIBLE
#else
#define RSMSIM_ENTRY(name) name
#define RSMSIM_VISIBLE __attribute__((visibility("default")))
#endif

#ifdef RSMSIM_EMBEDDED
extern "C" {
#define RSMSIM_DECLARE_EMBEDDED(ret, name, params) ret rsmsim_##name params;
RSMAPI_FOR_EACH_FUNCTION(RSMSIM_DECLARE_EMBEDDED)
#undef RSMSIM_DECLARE_EMBEDDED
}
#endif

// The simulator-only extensions (abi/rsmsim_extensions.h, extensions.cc),
// rsmsim_ext_<name> in both builds: no real librsm has them.
extern "C" {
#define RSMSIM_DECLARE_EXTENSION(ret, name, params) RSMSIM_VISIBLE ret rsmsim_ext_##name params;
RSMSIM_FOR_EACH_EXTENSION(RSMSIM_DECLARE_EXTENSION)
#undef RSMSIM_DECLARE_EXTENSION
}
