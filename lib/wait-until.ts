// waitUntil: OpenSHMEM's shmem_wait_until as a Promise. It polls memory this
// process can read without a round trip (an export's own bytes), spins a
// short while, then sleeps on a segment's interrupt signals, which whoever
// changes the memory posts. Several waits on one segment share one pending
// signal wait (librsm allows one per segment), so a channel's sender and
// receiver, or any number of waitUntil calls, can sleep on it together.

import { RsmError } from './errors';
import { AbortError } from './signals';
import type { WaitOptions } from './signals';

/** The comparisons of shmem_wait_until (SHMEM_CMP_EQ, _NE, _GT, _GE, _LT, _LE). */
export type Comparison = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

/** What waitUntil() can sleep on: an ExportSegment or an ImportSegment. */
export interface SignalSource {
  /** Resolves when one interrupt signal posted to the segment has been consumed. */
  waitForSignal(options?: WaitOptions): Promise<void>;
}

/** Options of {@link waitUntil}. */
export interface WaitUntilOptions {
  /**
   * The segment whose interrupt signals announce a change (the writer calls
   * signal() after its store). Without one the wait re-reads the memory
   * every `interval` milliseconds instead of sleeping on signals.
   */
  segment?: SignalSource;
  /** Microseconds to spin re-reading the memory before sleeping (default 20). */
  spin?: number;
  /** Milliseconds before rejecting with an Error of code 'ETIMEDOUT' (default: none). */
  timeout?: number;
  /** Aborting rejects the wait with an AbortError (code 'ABORT_ERR'). */
  signal?: AbortSignal;
  /**
   * Milliseconds between re-reads while asleep, whatever the signals do
   * (default 100): a bound on the cost of a signal the writer never posted.
   */
  interval?: number;
}

/** The typed arrays waitUntil() reads: every integer element type. */
export type IntegerArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

const COMPARE: Record<Comparison, (a: number | bigint, b: number | bigint) => boolean> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
};

/** A wait rejected for a reason of its own (timeout, bad argument), with a Node-style code. */
function coded<E extends Error>(e: E, code: string): E {
  return Object.assign(e, { code });
}

/** The time in microseconds, for spin deadlines. */
const nowUs = (): number => performance.now() * 1000;

/**
 * Spins up to `spinUs` microseconds on `ready`; true as soon as it holds.
 * The clock is read once every 64 looks, since reading it costs more than a
 * look at local memory.
 * @internal
 */
export function spinUntil(ready: () => boolean, spinUs: number): boolean {
  if (ready()) return true;
  if (spinUs <= 0) return false;
  const end = nowUs() + spinUs;
  for (;;) {
    for (let i = 0; i < 64; i++) if (ready()) return true;
    if (nowUs() >= end) return ready();
  }
}

/** The one pending signal wait of a segment, shared by everyone sleeping on it. */
const sleepers = new WeakMap<SignalSource, Promise<boolean>>();

/**
 * Sleeps on `segment`'s signals until one event arrives (true) or `sliceMs`
 * passes (false). Callers that sleep at the same time share one wait, and
 * one event wakes them all: each then looks at its own condition again.
 * Errors other than the timeout (the segment destroyed, the connection torn
 * down) reject every sharer.
 * @internal
 */
export function sleepOn(segment: SignalSource, sliceMs: number): Promise<boolean> {
  let pending = sleepers.get(segment);
  if (pending === undefined) {
    pending = segment.waitForSignal({ timeout: sliceMs }).then(
      () => true,
      (e: unknown) => {
        if (e instanceof RsmError && e.code === 'RSMERR_TIMEOUT') return false;
        throw e;
      },
    );
    const mine = pending;
    const clear = (): void => {
      if (sleepers.get(segment) === mine) sleepers.delete(segment);
    };
    mine.then(clear, clear);
    sleepers.set(segment, mine);
  }
  return pending;
}

/**
 * Races `work` against an AbortSignal and a deadline (in performance.now()
 * milliseconds; Infinity for none), rejecting with AbortError or ETIMEDOUT.
 * @internal
 */
export function bounded<T>(work: Promise<T>, signal: AbortSignal | undefined, deadline: number, what: string): Promise<T> {
  if (signal === undefined && deadline === Infinity) return work;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      done();
      reject(new AbortError(`${what} was aborted`, { cause: signal?.reason }));
    };
    const done = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (deadline !== Infinity) {
      timer = setTimeout(() => {
        done();
        reject(coded(new Error(`${what} timed out`), 'ETIMEDOUT'));
      }, Math.max(0, deadline - performance.now()));
    }
    work.then(
      (v) => {
        done();
        resolve(v);
      },
      (e: unknown) => {
        done();
        reject(e);
      },
    );
  });
}

