// Mapping: a window of an import segment mapped into this process
// (rsm_memseg_import_map). A writable mapping is shown as typed views over
// the remote memory itself; the views read as empty once it is unmapped, so
// a stale view can never touch memory that has gone away.

import { binding } from './binding';
import { codedError } from './errors';
import { bytesOver, viewOver } from './memory-views';
import type { ViewClass } from './memory-views';
import type { NativeMapping } from './native';
import { invalidThis, isObject } from './receiver';
import { countersOf } from './stats';
import * as check from './validate';

/**
 * A window of an import segment mapped into this process
 * (rsm_memseg_import_map), made by {@link ImportSegment.map}. A writable
 * mapping shows the remote memory itself as typed views; they read as empty
 * once it is unmapped. A read-only mapping has no views (ERR_RSM_READONLY_MAPPING):
 * read it with read(). Methods of an unmapped mapping throw an Error with
 * code ERR_RSM_RELEASED.
 */
export class Mapping {
  /** @internal */
  readonly native: NativeMapping;
  /** Segment offset where the window starts. */
  readonly offset: number;
  /** Length of the window in bytes. */
  readonly length: number;
  /** False for a mapping made with only Permission.READ: JavaScript can only copy out of it (read()). */
  readonly writable: boolean;
  #bytes: Uint8Array | undefined;

  /** TypeError ERR_INVALID_THIS unless `self` is a Mapping this package made. */
  static #own(self: unknown): void {
    if (!isObject(self) || !(#bytes in self)) throw invalidThis('Mapping');
  }

  /** @internal */
  constructor(native: NativeMapping) {
    this.native = check.nativeHandle(native, binding.NativeMapping, 'Mapping');
    this.offset = native.offset;
    this.length = native.length;
    this.writable = native.writable;
  }

  /** The window as bytes (index 0 is segment offset `offset`). Writable mappings only. */
  get bytes(): Uint8Array {
    Mapping.#own(this);
    this.#bytes = bytesOver(this.native.buffer, this.#bytes);
    return this.#bytes;
  }

  /**
   * The window as another typed view, e.g. `view(Float64Array)`, from byte
   * `offset` of the window (default 0), `length` elements long (default: the
   * rest). Writable mappings only.
   */
  view<T extends ArrayBufferView>(type: ViewClass<T>, offset?: number, length?: number): T {
    Mapping.#own(this);
    return viewOver(this.native.buffer, type, offset, length);
  }

  /**
   * Copies from the window (at `at` bytes into it) into `target`; works for
   * read-only mappings too. Returns `target`.
   */
  read<T extends ArrayBufferView>(at: number, target: T): T {
    Mapping.#own(this);
    check.offset(at, 'at');
    check.view(target, 'target');
    if (at + target.byteLength > this.length) {
      throw codedError(
        new RangeError(`reading ${target.byteLength} bytes at ${at} runs past the ${this.length}-byte mapping`),
        'RSMERR_BAD_OFFSET',
      );
    }
    this.native.read(at, target);
    return target;
  }

  /** rsm_memseg_import_unmap; views are emptied first. Idempotent. */
  unmap(): void {
    Mapping.#own(this);
    const mapped = !this.native.unmapped;
    this.native.unmap();
    if (mapped) countersOf(this.native).unmaps++;
  }

  /** True once unmap() ran (or its segment went away). */
  get unmapped(): boolean {
    Mapping.#own(this);
    return this.native.unmapped;
  }

  /** Same as unmap(), for `using`. */
  [Symbol.dispose](): void {
    Mapping.#own(this);
    this.unmap();
  }
}
