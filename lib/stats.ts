// Per-handle counters, read with stats(). Transfers of an import segment are
// counted in the addon, next to the library call (plain increments, nothing
// published, no JavaScript on the hot path); everything rarer than a
// transfer (signals, barriers, mappings, publish and friends) is counted
// here, keyed by the handle's native object so that the shared helpers
// (signals.ts) count without knowing the class that called them.

import { codeName } from './codes';
import type { NativeImportAccess } from './native';

/** Counters of one barrier, from {@link Barrier.stats} and within {@link ImportStats}. */
export interface BarrierStats {
  /** open() calls that succeeded (rsm_memseg_import_open_barrier). */
  readonly opens: number;
  /** close() calls that succeeded (rsm_memseg_import_close_barrier). */
  readonly closes: number;
  /**
   * open() and close() calls that failed with an RsmError
   * (RSMERR_BARRIER_FAILURE, RSMERR_CONN_ABORTED, RSMERR_BARRIER_OPEN_FAILED, ...).
   * Each is also published on the `rsmapi:barrier.failure` channel.
   */
  readonly failures: number;
}

/**
 * Counters of one import segment, from {@link ImportSegment.stats}.
 *
 * Transfers are the calls that copy data through the library: put/get,
 * read, every width (put8..put64, get8..get64, read8..read64, load8..load64,
 * store8..store64) and putv/getv (one transfer per call, its bytes the sum
 * of its entries). Access through a {@link Mapping}'s views is plain memory
 * access and is NOT counted, nor are Mapping.read() copies.
 */
export interface ImportStats {
  /** Transfers into the segment that succeeded. */
  readonly puts: number;
  /** Bytes those transfers wrote. */
  readonly putBytes: number;
  /** Transfers out of the segment that succeeded. */
  readonly gets: number;
  /** Bytes those transfers read. */
  readonly getBytes: number;
  /** Transfers the library refused or failed, all codes together. */
  readonly failedTransfers: number;
  /**
   * Failed transfers by RSMERR_* code name (e.g. `{ RSMERR_BAD_OFFSET: 2 }`);
   * only codes seen are present. Argument mistakes caught before the library
   * is called (TypeError/RangeError) and calls on a disconnected segment
   * (ERR_RSM_RELEASED) are not transfers and are not counted.
   */
  readonly failures: Readonly<Record<string, number>>;
  /** The segment's barrier ({@link ImportSegment.barrier}). */
  readonly barrier: BarrierStats;
  /** signal() calls that posted an event to the exporter. */
  readonly signalsPosted: number;
  /** Events consumed by waitForSignal() and signals() on this segment. */
  readonly signalsConsumed: number;
  /** Explicit map() calls that succeeded. */
  readonly maps: number;
  /** Unmaps of those mappings (Mapping.unmap(), unmap(), disposal). */
  readonly unmaps: number;
}

/** Counters of one export segment, from {@link ExportSegment.stats}. */
export interface ExportStats {
  /** publish() calls that succeeded. */
  readonly publishes: number;
  /** unpublish() calls that succeeded. */
  readonly unpublishes: number;
  /** republish() calls that succeeded. */
  readonly republishes: number;
  /** rebind() calls that succeeded. */
  readonly rebinds: number;
  /** signal() calls that posted an event to the importers. */
  readonly signalsPosted: number;
  /** Events consumed by waitForSignal() and signals() on this segment. */
  readonly signalsConsumed: number;
}

/** @internal The counters kept in TypeScript for one handle. */
export class Counters {
  signalsPosted = 0;
  signalsConsumed = 0;
  maps = 0;
  unmaps = 0;
  opens = 0;
  closes = 0;
  barrierFailures = 0;
  publishes = 0;
  unpublishes = 0;
  republishes = 0;
  rebinds = 0;
  /** An export's last published id, which traces of unpublish and destroy still name. */
  lastSegmentId: number | undefined;
}

const byHandle = new WeakMap<object, Counters>();

/** @internal The counters of a native handle, made on first use. */
export function countersOf(handle: object): Counters {
  let counters = byHandle.get(handle);
  if (counters === undefined) {
    counters = new Counters();
    byHandle.set(handle, counters);
  }
  return counters;
}

/** @internal `child` (a mapping) counts into the counters of `parent` (its import). */
export function countInto(child: object, parent: object): void {
  byHandle.set(child, countersOf(parent));
}

/** @internal A snapshot of a barrier's counters. */
export function barrierStats(handle: object): BarrierStats {
  const c = countersOf(handle);
  return Object.freeze({ opens: c.opens, closes: c.closes, failures: c.barrierFailures });
}

/** @internal A snapshot of an import's counters: the addon's transfer counters and the rest. */
export function importStats(access: NativeImportAccess, handle: object, barrier: object): ImportStats {
  const raw = access.counters();
  const failures: Record<string, number> = {};
  let failedTransfers = 0;
  for (let i = 4; i + 1 < raw.length; i += 2) {
    failures[codeName(raw[i])] = raw[i + 1];
    failedTransfers += raw[i + 1];
  }
  const c = countersOf(handle);
  return Object.freeze({
    puts: raw[0],
    putBytes: raw[1],
    gets: raw[2],
    getBytes: raw[3],
    failedTransfers,
    failures: Object.freeze(failures),
    barrier: barrierStats(barrier),
    signalsPosted: c.signalsPosted,
    signalsConsumed: c.signalsConsumed,
    maps: c.maps,
    unmaps: c.unmaps,
  });
}

/** @internal A snapshot of an export's counters. */
export function exportStats(handle: object): ExportStats {
  const c = countersOf(handle);
  return Object.freeze({
    publishes: c.publishes,
    unpublishes: c.unpublishes,
    republishes: c.republishes,
    rebinds: c.rebinds,
    signalsPosted: c.signalsPosted,
    signalsConsumed: c.signalsConsumed,
  });
}
