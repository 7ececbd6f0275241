// ImportSegment: a connection to a segment published by some node
// (rsm_memseg_import_*). Data moves by put/get (copies, straight from and
// into the caller's typed arrays) or through a mapping (no copy).

import { binding } from './binding';
import { pageSize } from './backend';
import { Barrier } from './barrier';
import { BarrierMode, BarrierType, Limits, MapAttribute, Permission } from './constants';
import type { Controller } from './controller';
import { codedError, RsmError } from './errors';
import { LocalMemory } from './local-memory';
import { Mapping } from './mapping';
import type { NativeImportAccess, NativeImportSegment, NativeIoEntry } from './native';
import { signalIterator, waitForSignal } from './signals';
import type { SignalIteratorOptions, WaitOptions } from './signals';
import { runInBarrier } from './transfer-block';
import type { TransactionOptions } from './transfer-block';
import * as check from './validate';

/** Options of {@link ImportSegment.map}. */
export interface MapOptions {
  /** Segment offset of the window, a multiple of the page size (default 0). */
  offset?: number;
  /** Length of the window in bytes (any positive length inside the segment). */
  length: number;
  /** Permission.RDWR (default), Permission.READ or Permission.WRITE. */
  permission?: number;
  /**
   * RSM_MAP_FIXED: map at an address fixed in advance (a range the addon
   * reserves for it) rather than one the system picks. Makes no difference
   * to JavaScript; there for programs that test that path of their library.
   */
  fixed?: boolean;
}

/** One scatter/gather entry: `length` bytes between local memory and the segment. */
export interface IoEntry {
  /** A LocalMemory (sent as a local memory handle) or any typed array / DataView (sent by address). */
  local: LocalMemory | ArrayBufferView;
  /** Where in `local` (default 0). */
  localOffset?: number;
  /**
   * Where in the segment: a segment offset. One exception, as in librsm:
   * where the library copies through a mapping itself (the loopback
   * controller, and an import of a segment exported on this same node) and
   * the connection has an explicit mapping of a window, the offset is
   * relative to the start of that window. For a segment on another node the
   * driver always takes a segment offset, mapping or not
   * (docs/semantics.md §4.5, §5.9).
   */
  remoteOffset: number;
  /** Bytes to move (default: the rest of `local` after localOffset). */
  length?: number;
}

/** Options of {@link ImportSegment.putv} and {@link ImportSegment.getv}. */
export interface ScatterGatherOptions {
  /** RSM_IMPLICIT_SIGPOST: after a successful transfer, post an interrupt signal to the exporter. */
  signal?: boolean;
}

/** rsm_scat_gath_t flags. */
const IMPLICIT_SIGPOST = 0x01;

type Bits = 8 | 16 | 32 | 64;

/**
 * A connection to a segment another node (or this one) published
 * (rsm_memseg_import_connect and the other rsm_memseg_import_* functions).
 * Made by {@link Controller.connect}. Data moves with put/get (copies) or
 * through a {@link Mapping}. Failing RSMAPI calls throw {@link RsmError} (a
 * connection the exporter tore down: RSMERR_CONN_ABORTED); argument mistakes
 * throw TypeError/RangeError; methods of a disconnected segment throw an
 * Error with code ERR_RSM_RELEASED.
 */
export class ImportSegment {
  /** @internal */
  readonly native: NativeImportSegment;
  /** The controller it was connected through; releasing that disconnects this segment. */
  readonly controller: Controller;
  /** The exporting node. */
  readonly node: number;
  /** The segment id it was connected to. */
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
  /**
   * The mapping the facade made itself for a read-only or write-only
   * connection (see #prepare), from segment offset 0; never shown.
   */
  #autoMapping: Mapping | undefined;
  /** The segment's length once learnt (librsm does not tell importers). */
  #knownSize: number | undefined;
  /** put/get bound to this connection, without a receiver check per call. */
  readonly #access: NativeImportAccess;
  /**
   * True when transfers go straight to the library: the connection may map
   * the segment for reading and writing, so #prepare has nothing to do.
   */
  readonly #direct: boolean;

