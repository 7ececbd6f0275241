// Barrier: the error-detection scope of an import segment
// (rsm_memseg_import_*_barrier). close() reports a connection torn down at
// any time since connect.

import type { NativeBarrier } from './native';

export class Barrier {
  /** @internal */
  readonly native: NativeBarrier;

  /** @internal */
  constructor(native: NativeBarrier) {
    this.native = native;
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

  get destroyed(): boolean {
    return this.native.destroyed;
  }

  [Symbol.dispose](): void {
    this.destroy();
  }
}
