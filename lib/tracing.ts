// Tracing on node:diagnostics_channel. Operations that change a
// connection or a publication are TracingChannels (start/end/error, and
// asyncStart/asyncEnd for the asynchronous ones); a barrier failure is an
// event on a plain channel. Names follow `rsmapi:<handle>.<operation>`.
// Nothing is published per put/get, and when nobody subscribes an
// operation costs one hasSubscribers check: no context object is made.

import * as dc from 'node:diagnostics_channel';

import { RsmError } from './errors';
import { countersOf } from './stats';
import { getTopology } from './topology';

/**
 * Names of the TracingChannels rsmapi publishes on
 * (`diagnostics_channel.tracingChannel(name)`). Each operation publishes
 * `tracing:<name>:start` and `:end`, `:error` when it throws or rejects, and
 * the asynchronous ones (connect, publish, waitForSignal) `:asyncStart` and
 * `:asyncEnd` when their Promise settles. The message is a {@link TraceContext}.
 */
export const TraceChannels = Object.freeze({
  /** Controller.connect(): asynchronous; `result` is the ImportSegment. */
  IMPORT_CONNECT: 'rsmapi:import.connect',
  /** ImportSegment.disconnect() of a connected segment (a second call publishes nothing). */
  IMPORT_DISCONNECT: 'rsmapi:import.disconnect',
  /** ImportSegment.waitForSignal() and each wait of signals(): asynchronous. */
  IMPORT_WAIT_FOR_SIGNAL: 'rsmapi:import.waitForSignal',
  /** ExportSegment.publish(): asynchronous; `segmentId` is the id asked for, then (at asyncEnd) the one assigned. */
  EXPORT_PUBLISH: 'rsmapi:export.publish',
  /** ExportSegment.unpublish(). */
  EXPORT_UNPUBLISH: 'rsmapi:export.unpublish',
  /** ExportSegment.republish(). */
  EXPORT_REPUBLISH: 'rsmapi:export.republish',
  /** ExportSegment.rebind(). */
  EXPORT_REBIND: 'rsmapi:export.rebind',
  /** ExportSegment.destroy() of a live segment (also through `using`; a second call publishes nothing). */
  EXPORT_DESTROY: 'rsmapi:export.destroy',
  /** ExportSegment.waitForSignal() and each wait of signals(): asynchronous. */
  EXPORT_WAIT_FOR_SIGNAL: 'rsmapi:export.waitForSignal',
} as const);

/**
 * Names of the plain channels rsmapi publishes on
 * (`diagnostics_channel.channel(name)`), one message per event.
 */
export const EventChannels = Object.freeze({
  /**
   * A barrier open() or close() failed (also inside transaction()); the
   * message is a {@link BarrierFailureMessage}. Failures of implicit-mode
   * put/get are not published (they are transfers): see stats().failures.
   */
  BARRIER_FAILURE: 'rsmapi:barrier.failure',
} as const);

/**
 * The message of every trace channel: which handle, and for connect and
 * publish what was asked. diagnostics_channel adds `result` (at end or
 * asyncEnd) or `error` (at error) to the same object.
 */
export interface TraceContext {
  /** The name of the controller the handle belongs to. */
  readonly controller: string;
  /** The exporting node: the one connected to, for an import; this node, for an export. */
  readonly node: number;
  /**
   * The segment id. For publish, the id asked for (0: automatic) until
   * asyncEnd, when it is the one assigned. An export that was unpublished
   * is named by the last id it had; one never published, by undefined.
   */
  segmentId: number | undefined;
  /** Controller.connect() only: the permission asked for. */
  readonly permission?: number;
  /** Set by diagnostics_channel: what the operation returned or resolved to. */
  result?: unknown;
  /** Set by diagnostics_channel: what the operation threw or rejected with. */
  error?: unknown;
}

/** The message of `EventChannels.BARRIER_FAILURE`. */
export interface BarrierFailureMessage {
  /** The name of the controller the import was connected through. */
  readonly controller: string;
  /** The node of the imported segment. */
  readonly node: number;
  /** The id of the imported segment. */
  readonly segmentId: number;
  /** Which barrier call failed. */
  readonly operation: 'open' | 'close';
  /** The RSMERR_* code (RSMERR_BARRIER_FAILURE, RSMERR_CONN_ABORTED, ...). */
  readonly code: string;
  /** The error the call then throws. */
  readonly error: RsmError;
}

/** Where a handle belongs, registered when it is made. */
interface Origin {
  readonly kind: 'import' | 'export';
  readonly controller: string;
  /** The node, or undefined for an export until a subscriber first asks. */
  node: number | undefined;
  readonly segmentId: () => number | undefined;
}

const origins = new WeakMap<object, Origin>();

