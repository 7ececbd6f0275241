/*
 * The simulator's extension entry points, in one list: what a test or a tool
 * needs of a simulated cluster that the RSMAPI has no call for. librsmsim.so
 * exports each as rsmsim_ext_<name>; the simulator built into the addon has
 * them under the same names, hidden. A real librsm has none of them, so the
 * native loader resolves them optionally (backend.h).
 *
 * X(return type, name, parenthesised parameter list)
 *
 * Calls that answer with text use one buffer protocol: they write at most
 * len bytes including the NUL and return the full length without the NUL
 * (call again with a larger buffer when it is >= len), or -1 with the reason
 * in buf.
 *
 *   config_error     NULL when RSM_SIM_DIR, RSM_SIM_NODE, RSM_SIM_TOPOLOGY
 *                    and RSM_SIM_FAULTS are usable, else the problem; while
 *                    not NULL, rsm_get_controller returns RSMERR_BAD_CONF.
 *   local_node       the node id this process is; -1 on a configuration error.
 *   cluster_dir      the cluster directory in use (RSM_SIM_DIR or the
 *                    default), resolved; "" on a configuration error.
 *   snapshot         the registry as JSON: processes and segments, with
 *                    owners, access lists, state, importers and the
 *                    interrupt events pending on each. Reads only; claims
 *                    no process slot. Buffer protocol.
 *   describe_cluster what the cluster directory holds, as JSON: the registry
 *                    file, whether it is one, and the simulator's files
 *                    (doorbells); never creates the registry. Buffer protocol.
 *   reset            removes the registry, the doorbells and every other
 *                    file the simulator makes in the cluster directory;
 *                    refuses while other live processes use it unless force
 *                    is not 0. A directory without a registry is reset but
 *                    for stale doorbells, which it removes; one with a file
 *                    of the registry's name that is none is left alone (-1).
 *                    Reports what it did as JSON (buffer protocol; a short
 *                    buffer cuts the list of names, never the work).
 *   fault            sets fault `name` of `node` to `value`, or runs the
 *                    action (the simulator's fault table lists them):
 *                    RSM_SUCCESS; RSMERR_BAD_ARGS_ERRORS for an unknown name,
 *                    a node or value out of range; RSMERR_BAD_CONF when the
 *                    cluster cannot be opened; the reason in why.
 *   list_faults      the faults currently set, as JSON. Buffer protocol.
 *   import_torn_down whether the connection of import handle memseg was torn
 *                    down by a forced disconnect: 1 yes, 0 no, -1 not a live
 *                    import handle. The driver leaves signal waits on such a
 *                    handle pending; the addon settles them.
 */
#ifndef RSMAPI_ABI_RSMSIM_EXTENSIONS_H
#define RSMAPI_ABI_RSMSIM_EXTENSIONS_H

#include <stddef.h>

#define RSMSIM_FOR_EACH_EXTENSION(X) \
	X(const char *, config_error, (void)) \
	X(int, local_node, (void)) \
	X(const char *, cluster_dir, (void)) \
	X(long, snapshot, (char *buf, size_t len)) \
	X(long, describe_cluster, (char *buf, size_t len)) \
	X(long, reset, (int force, char *buf, size_t len)) \
	X(int, fault, (const char *name, int node, long long value, char *why, size_t why_len)) \
	X(long, list_faults, (char *buf, size_t len)) \
	X(int, import_torn_down, (void *memseg))

#endif /* RSMAPI_ABI_RSMSIM_EXTENSIONS_H */
