// RSMAPI constants a program passes in or gets back (rsmapi.h).

/** Connection and mapping permissions (octal, like file modes). */
export const Permission = Object.freeze({
  NONE: 0o000,
  READ: 0o400,
  WRITE: 0o200,
  RDWR: 0o600,
} as const);

/** Flags of rsm_memseg_export_create. */
export const ExportFlags = Object.freeze({
  ALLOW_REBIND: 0x01,
  CREATE_SEG_DONTWAIT: 0x02,
} as const);

/** rsm_barrier_mode_t. */
export const BarrierMode = Object.freeze({
  EXPLICIT: 0,
  IMPLICIT: 1,
} as const);
export type BarrierMode = (typeof BarrierMode)[keyof typeof BarrierMode];

/** rsm_barrier_type_t (accepted and ignored by librsm). */
export const BarrierType = Object.freeze({
  SEGMENT: 0x01,
  NODE: 0x02,
  SEGMENT_THREAD: 0x11,
  NODE_THREAD: 0x12,
} as const);

/** rsm_attribute_t, for map(). */
export const MapAttribute = Object.freeze({
  NONE: 0x0,
  FIXED: 0x1,
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
