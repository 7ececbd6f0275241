// RSMAPI constants a program passes in or gets back (rsmapi.h).

/** Connection and mapping permissions (octal, like file modes). */
export const Permission = Object.freeze({
  /** No access. */
  NONE: 0o000,
  /** RSM_PERM_READ: read (get, read-only mappings). */
  READ: 0o400,
  /** RSM_PERM_WRITE: write (put). */
  WRITE: 0o200,
  /** RSM_PERM_RDWR: read and write. */
  RDWR: 0o600,
} as const);
/** One of the Permission values: what connect() and map() take as `permission`. */
export type Permission = (typeof Permission)[keyof typeof Permission];

/** Flags of rsm_memseg_export_create. */
export const ExportFlags = Object.freeze({
  /** RSM_ALLOW_REBIND: the segment may later be rebound to other memory. */
  ALLOW_REBIND: 0x01,
  /** RSM_CREATE_SEG_DONTWAIT: fail at once instead of waiting for interconnect resources. */
  CREATE_SEG_DONTWAIT: 0x02,
} as const);

/** rsm_barrier_mode_t. */
export const BarrierMode = Object.freeze({
  /** RSM_BARRIER_MODE_EXPLICIT: the program opens and closes barriers itself. */
  EXPLICIT: 0,
  /** RSM_BARRIER_MODE_IMPLICIT (the default): librsm brackets every put/get with a barrier. */
  IMPLICIT: 1,
} as const);
export type BarrierMode = (typeof BarrierMode)[keyof typeof BarrierMode];

/** rsm_barrier_type_t (accepted and ignored by librsm). */
export const BarrierType = Object.freeze({
  /** RSM_BARRIER_SEGMENT: a barrier over one segment. */
  SEGMENT: 0x01,
  /** RSM_BARRIER_NODE: a barrier over every segment imported from one node. */
  NODE: 0x02,
  /** RSM_BARRIER_SEGMENT_THREAD: a segment barrier of the calling thread only. */
  SEGMENT_THREAD: 0x11,
  /** RSM_BARRIER_NODE_THREAD: a node barrier of the calling thread only. */
  NODE_THREAD: 0x12,
} as const);

/** rsm_attribute_t, for map(). */
export const MapAttribute = Object.freeze({
  /** No attribute: the system chooses the address. */
  NONE: 0x0,
  /** RSM_MAP_FIXED: map at the address given. */
  FIXED: 0x1,
  /** RSM_MAP_RESERVED: reserved by librsm; not accepted by map(). */
  RESERVED: 0x2,
} as const);

/** Segment-id ranges (rsm_common.h). Explicit ids must lie in [USER_MIN, USER_MAX]. */
export const SegmentIds = Object.freeze({
  /** Ask publish() for an automatic id. */
  AUTO: 0,
  /** Smallest id an application may choose (RSM_HPC_ID_BASE). */
  USER_MIN: 0x400000,
  /** Largest id an application may choose; automatic ids start above it. */
  USER_MAX: 0x7fffffff,
  /** First automatic id (RSM_USER_APP_ID_BASE). */
  AUTO_BASE: 0x80000000,
} as const);

/** Limits the library enforces. */
export const Limits = Object.freeze({
  /** Entries in an access list. */
  MAX_ACL_ENTRIES: 64,
  /** Largest node id in an access-list entry. */
  MAX_ACL_NODE: 64,
  /** Largest access-list permission, compared numerically. */
  MAX_ACL_PERMISSION: 0o666,
  /** Entries in one scatter/gather request. */
  MAX_SGIO_REQUESTS: 16,
} as const);
