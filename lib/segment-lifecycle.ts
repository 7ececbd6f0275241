// The life cycle of an import as the RSMAPI reports it: connected until a
// call on it reports the connection torn down (RSMERR_CONN_ABORTED), then
// lost; disconnected once the program let go of it. librsm has no callback
// for a forced disconnect (docs/semantics.md §5.7: the library handle does
// not change), so every source here is an error some call returned: a
// transfer, a barrier close, a signal post or wait, or the opt-in probe.
// Errors are looked at on the error path only; a call that succeeds costs
// nothing more than before.

import { Barrier } from './barrier';
import { BarrierMode } from './constants';
import { RsmError } from './errors';
import type { NativeBarrier, NativeImportAccess, NativeImportSegment } from './native';
import * as check from './validate';

/**
 * Where an import stands, as far as the RSMAPI has told this process:
 * - 'connected': no call has reported the connection gone;
 * - 'lost': a call reported RSMERR_CONN_ABORTED (the exporter unpublished or
 *   destroyed the segment, its process or node died, or the only path to
 *   it failed); see {@link ImportSegment.lostReason};
 * - 'disconnected': disconnect() ran (or the controller was released).
 */
export type ImportState = 'connected' | 'lost' | 'disconnected';

/** Options of {@link ImportSegment.probe}. */
export interface ProbeOptions {
  /**
   * Milliseconds between two checks, an integer from 1 to 2147483647
   * (default 1000). Each check is one barrier open and close on the
   * segment's own barrier: the close compares the connect generation with
   * the live one before anything else, a load from memory on the loopback
   * controller and in the simulator.
   */
  interval?: number;
}

const DEFAULT_PROBE_INTERVAL = 1000;
const MAX_TIMER_MS = 0x7fffffff;

/** The probe options, checked: the interval in milliseconds. */
function probeInterval(options: unknown): number {
  const opts = check.object<ProbeOptions>(options, 'options');
  if (opts.interval === undefined) return DEFAULT_PROBE_INTERVAL;
  return check.integer(opts.interval, 'options.interval', 1, MAX_TIMER_MS);
}

function isConnAborted(error: unknown): error is RsmError {
  return error instanceof RsmError && error.code === 'RSMERR_CONN_ABORTED';
}

/**
 * @internal The loss state of one import. Allocates nothing until asked:
 * the Promise and the AbortController exist only once someone reads
 * `lost` or `lostSignal`.
 */
export class ImportLifecycle {
  readonly #native: NativeImportSegment;
  #reason: RsmError | undefined;
  #promise: Promise<RsmError> | undefined;
  #resolve: ((reason: RsmError) => void) | undefined;
  #abort: AbortController | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #probeBarrier: Barrier | undefined;

  constructor(native: NativeImportSegment) {
    this.#native = native;
  }