  /** @internal */
  constructor(native: NativeImportSegment, controller: Controller, node: number, segmentId: number, permission: number) {
    this.native = check.nativeHandle(native, binding.NativeImportSegment, 'ImportSegment');
    this.controller = controller;
    this.node = node;
    this.segmentId = segmentId;
    this.permission = permission;
    this.#access = native.access();
    this.#direct = permission !== Permission.READ && permission !== Permission.WRITE;
    this.barrier = new Barrier(native.initBarrier(BarrierType.SEGMENT));
  }

  /** rsm_memseg_import_put: writes all of `data` at segment `offset`. */
  put(offset: number, data: ArrayBufferView): void {
    const at = check.offset(offset);
    const view = check.view(data, 'data');
    if (this.#direct) this.#access.put(at, view);
    else this.#transfer(at + view.byteLength, () => this.#access.put(at, view));
  }

  /** rsm_memseg_import_get: fills `target` from segment `offset`; returns `target`. */
  get<T extends ArrayBufferView>(offset: number, target: T): T {
    const at = check.offset(offset);
    const view = check.view(target, 'target');
    if (this.#direct) this.#access.get(at, view);
    else this.#transfer(at + view.byteLength, () => this.#access.get(at, view));
    return target;
  }

  /** `length` bytes from segment `offset`, as a new Uint8Array. */
  read(offset: number, length: number): Uint8Array {
    return this.get(offset, allocate(Uint8Array, check.length(length), 'length'));
  }

  /** rsm_memseg_import_put8/16/32/64: each element is one access of its width. */
  put8(offset: number, values: Uint8Array | Int8Array): void {
    // One element: the same single put8 through the scalar function, which
    // skips reading the view in native code.
    if (this.#direct && ArrayBuffer.isView(values) && values.length === 1 && (values instanceof Uint8Array || values instanceof Int8Array)) {
      this.#access.store8(check.offset(offset), values[0]);
    } else {
      this.#putN(8, offset, values, 'Uint8Array or Int8Array');
    }
  }
  /**
   * rsm_memseg_import_put16: `values` into the segment at `offset`, one 16-bit access per element.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 2; RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  put16(offset: number, values: Uint16Array | Int16Array): void {
    if (this.#direct && ArrayBuffer.isView(values) && values.length === 1 && (values instanceof Uint16Array || values instanceof Int16Array)) {
      this.#access.store16(check.offset(offset), values[0]);
    } else {
      this.#putN(16, offset, values, 'Uint16Array or Int16Array');
    }
  }
  /**
   * rsm_memseg_import_put32: `values` into the segment at `offset`, one 32-bit access per element.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 4; RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  put32(offset: number, values: Uint32Array | Int32Array | Float32Array): void {
    // Float32Array elements are not integers: they take the view path.
    if (this.#direct && ArrayBuffer.isView(values) && values.length === 1 && (values instanceof Uint32Array || values instanceof Int32Array)) {
      this.#access.store32(check.offset(offset), values[0]);
    } else {
      this.#putN(32, offset, values, 'Uint32Array, Int32Array or Float32Array');
    }
  }
  /**
   * rsm_memseg_import_put64: `values` into the segment at `offset`, one 64-bit access per element.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 8; RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  put64(offset: number, values: BigUint64Array | BigInt64Array | Float64Array): void {
    if (this.#direct && ArrayBuffer.isView(values) && values.length === 1 && (values instanceof BigUint64Array || values instanceof BigInt64Array)) {
      this.#access.store64(check.offset(offset), values[0]);
    } else {
      this.#putN(64, offset, values, 'BigUint64Array, BigInt64Array or Float64Array');
    }
  }

  /** rsm_memseg_import_get8/16/32/64 into `target`; returns `target`. */
  get8<T extends Uint8Array | Int8Array>(offset: number, target: T): T {
    // One element: the same single get8 through the scalar function; storing
    // the unsigned value into a signed array keeps its bits.
    if (this.#direct && ArrayBuffer.isView(target) && target.length === 1 && (target instanceof Uint8Array || target instanceof Int8Array)) {
      target[0] = this.#access.load8(check.offset(offset));
      return target;
    }
    return this.#getN(8, offset, target, 'Uint8Array or Int8Array');
  }
  /**
   * rsm_memseg_import_get16: fills `target` from the segment at `offset`, one 16-bit access per element; returns `target`.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 2; RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  get16<T extends Uint16Array | Int16Array>(offset: number, target: T): T {
    if (this.#direct && ArrayBuffer.isView(target) && target.length === 1 && (target instanceof Uint16Array || target instanceof Int16Array)) {
      target[0] = this.#access.load16(check.offset(offset));
      return target;
    }
    return this.#getN(16, offset, target, 'Uint16Array or Int16Array');
  }
  /**
   * rsm_memseg_import_get32: fills `target` from the segment at `offset`, one 32-bit access per element; returns `target`.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 4; RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  get32<T extends Uint32Array | Int32Array | Float32Array>(offset: number, target: T): T {
    if (this.#direct && ArrayBuffer.isView(target) && target.length === 1 && (target instanceof Uint32Array || target instanceof Int32Array)) {
      target[0] = this.#access.load32(check.offset(offset));
      return target;
    }
    return this.#getN(32, offset, target, 'Uint32Array, Int32Array or Float32Array');
  }
  /**
   * rsm_memseg_import_get64: fills `target` from the segment at `offset`, one 64-bit access per element; returns `target`.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 8; RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  get64<T extends BigUint64Array | BigInt64Array | Float64Array>(offset: number, target: T): T {
    if (this.#direct && ArrayBuffer.isView(target) && target.length === 1 && (target instanceof BigUint64Array || target instanceof BigInt64Array)) {
      target[0] = this.#access.load64(check.offset(offset));
      return target;
    }
    return this.#getN(64, offset, target, 'BigUint64Array, BigInt64Array or Float64Array');
  }

  /** `count` elements of 8/16/32/64 bits from segment `offset`, one access each, as a new array. */
  read8(offset: number, count: number): Uint8Array {
    return this.get8(offset, allocate(Uint8Array, check.length(count, 'count'), 'count'));
  }
  /** rsm_memseg_import_get16 of `count` elements from `offset`, as a new array (errors as get16). */
  read16(offset: number, count: number): Uint16Array {
    return this.get16(offset, allocate(Uint16Array, check.length(count, 'count'), 'count'));
  }
  /** rsm_memseg_import_get32 of `count` elements from `offset`, as a new array (errors as get32). */
  read32(offset: number, count: number): Uint32Array {
    return this.get32(offset, allocate(Uint32Array, check.length(count, 'count'), 'count'));
  }
  /** rsm_memseg_import_get64 of `count` elements from `offset`, as a new array (errors as get64). */
  read64(offset: number, count: number): BigUint64Array {
    return this.get64(offset, allocate(BigUint64Array, check.length(count, 'count'), 'count'));
  }

  /**
   * rsm_memseg_import_get8 of the one byte at `offset`, as a number from 0 to 255.
   * @throws {RsmError} RSMERR_BAD_OFFSET outside the segment (or the mapped window).
   */
  load8(offset: number): number {
    const at = check.offset(offset);
    return this.#direct ? this.#access.load8(at) : this.#transfer(at + 1, () => this.#access.load8(at));
  }
  /**
   * rsm_memseg_import_get16 of one element at `offset`, as a number from 0 to 65535.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 2; RSMERR_BAD_OFFSET outside the segment.
   */
  load16(offset: number): number {
    const at = check.offset(offset);
    return this.#direct ? this.#access.load16(at) : this.#transfer(at + 2, () => this.#access.load16(at));
  }
  /**
   * rsm_memseg_import_get32 of one element at `offset`, as a number from 0 to 2^32 - 1.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 4; RSMERR_BAD_OFFSET outside the segment.
   */
  load32(offset: number): number {
    const at = check.offset(offset);
    return this.#direct ? this.#access.load32(at) : this.#transfer(at + 4, () => this.#access.load32(at));
  }
  /**
   * rsm_memseg_import_get64 of one element at `offset`, as an unsigned bigint.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 8; RSMERR_BAD_OFFSET outside the segment.
   */
  load64(offset: number): bigint {
    const at = check.offset(offset);
    return this.#direct ? this.#access.load64(at) : this.#transfer(at + 8, () => this.#access.load64(at));
  }

  /**
   * rsm_memseg_import_put8 of one byte: `value` is an integer from -128 to
   * 255 (stored modulo 2^8, so signed and unsigned bytes both work).
   * @throws {RangeError} for any other number; {@link RsmError} RSMERR_BAD_OFFSET outside the segment.
   */
  store8(offset: number, value: number): void {
    const at = check.offset(offset);
    if (this.#direct) this.#access.store8(at, value);
    else this.#transfer(at + 1, () => this.#access.store8(at, value));
  }
  /**
   * rsm_memseg_import_put16 of one element: `value` is an integer from -32768 to 65535.
   * @throws {RangeError} for any other number; {@link RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 2.
   */
  store16(offset: number, value: number): void {
    const at = check.offset(offset);
    if (this.#direct) this.#access.store16(at, value);
    else this.#transfer(at + 2, () => this.#access.store16(at, value));
  }
  /**
   * rsm_memseg_import_put32 of one element: `value` is an integer from -2^31 to 2^32 - 1.
   * @throws {RangeError} for any other number; {@link RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 4.
   */
  store32(offset: number, value: number): void {
    const at = check.offset(offset);
    if (this.#direct) this.#access.store32(at, value);
    else this.#transfer(at + 4, () => this.#access.store32(at, value));
  }
  /**
   * rsm_memseg_import_put64 of one element: `value` is a bigint from -(2^63) to 2^64 - 1.
   * @throws {RangeError} for any other bigint, TypeError for a number; {@link RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 8.
   */
  store64(offset: number, value: bigint): void {
    const at = check.offset(offset);
    if (this.#direct) this.#access.store64(at, value);
    else this.#transfer(at + 8, () => this.#access.store64(at, value));
  }

  /**
   * rsm_memseg_import_putv: up to 16 transfers from local memory into the
   * segment in one call. Returns the number of entries not done (0).
   */
  putv(entries: readonly IoEntry[], options?: ScatterGatherOptions): number {
    return this.#scatterGather(true, entries, options);
  }

  /** rsm_memseg_import_getv: up to 16 transfers from the segment into local memory. */
  getv(entries: readonly IoEntry[], options?: ScatterGatherOptions): number {
    return this.#scatterGather(false, entries, options);
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
    const attr = check.boolean(opts.fixed, 'options.fixed') ? MapAttribute.FIXED : MapAttribute.NONE;
    // The facade's own mapping gives way to the caller's.
    this.#dropAutoMapping();
    const mapping = new Mapping(this.native.map(offset, length, permission, attr));
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
    if (this.#autoMapping !== undefined && !this.#autoMapping.unmapped) {
      this.#dropAutoMapping();
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
   * Runs `block` (synchronous transfers on this segment) between an open and
   * a close of the segment's barrier, in explicit mode for the span, and
   * returns its result. A close that reports RSMERR_BARRIER_FAILURE runs the
   * block again, at most `retries` times; RSMERR_CONN_ABORTED (the exporter
   * went away at any time since connect) is thrown at once, since only a
   * new connection helps.
   */
  transaction<R>(block: (segment: this) => R, options?: TransactionOptions): R {
    return runInBarrier(this, block, options);
  }

  /** rsm_intr_signal_post: one event to the exporter's segment (dropped if it is gone). */
  signal(): void {
    this.native.signal();
  }

  /** Lets a pending or later wait for a signal keep the process alive (the default), as net.Socket#ref. */
  ref(): this {
    this.native.setRef(true);
    return this;
  }

  /** A wait for a signal no longer keeps the process alive; one pending at exit rejects with ERR_RSM_EXITING. */
  unref(): this {
    this.native.setRef(false);
    return this;
  }

  /**
   * Resolves when one event posted to this import (by the exporter's
   * signal()) has been consumed. One wait at a time per segment
   * (ERR_RSM_BUSY); disconnect() during the wait rejects it with
   * ERR_RSM_RELEASED. When the exporter tears the connection down
   * (unpublish, destroy, its node dies), an event already counted is still
   * taken, and otherwise the wait rejects with RsmError
   * RSMERR_CONN_ABORTED, as does a new one: disconnect and connect again.
   * (The simulator reports this; with a real librsm, which wakes no waiter
   * at a forced disconnect, the wait stays pending until its timeout.)
   */
  waitForSignal(options?: WaitOptions): Promise<void> {
    return waitForSignal(this.native, options);
  }

  /** The events posted to this import, one iteration each, until aborted, disconnected or torn down (RSMERR_CONN_ABORTED). */
  signals(options?: SignalIteratorOptions): AsyncGenerator<void, void, undefined> {
    return signalIterator(this.native, options);
  }

  /**
   * rsm_memseg_get_pollfd: a descriptor that is readable (POLLRDNORM) while
   * events are pending, for use with pollSignals() or your own poller. Each
   * call takes a reference; disconnect() fails with RSMERR_POLLFD_IN_USE until
   * each is given back with releasePollDescriptor().
   */
  pollDescriptor(): number {
    return this.native.pollDescriptor();
  }

  /** rsm_memseg_release_pollfd for one pollDescriptor() reference; false when none is held. */
  releasePollDescriptor(): boolean {
    return this.native.releasePollDescriptor();
  }

  /**
   * rsm_memseg_import_disconnect. Throws RSMERR_SEG_STILL_MAPPED while an
   * explicit mapping exists, as librsm does; `[Symbol.dispose]` unmaps first.
   * Idempotent.
   */
  disconnect(): void {
    if (!this.native.disconnected) this.#dropAutoMapping();
    this.native.disconnect();
  }

  /** True once disconnect() succeeded (or the controller was released). */
  get disconnected(): boolean {
    return this.native.disconnected;
  }

  /** Unmaps an explicit mapping if there is one, then disconnect(), for `using`. */
  [Symbol.dispose](): void {
    if (this.native.disconnected) return;
    if (this.mapping !== undefined) this.mapping.unmap();
    this.disconnect();
  }

  #putN(bits: Bits, offset: number, values: ArrayBufferView, kinds: string): void {
    const at = check.offset(offset);
    const view = elements(values, bits, 'values', kinds);
    if (this.#direct) this.#access.putN(bits, at, view);
    else this.#transfer(at + view.byteLength, () => this.#access.putN(bits, at, view));
  }

  #getN<T extends ArrayBufferView>(bits: Bits, offset: number, target: T, kinds: string): T {
    const at = check.offset(offset);
    const view = elements(target, bits, 'target', kinds);
    if (this.#direct) this.#access.getN(bits, at, view);
    else this.#transfer(at + view.byteLength, () => this.#access.getN(bits, at, view));
    return target;
  }

  #scatterGather(put: boolean, entries: readonly IoEntry[], options: ScatterGatherOptions | undefined): number {
    const opts = check.object<ScatterGatherOptions>(options, 'options');
    const flags = check.boolean(opts.signal, 'options.signal') ? IMPLICIT_SIGPOST : 0;
    const list = ioEntries(entries);
    const end = list.reduce((max, e) => Math.max(max, e.remoteOffset + e.length), 0);
    return this.#transfer(end, () => (put ? this.#access.putv(list, flags) : this.#access.getv(list, flags)));
  }

  /**
   * Runs a data transfer that touches the segment up to byte `end`. librsm
   * moves data only through a mapping and, when there is none, maps the
   * whole segment for reading *and* writing, which a connection made with
   * only READ or only WRITE may not do (RSMERR_BAD_PERMS). For those the
   * facade first maps the segment itself with the connection's own
   * permission; the library then judges the transfer (a put on a read-only
   * connection is its RSMERR_PERM_DENIED). Where that mapping is refused the
   * library's own error comes through, with what to do added.
   */
  #transfer<R>(end: number, run: () => R): R {
    const refusal = this.#prepare(end);
    try {
      return run();
    } catch (e) {
      if (refusal !== undefined && e instanceof RsmError) {
        e.message += ` (${explainRefusal(this.permission, refusal)})`;
      }
      throw e;
    }
  }

  /** Maps for a READ-only or WRITE-only connection; returns the map error if refused. */
  #prepare(end: number): RsmError | undefined {
    const p = this.permission;
    if ((p !== Permission.READ && p !== Permission.WRITE) || this.native.disconnected) return undefined;
    if (this.#mapping !== undefined && !this.#mapping.unmapped) return undefined;  // the caller's window rules
    const page = pageSize;
    let want = Math.max(page, Math.ceil(end / page) * page);
    if (this.#knownSize !== undefined) want = Math.min(want, this.#knownSize);
    const have = this.#autoMapping !== undefined && !this.#autoMapping.unmapped ? this.#autoMapping.length : 0;
    if (have >= want) return undefined;
    this.#dropAutoMapping();
    const first = this.#tryMap(want);
    if (first === undefined) return undefined;
    if (first.code !== 'RSMERR_BAD_LENGTH') {
      if (have > 0) this.#tryMap(have);
      return first;
    }
    // Past the end of the segment: find its length (whole pages, between
    // what mapped before and what did not) and map all of it, so the library
    // reports the range itself (RSMERR_BAD_OFFSET), as for other connections.
    let lo = have / page;
    let hi = want / page;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const failure = this.#tryMap(mid * page);
      if (failure === undefined) {
        lo = mid;
        this.#dropAutoMapping();
      } else if (failure.code === 'RSMERR_BAD_LENGTH') {
        hi = mid;
      } else {
        return failure;
      }
    }
    this.#knownSize = lo * page;
    if (lo > 0) return this.#tryMap(lo * page);
    return undefined;
  }

  #tryMap(length: number): RsmError | undefined {
    try {
      this.#autoMapping = new Mapping(this.native.map(0, length, this.permission, MapAttribute.NONE));
      return undefined;
    } catch (e) {
      if (e instanceof RsmError) return e;
      throw e;
    }
  }

  #dropAutoMapping(): void {
    const m = this.#autoMapping;
    this.#autoMapping = undefined;
    if (m !== undefined && !m.unmapped) m.unmap();
  }
}

function explainRefusal(permission: number, refusal: RsmError): string {
  const kind = permission === Permission.READ ? 'read-only' : 'write-only';
  const what = permission === Permission.READ ? 'reading' : 'writing';
  let advice: string;
  if (refusal.code === 'RSMERR_BAD_PERMS') {
    advice =
      'the mode the exporter granted this node lacks the owner bit for it (an access-list entry such as 0o044 ' +
      'lets a non-owner connect but never map); ask the exporter for an entry with owner bits, e.g. 0o644';
  } else if (refusal.code === 'RSMERR_CONN_ABORTED') {
    advice = 'the connection was torn down; disconnect() and connect again';
  } else {
    advice = 'map() a window yourself and transfer within it';
  }
  return `librsm moves data only through a mapping; this ${kind} connection was to be mapped for ${what}, ` +
    `but rsm_memseg_import_map answered ${refusal.code}: ${advice}`;
}

/** Checks scatter/gather entries and fills in their defaults. */
function ioEntries(entries: unknown): NativeIoEntry[] {
  if (!Array.isArray(entries)) {
    throw codedError(new TypeError(`entries must be an array, got ${check.describe(entries)}`), 'ERR_INVALID_ARG_TYPE');
  }
  if (entries.length === 0 || entries.length > Limits.MAX_SGIO_REQUESTS) {
    throw codedError(
      new RangeError(`entries must hold 1 to ${Limits.MAX_SGIO_REQUESTS} entries, got ${entries.length}`),
      'RSMERR_BAD_SGIO',
    );
  }
  return entries.map((raw: unknown, i): NativeIoEntry => {
    const name = `entries[${i}]`;
    if (raw === null || typeof raw !== 'object') {
      throw codedError(new TypeError(`${name} must be an object { local, remoteOffset }`), 'ERR_INVALID_ARG_TYPE');
    }
    const e = raw as Partial<IoEntry>;
    let size: number;
    let local: NativeIoEntry['local'];
    if (e.local instanceof LocalMemory) {
      size = e.local.size;
      local = e.local.native;
    } else if (ArrayBuffer.isView(e.local)) {
      size = e.local.byteLength;
      local = e.local;
    } else {
      throw codedError(
        new TypeError(`${name}.local must be a LocalMemory or a TypedArray/DataView, got ${check.describe(e.local)}`),
        'ERR_INVALID_ARG_TYPE',
      );
    }
    const localOffset = e.localOffset === undefined ? 0 : check.length(e.localOffset, `${name}.localOffset`);
    const remoteOffset = check.offset(e.remoteOffset, `${name}.remoteOffset`);
    const length = e.length === undefined ? Math.max(0, size - localOffset) : check.length(e.length, `${name}.length`);
    if (localOffset + length > size) {
      throw codedError(
        new RangeError(`${name}: ${length} bytes at local offset ${localOffset} run past the ${size}-byte local memory`),
        'ERR_OUT_OF_RANGE',
      );
    }
    return { local, localOffset, remoteOffset, length };
  });
}

/** A new typed array of `count` elements; RSMERR_BAD_LENGTH when no array can be that long. */
function allocate<T>(type: new (count: number) => T, count: number, name: string): T {
  try {
    return new type(count);
  } catch {
    throw codedError(new RangeError(`${name} ${count} is more than one array can hold`), 'RSMERR_BAD_LENGTH');
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