const trace = {
  connect: dc.tracingChannel<unknown, TraceContext>(TraceChannels.IMPORT_CONNECT),
  disconnect: dc.tracingChannel<unknown, TraceContext>(TraceChannels.IMPORT_DISCONNECT),
  importWait: dc.tracingChannel<unknown, TraceContext>(TraceChannels.IMPORT_WAIT_FOR_SIGNAL),
  publish: dc.tracingChannel<unknown, TraceContext>(TraceChannels.EXPORT_PUBLISH),
  unpublish: dc.tracingChannel<unknown, TraceContext>(TraceChannels.EXPORT_UNPUBLISH),
  republish: dc.tracingChannel<unknown, TraceContext>(TraceChannels.EXPORT_REPUBLISH),
  rebind: dc.tracingChannel<unknown, TraceContext>(TraceChannels.EXPORT_REBIND),
  destroy: dc.tracingChannel<unknown, TraceContext>(TraceChannels.EXPORT_DESTROY),
  exportWait: dc.tracingChannel<unknown, TraceContext>(TraceChannels.EXPORT_WAIT_FOR_SIGNAL),
};
/** @internal The trace channels, by operation. */
export type TraceChannel = (typeof trace)[keyof typeof trace];
/** @internal */
export const traceChannels = trace;

const barrierFailure = dc.channel(EventChannels.BARRIER_FAILURE);

/**
 * Whether anyone listens. Asked of the five channels rather than of the
 * TracingChannel, whose own hasSubscribers came later than Node 20.0.
 */
function subscribed(t: TraceChannel): boolean {
  return t.start.hasSubscribers || t.end.hasSubscribers || t.asyncStart.hasSubscribers || t.asyncEnd.hasSubscribers || t.error.hasSubscribers;
}

/** @internal Registers an import (and its barrier) made through `controller` to `node`/`segmentId`. */
export function originImport(handle: object, barrier: object, controller: string, node: number, segmentId: number): void {
  const origin: Origin = { kind: 'import', controller, node, segmentId: () => segmentId };
  origins.set(handle, origin);
  origins.set(barrier, origin);
}

/** @internal Registers an export made through `controller`; its id is read when a message is made. */
export function originExport(handle: object, controller: string, segmentId: () => number | undefined): void {
  origins.set(handle, { kind: 'export', controller, node: undefined, segmentId });
}

function contextOf(handle: object): TraceContext {
  const origin = origins.get(handle);
  if (origin === undefined) return { controller: '', node: -1, segmentId: undefined };
  // The local node, asked once per export and only with a subscriber.
  origin.node ??= getTopology().localNode;
  return { controller: origin.controller, node: origin.node, segmentId: origin.segmentId() };
}

/** @internal Runs `run` as operation `channel` of `handle`, traced when someone listens. */
export function traceSync<R>(channel: TraceChannel, handle: object, run: () => R): R {
  if (!subscribed(channel)) return run();
  return channel.traceSync(run, contextOf(handle));
}

/** @internal Controller.connect()'s trace: the context is what was asked. */
export function traceConnect<R>(controller: string, node: number, segmentId: number, permission: number, run: () => Promise<R>): Promise<R> {
  if (!subscribed(trace.connect)) return run();
  return trace.connect.tracePromise(run, { controller, node, segmentId, permission });
}

/** @internal ExportSegment.publish()'s trace: `segmentId` is the one asked for until the Promise resolves. */
export function tracePublish(handle: object, requested: number, run: () => Promise<number>): Promise<number> {
  if (!subscribed(trace.publish)) return run();
  const context = contextOf(handle);
  context.segmentId = requested;
  return trace.publish.tracePromise(async () => {
    const id = await run();
    context.segmentId = id;
    return id;
  }, context);
}

/** @internal A wait for a signal on an import or export, traced on its kind's channel. */
export function traceWait(handle: object, run: () => Promise<void>): Promise<void> {
  const kind = origins.get(handle)?.kind;
  const channel = kind === 'import' ? trace.importWait : kind === 'export' ? trace.exportWait : undefined;
  if (channel === undefined || !subscribed(channel)) return run();
  return channel.tracePromise(run, contextOf(handle));
}

/**
 * @internal A barrier open or close of `barrier`: counted, and a failure
 * published on `EventChannels.BARRIER_FAILURE` before it is thrown.
 */
export function barrierCall(barrier: object, operation: 'open' | 'close', run: () => void): void {
  const counters = countersOf(barrier);
  try {
    run();
  } catch (e) {
    if (e instanceof RsmError) {
      counters.barrierFailures++;
      if (barrierFailure.hasSubscribers) {
        const { controller, node, segmentId } = contextOf(barrier);
        barrierFailure.publish({ controller, node, segmentId, operation, code: e.code, error: e });
      }
    }
    throw e;
  }
  if (operation === 'open') counters.opens++;
  else counters.closes++;
}
