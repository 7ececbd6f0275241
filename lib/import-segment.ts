// ImportSegment: a connection to a segment published by some node
// (rsm_memseg_import_*). Data moves by put/get (copies, straight from and
// into the caller's typed arrays) or through a mapping (no copy).

import { Barrier } from './barrier';
import { BarrierMode, BarrierType, MapAttribute, Permission } from './constants';
import type { Controller } from './controller';
import { codedError } from './errors';
import { Mapping } from './mapping';
import type { NativeImportSegment } from './native';
import * as check from './validate';

export interface MapOptions {
  /** Segment offset of the window, a multiple of the page size (default 0). */
  offset?: number;
  /** Length of the window in bytes (any positive length inside the segment). */
  length: number;
  /** Permission.RDWR (default), Permission.READ or Permission.WRITE. */
  permission?: number;
}

type Bits = 8 | 16 | 32 | 64;

export class ImportSegment {
  /** @internal */
  readonly native: NativeImportSegment;
  readonly controller: Controller;
  /** The exporting node. */
  readonly node: number;
  readonly segmentId: number;
  /** The permission asked for at connect. */
  readonly permission: number;
  /**
   * The barrier made at connect. In the default implicit mode librsm brackets
   * every put/get with it and reports a torn-down connection as
   * RSMERR_CONN_ABORTED; use it directly in explicit mode.
   */
  readonly barrier: Barrier;
  #mapping: Mapping | undefined;

  /** @internal */
  constructor(native: NativeImportSegment, controller: Controller, node: number, segmentId: number, permission: number) {
    this.native = native;
    this.controller = controller;
    this.node = node;
    this.segmentId = segmentId;
    this.permission = permission;
    this.barrier = new Barrier(native.initBarrier(BarrierType.SEGMENT));
  }

  /** rsm_memseg_import_put: writes all of `data` at segment `offset`. */
  put(offset: number, data: ArrayBufferView): void {
    this.native.put(check.offset(offset), check.view(data, 'data'));
  }

  /** rsm_memseg_import_get: fills `target` from segment `offset`; returns `target`. */
  get<T extends ArrayBufferView>(offset: number, target: T): T {
    this.native.get(check.offset(offset), check.view(target, 'target'));
    return target;
  }

  /** `length` bytes from segment `offset`, as a new Uint8Array. */
  read(offset: number, length: number): Uint8Array {
    return this.get(offset, new Uint8Array(check.length(length)));
  }

  /** rsm_memseg_import_put8/16/32/64: each element is one access of its width. */
  put8(offset: number, values: Uint8Array | Int8Array): void {
    this.#putN(8, offset, values, 'Uint8Array or Int8Array');
  }
  put16(offset: number, values: Uint16Array | Int16Array): void {
    this.#putN(16, offset, values, 'Uint16Array or Int16Array');
  }
  put32(offset: number, values: Uint32Array | Int32Array | Float32Array): void {
    this.#putN(32, offset, values, 'Uint32Array, Int32Array or Float32Array');
  }
  put64(offset: number, values: BigUint64Array | BigInt64Array | Float64Array): void {
    this.#putN(64, offset, values, 'BigUint64Array, BigInt64Array or Float64Array');
  }

  /** rsm_memseg_import_get8/16/32/64 into `target`; returns `target`. */
  get8<T extends Uint8Array | Int8Array>(offset: number, target: T): T {
    return this.#getN(8, offset, target, 'Uint8Array or Int8Array');
  }
  get16<T extends Uint16Array | Int16Array>(offset: number, target: T): T {
    return this.#getN(16, offset, target, 'Uint16Array or Int16Array');
  }
  get32<T extends Uint32Array | Int32Array | Float32Array>(offset: number, target: T): T {
    return this.#getN(32, offset, target, 'Uint32Array, Int32Array or Float32Array');
  }
  get64<T extends BigUint64Array | BigInt64Array | Float64Array>(offset: number, target: T): T {
    return this.#getN(64, offset, target, 'BigUint64Array, BigInt64Array or Float64Array');
  }

  /**
   * rsm_memseg_import_map: maps a window of the segment. One mapping per
   * connection; a put/get before it maps the whole segment implicitly, after
   * which map() fails with RSMERR_SEG_ALREADY_MAPPED until unmap().
   */
  map(options: MapOptions): Mapping {
    const opts = check.object<MapOptions>(options, 'options');
    const offset = opts.offset === undefined ? 0 : check.offset(opts.offset, 'options.offset');
    const length = check.length(opts.length, 'options.length');
    const permission = opts.permission === undefined ? Permission.RDWR : check.uint32(opts.permission, 'options.permission');
    const mapping = new Mapping(this.native.map(offset, length, permission, MapAttribute.NONE));
    this.#mapping = mapping;
    return mapping;
  }

  /** The explicit mapping, while there is one. */
  get mapping(): Mapping | undefined {
    return this.#mapping !== undefined && !this.#mapping.unmapped ? this.#mapping : undefined;
  }

  /** rsm_memseg_import_unmap: removes the mapping (explicit or implicit). */
  unmap(): void {
    if (this.#mapping !== undefined && !this.#mapping.unmapped) {
      this.#mapping.unmap();
      return;
    }
    this.native.unmap();
  }

  /** rsm_memseg_import_get_mode. */
  get mode(): BarrierMode {
    return this.native.getMode() as BarrierMode;
  }

  /** rsm_memseg_import_set_mode: BarrierMode.IMPLICIT (default) or BarrierMode.EXPLICIT. */
  setMode(mode: BarrierMode): void {
    this.native.setMode(check.uint32(mode, 'mode', 'RSMERR_BAD_MODE'));
  }

  /**
   * rsm_memseg_import_disconnect. Throws RSMERR_SEG_STILL_MAPPED while an
   * explicit mapping exists, as librsm does; `[Symbol.dispose]` unmaps first.
   * Idempotent.
   */
  disconnect(): void {
    this.native.disconnect();
  }

  get disconnected(): boolean {
    return this.native.disconnected;
  }

  [Symbol.dispose](): void {
    if (this.native.disconnected) return;
    if (this.mapping !== undefined) this.mapping.unmap();
    this.disconnect();
  }

  #putN(bits: Bits, offset: number, values: ArrayBufferView, kinds: string): void {
    this.native.putN(bits, check.offset(offset), elements(values, bits, 'values', kinds));
  }

  #getN<T extends ArrayBufferView>(bits: Bits, offset: number, target: T, kinds: string): T {
    this.native.getN(bits, check.offset(offset), elements(target, bits, 'target', kinds));
    return target;
  }
}

/** A typed array whose element width is `bits`. */
function elements(value: unknown, bits: Bits, name: string, kinds: string): ArrayBufferView {
  const v = check.view(value, name);
  const width = (v as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT;
  if (width !== bits / 8 || v instanceof DataView) {
    throw codedError(new TypeError(`${name} must be a ${kinds}, got ${check.describe(value)}`), 'ERR_INVALID_ARG_TYPE');
  }
  return v;
}
