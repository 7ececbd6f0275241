// ImportSegment.transaction(): a block of transfers inside one barrier:
// open, the caller's transfers, close, retried a bounded number of times when the interconnect reports a
// barrier failure. A torn-down connection (RSMERR_CONN_ABORTED) is never
// retried: the import must be disconnected and connected again.

import type { Barrier } from './barrier';
import { BarrierMode } from './constants';
import { codedError, RsmError } from './errors';
import * as check from './validate';

/** Options of ImportSegment.transaction(). */
export interface TransactionOptions {
  /**
   * How many times to run the block again after RSMERR_BARRIER_FAILURE (or
   * RSMERR_BARRIER_OPEN_FAILED): the interconnect lost or could not confirm
   * writes, and the block's transfers are redone from the start. Default 2.
   */
  retries?: number;
}

/**
 * What a transaction block may return: anything but a promise (or other
 * thenable). The barrier closes when the block returns, before an async
 * block's transfers would run, so such a block is refused by the types here
 * and at run time with ERR_INVALID_RETURN_VALUE.
 */
export type SyncResult<R> = R extends PromiseLike<unknown> ? never : R;

/** What a transaction needs of an import segment. @internal */
export interface BarrierHost {
  readonly barrier: Barrier;
  readonly mode: BarrierMode;
  setMode(mode: BarrierMode): void;
}

const RETRYABLE = new Set(['RSMERR_BARRIER_FAILURE', 'RSMERR_BARRIER_OPEN_FAILED']);

/** @internal ImportSegment.transaction(). */
export function runTransaction<S extends BarrierHost, R>(host: S, block: (segment: S) => R, options?: TransactionOptions): R {
  if (typeof block !== 'function') {
    throw codedError(new TypeError(`block must be a function, got ${check.describe(block)}`), 'ERR_INVALID_ARG_TYPE');
  }
  const opts = check.object<TransactionOptions>(options, 'options');
  const retries = opts.retries === undefined ? 2 : check.integer(opts.retries, 'options.retries', 0, 1000);
  // Explicit mode for the span: the transfers inside do no barrier work of
  // their own, the one close reports for all of them.
  const previous = host.mode;
  if (previous !== BarrierMode.EXPLICIT) host.setMode(BarrierMode.EXPLICIT);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        host.barrier.open();
        const result = block(host);
        if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
          // The close would run before the transfers it must vouch for.
          throw codedError(new TypeError('the block of a transaction must be synchronous (it returned a promise)'), 'ERR_INVALID_RETURN_VALUE');
        }
        host.barrier.close();
        return result;
      } catch (caught) {
        const e = caught instanceof RsmError && caught.code === 'RSMERR_BARRIER_OPEN_FAILED' ? goneInstead(host, caught) : caught;
        if (e instanceof RsmError && RETRYABLE.has(e.code) && attempt < retries) continue;
        if (e instanceof RsmError && e.code === 'RSMERR_CONN_ABORTED') {
          e.message += ' (not retried: the connection is gone; disconnect() and connect() again)';
        } else if (e instanceof RsmError && RETRYABLE.has(e.code)) {
          e.message += ` (gave up after ${attempt + 1} attempts)`;
        }
        throw e;
      }
    }
  } finally {
    if (previous !== BarrierMode.EXPLICIT && !isDisconnected(host)) host.setMode(previous);
  }
}

/**
 * A generic controller's driver refuses every barrier open of an import whose
 * mapping was used after a forced disconnect (docs/semantics.md §4.7), which
 * no retry cures. The close compares the connect generation before it asks
 * the driver anything, so it tells the two apart: RSMERR_CONN_ABORTED from it
 * means the connection is gone, and that is the error to report.
 */
function goneInstead(host: BarrierHost, openFailure: RsmError): RsmError {
  try {
    host.barrier.close();
  } catch (e) {
    if (e instanceof RsmError && e.code === 'RSMERR_CONN_ABORTED') return e;
  }
  return openFailure;
}

function isDisconnected(host: BarrierHost): boolean {
  return (host as { disconnected?: unknown }).disconnected === true;
}
