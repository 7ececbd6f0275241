// Interrupt signals (rsm_intr_signal_*): counted events posted to a segment.
// An importer's signal() reaches the exporter's segment; an exporter's
// signal() reaches every importer connected to it. Events accumulate: each
// successful wait consumes exactly one.

import { binding } from './binding';
import { atCallSite, callSite } from './call-site';
import type { CallSite } from './call-site';
import { codedError } from './errors';
import type { NativeSignalling } from './native';
import { countersOf } from './stats';
import { traceWait } from './tracing';
import * as check from './validate';

/** Options of waitForSignal(). */
export interface WaitOptions {
  /**
   * Milliseconds to wait before rejecting with RsmError RSMERR_TIMEOUT; 0
   * takes only an event already pending. Omitted: no deadline. A pending
   * wait keeps the process alive unless the segment was unref()'d.
   */
  timeout?: number;
  /** Aborting rejects the wait with an AbortError (code 'ABORT_ERR'). */
  signal?: AbortSignal;
}

/** Options of signals(). */
export interface SignalIteratorOptions {
  /** Aborting ends the iteration with an AbortError (code 'ABORT_ERR'). */
  signal?: AbortSignal;
}

/** A wait given up because its AbortSignal fired; `cause` is the signal's reason. */
export class AbortError extends Error {
  /** Always 'ABORT_ERR', as Node's own aborted operations. */
  readonly code = 'ABORT_ERR';

  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** poll() event bit the RSM poll descriptors report (the same number on Linux and illumos). */
export const POLLRDNORM = 0x40;

/** One descriptor for pollSignals(), as a struct pollfd. */
export interface PollEntry {
  /** A descriptor: from pollDescriptor(), or any other the caller wants checked. */
  fd: number;
  /**
   * Events asked for; POLLRDNORM for an RSM descriptor. An RSM descriptor
   * that is ready reports exactly POLLRDNORM, whatever else was asked (as
   * the driver's poll routine does), and one of its events is consumed.
   */
  events: number;
  /** Set by pollSignals(): the events that were ready (0 when an RSM event was taken by someone else). */
  revents: number;
}

function timeoutMs(value: unknown): number {
  if (value === undefined) return -1;
  return check.integer(value, 'options.timeout', 0, 0x7fffffff);
}

function abortSignal(value: unknown, name: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) {
    throw codedError(new TypeError(`${name} must be an AbortSignal, got ${check.describe(value)}`), 'ERR_INVALID_ARG_TYPE');
  }
  return value;
}

function aborted(signal: AbortSignal): AbortError {
  return new AbortError('The wait for a signal was aborted', { cause: signal.reason });
}

/** @internal waitForSignal() of both segment kinds. */
export function waitForSignal(native: NativeSignalling, options?: WaitOptions): Promise<void> {
  const site = callSite(waitForSignal);
  return traceWait(native, () => waitOnce(native, site, options));
}

async function waitOnce(native: NativeSignalling, site: CallSite, options?: WaitOptions): Promise<void> {
  const opts = check.object<WaitOptions>(options, 'options');
  const timeout = timeoutMs(opts.timeout);
  const signal = abortSignal(opts.signal, 'options.signal');
  if (signal?.aborted) throw aborted(signal);
  const onAbort = (): void => {
    native.cancelWait();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await native.waitSignal(timeout);
    countersOf(native).signalsConsumed++;
  } catch (e) {
    const cancelled = signal !== undefined && (e as { code?: unknown }).code === 'ERR_RSM_CANCELLED';
    throw atCallSite(cancelled ? aborted(signal) : e, site);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** @internal signals() of both segment kinds: one undefined per event consumed. */
export async function* signalIterator(native: NativeSignalling, options?: SignalIteratorOptions): AsyncGenerator<void, void, undefined> {
  const opts = check.object<SignalIteratorOptions>(options, 'options');
  const signal = abortSignal(opts.signal, 'options.signal');
  for (;;) {
    await waitForSignal(native, { signal });
    yield;
  }
}

/**
 * rsm_intr_signal_wait_pollfd without blocking (timeout 0): polls the
 * descriptors once and consumes one event on each ready RSM descriptor
 * (registered through pollDescriptor()); others are only reported. Sets each
 * entry's `revents` and returns how many are ready (0 when none is, which
 * librsm reports as RSMERR_TIMEOUT). A blocking variant would stall the event
 * loop: use waitForSignal(), or watch the descriptors yourself and call this
 * when one turns readable.
 */
export function pollSignals(entries: PollEntry[]): number {
  if (!Array.isArray(entries)) {
    throw codedError(new TypeError(`entries must be an array of { fd, events }, got ${check.describe(entries)}`), 'ERR_INVALID_ARG_TYPE');
  }
  const fds = new Int32Array(entries.length * 3);
  entries.forEach((raw: unknown, i) => {
    const e = check.object<PollEntry>(raw, `entries[${i}]`);
    fds[i * 3] = check.integer(e.fd, `entries[${i}].fd`, -1, 0x7fffffff);
    fds[i * 3 + 1] = check.integer(e.events, `entries[${i}].events`, 0, 0x7fff);
  });
  const count = binding.waitPollfd(fds);
  entries.forEach((e, i) => {
    e.revents = fds[i * 3 + 2];
  });
  return count;
}
