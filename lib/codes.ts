// The RSMAPI return codes (rsm_common.h) by number, with a sentence for each
// that says what went wrong in terms a caller can act on.

export const RSM_SUCCESS = 0;

/** [name, explanation] by code number. */
const CODES: ReadonlyMap<number, readonly [string, string]> = new Map([
  [1, ['RSMERR_BAD_LIBRARY_VERSION', 'the controller plug-in has an unsupported version']],
  [2, ['RSMERR_BAD_TOPOLOGY_PTR', 'no place was given for the topology']],
  [3, ['RSMERR_BAD_CTLR_HNDL', 'the controller handle is not valid (released, or never obtained)']],
  [4, ['RSMERR_CTLR_NOT_PRESENT', 'no such controller on this node, or it cannot reach the requested node']],
  [5, ['RSMERR_BAD_SEG_HNDL', 'the segment handle is not valid here (wrong kind, wrong state, or released)']],
  [6, ['RSMERR_SEG_ALREADY_PUBLISHED', 'the segment is already published (unpublish it first)']],
  [7, ['RSMERR_SEG_NOT_PUBLISHED', 'no segment with that id is published on that node']],
  [8, ['RSMERR_SEG_NOT_PUBLISHED_TO_NODE', "this node is not in the segment's access list"]],
  [9, ['RSMERR_SEG_ALREADY_MAPPED', 'the import segment is already mapped (explicitly, or implicitly by a put/get)']],
  [10, ['RSMERR_SEG_STILL_MAPPED', 'the import segment is still mapped: unmap it before disconnecting']],
  [11, ['RSMERR_SEG_NOT_MAPPED', 'the import segment is not mapped']],
  [12, ['RSMERR_NOT_CREATOR', 'only the process that created the export segment may do this']],
  [13, ['RSMERR_BAD_BARRIER_PTR', 'no barrier was given']],
  [14, ['RSMERR_BAD_SGIO', 'the scatter/gather request is not valid']],
  [15, ['RSMERR_BAD_LOCALMEM_HNDL', 'the local memory handle is not valid']],
  [16, ['RSMERR_BAD_ADDR', 'the address is not valid']],
  [17, ['RSMERR_BAD_MEM_ALIGNMENT', 'an address, offset or length is not aligned as required']],
  [18, ['RSMERR_BAD_OFFSET', 'the offset and length fall outside the mapped part of the segment']],
  [19, ['RSMERR_MISALIGNED_OFFSET', 'the offset is misaligned']],
  [20, ['RSMERR_BAD_LENGTH', 'the length is zero, too large, or runs past the end of the segment']],
  [21, ['RSMERR_BAD_ACL', 'the access list is not valid (too long, node id over 64, permission over 0666)']],
  [22, ['RSMERR_BAD_SEGID', 'no segment id was given']],
  [23, ['RSMERR_RESERVED_SEGID', 'the segment id lies in a reserved range (valid: 0x400000 to 0x7fffffff, or 0 for an automatic id)']],
  [24, ['RSMERR_SEGID_IN_USE', 'another segment on this node is already published with that id']],
  [25, ['RSMERR_BAD_MODE', 'the barrier mode is not valid']],
  [26, ['RSMERR_BAD_PERMS', 'the permission does not allow this (a read-only or write-only connection must be mapped with a matching permission first)']],
  [27, ['RSMERR_PERM_DENIED', 'permission denied']],
  [28, ['RSMERR_LOCKS_NOT_SUPPORTED', 'locks are not supported']],
  [29, ['RSMERR_LOCKS_NOT_ENABLED', 'locks are not enabled']],
  [30, ['RSMERR_REBIND_NOT_ALLOWED', 'the segment was created without allowing rebind']],
  [31, ['RSMERR_INSUFFICIENT_RESOURCES', 'out of resources (segment ids, descriptors or mappings)']],
  [32, ['RSMERR_INSUFFICIENT_MEM', 'out of memory, or the exported-memory limit was reached']],
  [33, ['RSMERR_MAP_FAILED', 'mapping the segment failed']],
  [34, ['RSMERR_POLLFD_IN_USE', 'poll descriptors of this segment are still in use']],
  [35, ['RSMERR_BARRIER_UNINITIALIZED', 'no barrier is initialised for this segment (needed in implicit barrier mode)']],
  [36, ['RSMERR_BARRIER_OPEN_FAILED', 'opening the barrier failed']],
  [37, ['RSMERR_BARRIER_NOT_OPENED', 'the barrier is not open']],
  [38, ['RSMERR_BARRIER_FAILURE', 'a transfer inside the barrier failed']],
  [39, ['RSMERR_REMOTE_NODE_UNREACHABLE', 'the remote node cannot be reached']],
  [40, ['RSMERR_CONN_ABORTED', 'the connection was torn down (the exporter unpublished or destroyed the segment, or went away): disconnect and connect again']],
  [41, ['RSMERR_INTERRUPTED', 'the call was interrupted']],
  [42, ['RSMERR_TIMEOUT', 'the wait timed out']],
  [43, ['RSMERR_BAD_APPID', 'the application id is not in the segment-id file']],
  [44, ['RSMERR_BAD_CONF', 'the configuration is missing or malformed']],
  [45, ['RSMERR_SEG_NOT_CONNECTED', 'the segment is not connected']],
  [100, ['RSMERR_INTERNAL_ERROR', 'internal error in the RSM layer']],
  [101, ['RSMERR_BAD_DRIVER_VERSION', 'the remote RSM driver has another version']],
  [102, ['RSMERR_UNSUPPORTED_VERSION', 'unsupported version']],
  [103, ['RSMERR_DRIVER_NAME_IN_USE', 'driver name in use']],
  [104, ['RSMERR_DRIVER_NOT_REGISTERED', 'driver not registered']],
  [105, ['RSMERR_DRIVER_THREAD_RUNNING', 'driver thread running']],
  [106, ['RSMERR_NEED_THREAD_INIT', 'thread initialisation needed']],
  [107, ['RSMERR_THREAD_NOT_INITED', 'thread not initialised']],
  [108, ['RSMERR_CTLRS_REGISTERED', 'controllers registered']],
  [109, ['RSMERR_CTLR_NOT_REGISTERED', 'controller not registered']],
  [110, ['RSMERR_CTLR_ALREADY_REGISTERED', 'controller already registered']],
  [111, ['RSMERR_CTLR_IN_USE', 'controller in use']],
  [112, ['RSMERR_NAME_TOO_LONG', 'name too long']],
  [113, ['RSMERR_SEG_PUBLISHED', 'segment published']],
  [114, ['RSMERR_SEG_NOT_PUBLISHED_TO_RSM_ADDR', 'segment not published to this address']],
  [115, ['RSMERR_SEG_IN_USE', 'segment in use']],
  [116, ['RSMERR_BAD_SENDQ_HNDL', 'bad send-queue handle']],
  [117, ['RSMERR_BAD_ARGS_ERRORS', 'bad arguments']],
  [118, ['RSMERR_BAD_MSTYPE', 'bad memory-segment type']],
  [119, ['RSMERR_NO_BACKING_MEM', 'no backing memory']],
  [120, ['RSMERR_NOT_MEM', 'not memory']],
  [121, ['RSMERR_MEM_ALREADY_BOUND', 'memory already bound']],
  [122, ['RSMERR_MEM_NOT_BOUND', 'memory not bound']],
  [123, ['RSMERR_HANDLER_NOT_REGISTERED', 'handler not registered']],
  [124, ['RSMERR_NO_HANDLER', 'no handler']],
  [125, ['RSMERR_UNBIND_REBIND_NOT_ALLOWED', 'unbind/rebind not allowed']],
  [126, ['RSMERR_CALLBACKS_NOT_SUPPORTED', 'callbacks not supported']],
  [127, ['RSMERR_UNSUPPORTED_OPERATION', 'operation not supported']],
  [128, ['RSMERR_RSM_ADDR_UNREACHABLE', 'address unreachable']],
  [129, ['RSMERR_UNKNOWN_RSM_ADDR', 'unknown address']],
  [130, ['RSMERR_BAD_BARRIER_HNDL', 'bad barrier handle']],
  [131, ['RSMERR_COMM_ERR_MAYBE_DELIVERED', 'communication error, message may have been delivered']],
  [132, ['RSMERR_COMM_ERR_NOT_DELIVERED', 'communication error, message not delivered']],
  [133, ['RSMERR_QUEUE_FENCE_UP', 'queue fence up']],
  [134, ['RSMERR_QUEUE_FULL', 'queue full']],
]);

/** The RSMERR_* name of a code, or `RSMERR_UNKNOWN_<n>` for a number librsm does not define. */
export function codeName(errno: number): string {
  // Checked here rather than with validate.ts, which depends on this module.
  if (typeof errno !== 'number') {
    throw Object.assign(new TypeError(`errno must be a number, got ${typeof errno}`), { code: 'ERR_INVALID_ARG_TYPE' });
  }
  if (!Number.isInteger(errno)) {
    throw Object.assign(new RangeError(`errno must be an integer, got ${errno}`), { code: 'ERR_OUT_OF_RANGE' });
  }
  return CODES.get(errno)?.[0] ?? `RSMERR_UNKNOWN_${errno}`;
}

export function codeExplanation(errno: number): string {
  return CODES.get(errno)?.[1] ?? `unknown error ${errno}`;
}

/** The number of an RSMERR_* name, for tests and for users matching on numbers. */
export function codeNumber(name: string): number | undefined {
  for (const [n, [codeName]] of CODES) if (codeName === name) return n;
  return undefined;
}

/** Every code this package knows, by name. */
export const codes: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries([...CODES].map(([n, [name]]) => [name, n])),
);
