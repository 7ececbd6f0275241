// backend(): which RSMAPI implementation is live, from where, and why.

import { binding } from './binding';

/** What {@link backend} reports. */
export interface BackendInfo {
  /**
   * 'native': the real librsm; 'sim': the built-in simulator; 'none': the
   * native backend was required (RSM_BACKEND=native) but could not be loaded,
   * and every call throws with the reason.
   */
  readonly name: 'native' | 'sim' | 'none';
  /**
   * RSM_BACKEND as given ('auto' when unset). Any other value is reported as
   * given too (then `name` is 'none' and `reason` names it), so this is any
   * string; the three that select a backend are listed for completion.
   */
  // eslint-disable-next-line @typescript-eslint/ban-types
  readonly requested: 'auto' | 'native' | 'sim' | (string & {});
  /** The shared library the native backend opened ('' for the simulator). */
  readonly library: string;
  /** Why this backend is live, and why the other one is not. */
  readonly reason: string;
}

/**
 * Which RSMAPI implementation this process uses (chosen once, at load, from
 * RSM_BACKEND and RSM_LIBRARY), the library it opened, and why. Wraps no
 * RSMAPI function and never throws: a native backend that could not be
 * loaded is reported here (name 'none', with the reason) instead of failing
 * the import.
 */
export function backend(): BackendInfo {
  const info = binding.backendInfo();
  return Object.freeze({ name: info.name, requested: info.requested, library: info.library, reason: info.reason });
}

/** The host page size: export sizes and map offsets must be multiples of it. */
export const pageSize: number = binding.pageSize;