  get state(): ImportState {
    if (this.#native.disconnected) return 'disconnected';
    return this.#reason === undefined ? 'connected' : 'lost';
  }

  get reason(): RsmError | undefined {
    return this.#reason;
  }

  get promise(): Promise<RsmError> {
    if (this.#promise === undefined) {
      if (this.#reason !== undefined) {
        this.#promise = Promise.resolve(this.#reason);
      } else {
        this.#promise = new Promise<RsmError>((resolve) => {
          this.#resolve = resolve;
        });
      }
    }
    return this.#promise;
  }

  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.#reason !== undefined) this.#abort.abort(this.#reason);
    }
    return this.#abort.signal;
  }

  /**
   * Error path of every call on the import: a connection-aborted error
   * marks the import lost (once). Returns `error` for the caller to throw.
   */
  saw(error: unknown): unknown {
    if (this.#reason === undefined && isConnAborted(error) && !this.#native.disconnected) this.#lose(error);
    return error;
  }

  /** `pending`, with its rejection looked at first. */
  watch<T>(pending: Promise<T>): Promise<T> {
    return pending.then(undefined, (error: unknown) => {
      throw this.saw(error);
    });
  }

  /** An iterator that passes everything through and looks at what it throws. */
  async *watchIteration<T>(inner: AsyncGenerator<T, void, undefined>): AsyncGenerator<T, void, undefined> {
    try {
      yield* inner;
    } catch (error) {
      throw this.saw(error);
    }
  }

  /**
   * The transfer functions of `access`, each with a catch that looks at its
   * error. Fixed arities, so no arguments object is made per call.
   */
  guard(access: NativeImportAccess): NativeImportAccess {
    const { load8, load16, load32, load64, store8, store16, store32, store64, putN, getN, put, get, putv, getv, counters } = access;
    const saw = (e: unknown): unknown => this.saw(e);
    return {
      load8: (o) => { try { return load8(o); } catch (e) { throw saw(e); } },
      load16: (o) => { try { return load16(o); } catch (e) { throw saw(e); } },
      load32: (o) => { try { return load32(o); } catch (e) { throw saw(e); } },
      load64: (o) => { try { return load64(o); } catch (e) { throw saw(e); } },
      store8: (o, v) => { try { store8(o, v); } catch (e) { throw saw(e); } },
      store16: (o, v) => { try { store16(o, v); } catch (e) { throw saw(e); } },
      store32: (o, v) => { try { store32(o, v); } catch (e) { throw saw(e); } },
      store64: (o, v) => { try { store64(o, v); } catch (e) { throw saw(e); } },
      putN: (b, o, s) => { try { putN(b, o, s); } catch (e) { throw saw(e); } },
      getN: (b, o, t) => { try { getN(b, o, t); } catch (e) { throw saw(e); } },
      put: (o, s) => { try { put(o, s); } catch (e) { throw saw(e); } },
      get: (o, t) => { try { get(o, t); } catch (e) { throw saw(e); } },
      putv: (n, t, l, f) => { try { return putv(n, t, l, f); } catch (e) { throw saw(e); } },
      getv: (n, t, l, f) => { try { return getv(n, t, l, f); } catch (e) { throw saw(e); } },
      counters,
    };
  }

  /** The segment's barrier, whose close() also reports a loss here. */
  barrier(native: NativeBarrier): Barrier {
    return new WatchedBarrier(native, this);
  }

  /**
   * Starts (or restarts with a new interval) the background check. The
   * timer is unref'd: it never keeps the process alive.
   */
  startProbe(options: unknown, barrier: Barrier): void {
    const interval = probeInterval(options);
    // ERR_RSM_RELEASED, as from every other method of a disconnected import.
    if (this.#native.disconnected) this.#native.getMode();
    this.stopProbe();
    if (this.#reason !== undefined) return;
    this.#probeBarrier = barrier;
    // The timer holds this object weakly: an import nobody holds any more
    // is collected (and disconnected) as it would be without a probe.
    const self = new WeakRef<ImportLifecycle>(this);
    const timer = setInterval(() => {
      const life = self.deref();
      if (life === undefined) clearInterval(timer);
      else life.#probeOnce();
    }, interval);
    timer.unref();
    this.#timer = timer;
  }

  stopProbe(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#probeBarrier = undefined;
  }

  /** Whether the background check is running. */
  get probing(): boolean {
    return this.#timer !== undefined;
  }

  #probeOnce(): void {
    const barrier = this.#probeBarrier;
    if (barrier === undefined || this.#native.disconnected || this.#reason !== undefined) {
      this.stopProbe();
      return;
    }
    // In explicit mode the program brackets its own transfers with this
    // barrier, and on a remote controller an open/close of ours inside its
    // span would be one of the driver's barrier operations too: stay out.
    // After barrier.destroy() there is nothing to check with (a new barrier
    // would change what implicit put/get do).
    if (barrier.destroyed || this.#native.getMode() !== BarrierMode.IMPLICIT) return;
    try {
      // open sets the barrier's generation to the connect generation (what
      // every implicit put/get does); close compares it with the live one.
      barrier.native.open();
      barrier.native.close();
    } catch (error) {
      // Anything else (RSMERR_BARRIER_FAILURE on a remote controller) says
      // nothing about the connection; the next check runs as planned.
      this.saw(error);
    }
  }

  #lose(reason: RsmError): void {
    this.#reason = reason;
    this.stopProbe();
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.(reason);
    // Listeners run now; one that throws is reported as an uncaught
    // exception by EventTarget, and the call that saw the error still throws it.
    this.#abort?.abort(reason);
  }
}

/** A Barrier whose close() failures also reach the import's life cycle. */
class WatchedBarrier extends Barrier {
  readonly #life: ImportLifecycle;

  constructor(native: NativeBarrier, life: ImportLifecycle) {
    super(native);
    this.#life = life;
  }

  override close(): void {
    try {
      super.close();
    } catch (error) {
      throw this.#life.saw(error);
    }
  }
}
