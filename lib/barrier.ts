// Barrier: the error-detection scope of an import segment
// (rsm_memseg_import_*_barrier). close() reports a connection torn down at
// any time since connect.

import { binding } from './binding';
import type { NativeBarrier } from './native';
import { invalidThis, isObject } from './receiver';
import { barrierStats } from './stats';
import type { BarrierStats } from './stats';
import { barrierCall } from './tracing';
import { nativeHandle } from './validate';

/**
 * The error-detection scope of an import segment
 * (rsm_memseg_import_init_barrier and the other barrier functions): close()
 * throws {@link RsmError} RSMERR_CONN_ABORTED (or RSMERR_BARRIER_FAILURE) when
 * transfers since open() may have been lost. Each import segment has one,
 * made at connect. Methods of a destroyed barrier throw an Error with code
 * ERR_RSM_RELEASED.
 */
export class Barrier {
  /** @internal */
  readonly native: NativeBarrier;

  /** Marks objects this class made (see #own). */
  readonly #brand = true;

  /** TypeError ERR_INVALID_THIS unless `self` is a Barrier this package made. */
  static #own(self: unknown): void {
    if (!isObject(self) || !(#brand in self)) throw invalidThis('Barrier');
  }

  /** @internal */
  constructor(native: NativeBarrier) {
    this.native = nativeHandle(native, binding.NativeBarrier, 'Barrier');
  }

  /** rsm_memseg_import_open_barrier. */
  open(): void {
    Barrier.#own(this);
    barrierCall(this.native, 'open', () => this.native.open());
  }

  /** rsm_memseg_import_order_barrier: earlier writes complete before later ones. */
  order(): void {
    Barrier.#own(this);
    this.native.order();
  }

  /** rsm_memseg_import_close_barrier: throws RSMERR_CONN_ABORTED if the connection was torn down. */
  close(): void {
    Barrier.#own(this);
    barrierCall(this.native, 'close', () => this.native.close());
  }

  /** rsm_memseg_import_destroy_barrier. Idempotent. */
  destroy(): void {
    Barrier.#own(this);
    this.native.destroy();
  }

  /** Opens, closes and failures of this barrier ({@link BarrierStats}); the last values once destroyed. */
  stats(): BarrierStats {
    Barrier.#own(this);
    return barrierStats(this.native);
  }

  /** True once destroy() ran (or its segment was disconnected). */
  get destroyed(): boolean {
    Barrier.#own(this);
    return this.native.destroyed;
  }

  /** Same as destroy(), for `using`. */
  [Symbol.dispose](): void {
    Barrier.#own(this);
    this.destroy();
  }
}
