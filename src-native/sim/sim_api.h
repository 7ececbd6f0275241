// Names of the simulator's entry points. Built into the addon
// (RSMSIM_EMBEDDED) they are rsmsim_rsm_* and hidden, so they can never clash
// with a librsm the native backend opens; built as librsmsim.so they are the
// real rsm_* names, exported with the librsm signatures.
#pragma once

#include "../abi/rsmapi.h"

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

// Simulator-only extensions, exported from both builds under these names
// (prefixed rsmsim_ext_ so no real librsm has them).
extern "C" {
// NULL when RSM_SIM_DIR / RSM_SIM_NODE / RSM_SIM_TOPOLOGY are usable, else a
// message naming the problem. While not NULL, rsm_get_controller returns
// RSMERR_BAD_CONF.
RSMSIM_VISIBLE const char* rsmsim_ext_config_error(void);
// The node id this process is, and the cluster directory it uses.
RSMSIM_VISIBLE int rsmsim_ext_local_node(void);
RSMSIM_VISIBLE const char* rsmsim_ext_cluster_dir(void);
// A snapshot of the cluster registry as JSON (inspect.cc): processes, and
// segments with their owners, access lists, state and importers. Writes at
// most len bytes including the NUL and returns the full length (without the
// NUL): call again with a larger buffer when it is >= len. Returns -1 with
// the reason in buf when the cluster registry cannot be opened. Reads only.
RSMSIM_VISIBLE long rsmsim_ext_list_segments(char* buf, size_t len);
// Fault injection (faults.h lists the faults and actions): sets fault `name`
// of `node` to `value`, or runs the action. Returns RSM_SUCCESS;
// RSMERR_BAD_ARGS_ERRORS for an unknown name or a node or value out of
// range, RSMERR_BAD_CONF when the cluster cannot be opened, with the reason
// in `why` (at most why_len bytes with the NUL) when it is not NULL.
RSMSIM_VISIBLE int rsmsim_ext_fault(const char* name, int node, long long value, char* why, size_t why_len);
// The faults currently set, as JSON ({"nodes":[...]}); buffer protocol as
// for rsmsim_ext_list_segments (-1 with the reason when the cluster cannot
// be opened).
RSMSIM_VISIBLE long rsmsim_ext_list_faults(char* buf, size_t len);
// Whether the connection of import handle `memseg` has been torn down by a
// forced disconnect: 1 yes, 0 no, -1 not a live import handle. The driver
// leaves signal waits on such a handle pending; the addon settles them.
RSMSIM_VISIBLE int rsmsim_ext_import_torn_down(void* memseg);
}
