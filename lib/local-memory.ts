// LocalMemory: page-aligned memory of this process registered as a local
// memory handle (rsm_create_localmemory_handle), for scatter/gather
// (ImportSegment.putv / getv). It owns the memory; `bytes` is a view of it
// that reads as empty once freed.

import { binding } from './binding';
import type { Controller } from './controller';
import { bytesOver, viewOver } from './memory-views';
import type { ViewClass } from './memory-views';
import type { NativeLocalMemory } from './native';
import { invalidThis, isObject } from './receiver';
import { nativeHandle } from './validate';

/**
 * Page-aligned memory of this process registered as a local memory handle
 * (rsm_create_localmemory_handle), the local side of scatter/gather
 * transfers ({@link ImportSegment.putv}, {@link ImportSegment.getv}). Made by
 * the controller; it owns its memory and shows it as `bytes`. Methods of a
 * freed handle throw an Error with code ERR_RSM_RELEASED.
 *
 * On loopback the handle is the memory's address. On any other controller
 * the library makes it a hidden export segment over the memory, published to
 * this node only with an automatic id (so the next automatic id moves on),
 * which the driver names in remote transfers (docs/semantics.md §4.10).
 */
export class LocalMemory {
  /** @internal */
  readonly native: NativeLocalMemory;
  /** The controller it was made through; releasing that frees this handle. */
  readonly controller: Controller;
  /** Length in bytes. */
  readonly size: number;
  #bytes: Uint8Array | undefined;

  /** TypeError ERR_INVALID_THIS unless `self` is a LocalMemory this package made. */
  static #own(self: unknown): void {
    if (!isObject(self) || !(#bytes in self)) throw invalidThis('LocalMemory');
  }

  /** @internal */
  constructor(native: NativeLocalMemory, controller: Controller) {
    this.native = nativeHandle(native, binding.NativeLocalMemory, 'LocalMemory');
    this.controller = controller;
    this.size = native.size;
  }

  /** The memory. Empty after free(). */
  get bytes(): Uint8Array {
    LocalMemory.#own(this);
    this.#bytes = bytesOver(this.native.buffer, this.#bytes);
    return this.#bytes;
  }

  /**
   * The memory as another typed view (e.g. `view(Float64Array)`), from byte
   * `offset` (default 0), `length` elements long (default: the rest); empty
   * after free().
   */
  view<T extends ArrayBufferView>(type: ViewClass<T>, offset?: number, length?: number): T {
    LocalMemory.#own(this);
    return viewOver(this.native.buffer, type, offset, length);
  }

  /** rsm_free_localmemory_handle, then the memory is freed; `bytes` becomes empty. Idempotent. */
  free(): void {
    LocalMemory.#own(this);
    this.native.free();
  }

  /** True once free() ran (or the controller was released). */
  get freed(): boolean {
    LocalMemory.#own(this);
    return this.native.freed;
  }

  /** Same as free(), for `using`. */
  [Symbol.dispose](): void {
    LocalMemory.#own(this);
    this.free();
  }
}