function isIntegerArray(view: unknown): view is IntegerArray {
  return (
    view instanceof Int8Array || view instanceof Uint8Array || view instanceof Uint8ClampedArray ||
    view instanceof Int16Array || view instanceof Uint16Array || view instanceof Int32Array ||
    view instanceof Uint32Array || view instanceof BigInt64Array || view instanceof BigUint64Array
  );
}

function nonNegative(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw coded(new RangeError(`${name} must be a finite number >= 0, got ${String(value)}`), 'ERR_OUT_OF_RANGE');
  }
  return value;
}

/**
 * Resolves with the element's value once `view[index] <compare> value`
 * holds: shmem_wait_until for memory other nodes store into. Spins on the
 * memory for `spin` microseconds, then sleeps on `segment`'s signals (the
 * writer posts one after its store), re-reading after each event and every
 * `interval` ms. 32- and 64-bit integer arrays are read with Atomics.
 *
 * @throws {TypeError} code ERR_INVALID_ARG_TYPE for a view that is not an integer typed array, an unknown comparison, or a value of the wrong kind.
 * @throws {RangeError} code ERR_OUT_OF_RANGE for an index outside the view or a bad option.
 * Rejects with an Error of code 'ETIMEDOUT' after `timeout`, an AbortError when `signal` aborts,
 * and the segment's RsmError when its signal wait fails (destroyed, torn down).
 */
export async function waitUntil<T extends IntegerArray>(
  view: T,
  index: number,
  compare: Comparison,
  value: T extends BigInt64Array | BigUint64Array ? bigint : number,
  options: WaitUntilOptions = {},
): Promise<T extends BigInt64Array | BigUint64Array ? bigint : number> {
  if (!isIntegerArray(view)) throw coded(new TypeError('view must be an integer typed array'), 'ERR_INVALID_ARG_TYPE');
  if (!Number.isInteger(index) || index < 0 || index >= view.length) {
    throw coded(new RangeError(`index must be an integer from 0 to ${view.length - 1}, got ${String(index)}`), 'ERR_OUT_OF_RANGE');
  }
  const test = Object.prototype.hasOwnProperty.call(COMPARE, compare) ? COMPARE[compare] : undefined;
  if (test === undefined) {
    throw coded(new TypeError(`compare must be one of ${Object.keys(COMPARE).join(', ')}, got ${String(compare)}`), 'ERR_INVALID_ARG_TYPE');
  }
  const big = view instanceof BigInt64Array || view instanceof BigUint64Array;
  if (big ? typeof value !== 'bigint' : typeof value !== 'number') {
    throw coded(new TypeError(`value must be a ${big ? 'bigint' : 'number'} for this view`), 'ERR_INVALID_ARG_TYPE');
  }
  if (options === null || typeof options !== 'object') throw coded(new TypeError('options must be an object'), 'ERR_INVALID_ARG_TYPE');
  const spin = nonNegative(options.spin, 'options.spin', 20);
  const interval = Math.max(1, nonNegative(options.interval, 'options.interval', 100));
  const timeout = options.timeout === undefined ? Infinity : nonNegative(options.timeout, 'options.timeout', 0);
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw coded(new TypeError('options.signal must be an AbortSignal'), 'ERR_INVALID_ARG_TYPE');
  }
  const segment = options.segment;
  if (segment !== undefined && (segment === null || typeof segment.waitForSignal !== 'function')) {
    throw coded(new TypeError('options.segment must be an ExportSegment or ImportSegment'), 'ERR_INVALID_ARG_TYPE');
  }
  const atomic = view instanceof Int32Array || view instanceof Uint32Array || big;
  const read = (): number | bigint => (atomic ? Atomics.load(view as Int32Array, index) : view[index]);
  const ready = (): boolean => test(read(), value);
  type Result = T extends BigInt64Array | BigUint64Array ? bigint : number;

  if (signal?.aborted) throw new AbortError('waitUntil was aborted', { cause: signal.reason });
  if (spinUntil(ready, spin)) return read() as Result;
  const deadline = performance.now() + timeout;
  for (;;) {
    const nap = segment === undefined
      ? new Promise<boolean>((resolve) => setTimeout(() => resolve(false), interval))
      : sleepOn(segment, interval);
    await bounded(nap, signal, deadline, 'waitUntil');
    if (ready()) return read() as Result;
  }
}
