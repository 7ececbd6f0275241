// Barrier: the error-detection scope of an import segment
// (rsm_memseg_import_*_barrier). close() reports a connection torn down at
// any time since connect.

import { binding } from './binding';
import type { NativeBarrier } from './native';
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

  /** @internal */
  constructor(native: NativeBarrier) {
    this.native = nativeHandle(native, binding.NativeBarrier, 'Barrier');
  }

  /** rsm_memseg_import_open_barrier. */
  open(): void {
    this.native.open();
  }

  /** rsm_memseg_import_order_barrier: earlier writes complete before later ones. */
  order(): void {
    this.native.order();
  }

  /** rsm_memseg_import_close_barrier: throws RSMERR_CONN_ABORTED if the connection was torn down. */
  close(): void {
    this.native.close();
  }

  /** rsm_memseg_import_destroy_barrier. Idempotent. */
  destroy(): void {
    this.native.destroy();
  }

  /** True once destroy() ran (or its segment was disconnected). */
  get destroyed(): boolean {
    return this.native.destroyed;
  }

  /** Same as destroy(), for `using`. */
  [Symbol.dispose](): void {
    this.destroy();
  }
}
