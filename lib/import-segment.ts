// ImportSegment: a connection to a segment published by some node
// (rsm_memseg_import_*). Data moves by put/get (copies, straight from and
// into the caller's typed arrays) or through a mapping (no copy). The
// mapping policy of read-only and write-only connections lives in
// auto-mapping.ts, scatter/gather entries in scatter-gather.ts, the access
// widths in widths.ts.

import { AutoMapping } from './auto-mapping';
import { Barrier } from './barrier';
import { binding } from './binding';
import { BarrierMode, BarrierType, MapAttribute, Permission } from './constants';
import type { Controller } from './controller';
import { codedError } from './errors';
import type { RsmError } from './errors';
import { Mapping } from './mapping';
import type { NativeImportAccess, NativeImportSegment } from './native';
import { invalidThis, isObject } from './receiver';
import { withScatterGather } from './scatter-gather';
import type { IoEntry, ScatterGatherOptions } from './scatter-gather';
import { signalIterator, waitForSignal } from './signals';
import { countersOf, countInto, importStats } from './stats';
import type { ImportStats } from './stats';
import { originImport, traceChannels, traceSync } from './tracing';
import type { SignalIteratorOptions, WaitOptions } from './signals';
import { ImportLifecycle } from './segment-lifecycle';
import type { ImportState, ProbeOptions } from './segment-lifecycle';
import { runTransaction } from './transaction';
import type { SyncResult, TransactionOptions } from './transaction';
import * as check from './validate';
import { elements, W16, W32, W64, W8 } from './widths';
import type { Width } from './widths';

export type { IoEntry, ScatterGatherOptions } from './scatter-gather';
export type { ImportState, ProbeOptions } from './segment-lifecycle';

/** Options of {@link ImportSegment.map}. */
export interface MapOptions {
  /** Segment offset of the window, a multiple of the page size (default 0). */
  offset?: number;
  /** Length of the window in bytes (any positive length inside the segment). */
  length: number;
  /** Permission.RDWR (default), Permission.READ or Permission.WRITE. */
  permission?: Permission;
  /**
   * RSM_MAP_FIXED: map at an address fixed in advance (a range the addon
   * reserves for it) rather than one the system picks. Makes no difference
   * to JavaScript; there for programs that test that path of their library.
   */
  fixed?: boolean;
}

/**
 * A connection to a segment another node (or this one) published
 * (rsm_memseg_import_connect and the other rsm_memseg_import_* functions).
 * Made by {@link Controller.connect}. Data moves with put/get (copies) or
 * through a {@link Mapping}. Failing RSMAPI calls throw {@link RsmError} (a
 * connection the exporter tore down: RSMERR_CONN_ABORTED); argument mistakes
 * throw TypeError/RangeError; methods of a disconnected segment throw an
 * Error with code ERR_RSM_RELEASED.
 *
 * @example
 * ```ts
 * const imp = await ctl.connect(1, 0x100000);          // node 1's segment
 * const hello = imp.read(0, 5);                        // a copy (get)
 * imp.put(64, new Uint32Array([1, 2, 3]));            // stores (put)
 * const m = imp.map({ length: 4096 });                 // or work in place
 * m.view(Uint32Array)[0] += 1;
 * m.unmap();
 * imp.signal();                                        // wake the exporter
 * imp.disconnect();
 * ```
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
  readonly permission: Permission;
  /**
   * The barrier made at connect. In the default implicit mode librsm brackets
   * every put/get with it and reports a torn-down connection as
   * RSMERR_CONN_ABORTED; use it directly in explicit mode.
   */
  readonly barrier: Barrier;
  #mapping: Mapping | undefined;
  /** put/get bound to this connection, without a receiver check per call. */
  readonly #access: NativeImportAccess;
  /**
   * The facade's own mapping of a READ-only or WRITE-only connection;
   * undefined for the others, whose transfers go straight to the library.
   */
  readonly #auto: AutoMapping | undefined;
  /** Connected, lost or disconnected, from the errors calls report (segment-lifecycle.ts). */
  readonly #life: ImportLifecycle;

  /** TypeError ERR_INVALID_THIS unless `self` is an ImportSegment this package made. */
  static #own(self: unknown): asserts self is ImportSegment {
    if (!isObject(self) || !(#access in self)) throw invalidThis('ImportSegment');
  }

  /** @internal */
  constructor(native: NativeImportSegment, controller: Controller, node: number, segmentId: number, permission: Permission) {
    this.native = check.nativeHandle(native, binding.NativeImportSegment, 'ImportSegment');
    this.controller = controller;
    this.node = node;
    this.segmentId = segmentId;
    this.permission = permission;
    this.#life = new ImportLifecycle(native);
    this.#access = this.#life.guard(native.access());
    this.#auto = AutoMapping.for(native, permission);
    this.barrier = this.#life.barrier(native.initBarrier(BarrierType.SEGMENT));
    originImport(native, this.barrier.native, controller.name, node, segmentId);
  }

  /** rsm_memseg_import_put: writes all of `data` at segment `offset`. */
  put(offset: number, data: ArrayBufferView): void {
    ImportSegment.#own(this);
    const at = check.offset(offset);
    const view = check.view(data, 'data');
    if (this.#auto === undefined) this.#access.put(at, view);
    else this.#transfer(at + view.byteLength, () => this.#access.put(at, view));
  }

  /** rsm_memseg_import_get: fills `target` from segment `offset`; returns `target`. */
  get<T extends ArrayBufferView>(offset: number, target: T): T {
    ImportSegment.#own(this);
    const at = check.offset(offset);
    const view = check.view(target, 'target');
    if (this.#auto === undefined) this.#access.get(at, view);
    else this.#transfer(at + view.byteLength, () => this.#access.get(at, view));
    return target;
  }

  /** `length` bytes from segment `offset`, as a new Uint8Array. */
  read(offset: number, length: number): Uint8Array {
    ImportSegment.#own(this);
    return this.get(offset, allocate(Uint8Array, check.length(length), 'length'));
  }

  /**
   * rsm_memseg_import_put8: `values` into the segment at `offset`, one 8-bit access per element.
   * @throws {RsmError} RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  put8(offset: number, values: Uint8Array | Int8Array): void {
    ImportSegment.#putWidth(this, W8, offset, values);
  }
  /**
   * rsm_memseg_import_put16: `values` into the segment at `offset`, one 16-bit access per element.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 2; RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  put16(offset: number, values: Uint16Array | Int16Array): void {
    ImportSegment.#putWidth(this, W16, offset, values);
  }
  /**
   * rsm_memseg_import_put32: `values` into the segment at `offset`, one 32-bit access per element.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 4; RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  put32(offset: number, values: Uint32Array | Int32Array | Float32Array): void {
    ImportSegment.#putWidth(this, W32, offset, values);
  }
  /**
   * rsm_memseg_import_put64: `values` into the segment at `offset`, one 64-bit access per element.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 8; RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  put64(offset: number, values: BigUint64Array | BigInt64Array | Float64Array): void {
    ImportSegment.#putWidth(this, W64, offset, values);
  }

  /**
   * rsm_memseg_import_get8: fills `target` from the segment at `offset`, one 8-bit access per element; returns `target`.
   * @throws {RsmError} RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  get8<T extends Uint8Array | Int8Array>(offset: number, target: T): T {
    return ImportSegment.#getWidth(this, W8, offset, target);
  }
  /**
   * rsm_memseg_import_get16: fills `target` from the segment at `offset`, one 16-bit access per element; returns `target`.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 2; RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  get16<T extends Uint16Array | Int16Array>(offset: number, target: T): T {
    return ImportSegment.#getWidth(this, W16, offset, target);
  }
  /**
   * rsm_memseg_import_get32: fills `target` from the segment at `offset`, one 32-bit access per element; returns `target`.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 4; RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  get32<T extends Uint32Array | Int32Array | Float32Array>(offset: number, target: T): T {
    return ImportSegment.#getWidth(this, W32, offset, target);
  }
  /**
   * rsm_memseg_import_get64: fills `target` from the segment at `offset`, one 64-bit access per element; returns `target`.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 8; RSMERR_BAD_OFFSET / RSMERR_BAD_LENGTH outside the segment.
   */
  get64<T extends BigUint64Array | BigInt64Array | Float64Array>(offset: number, target: T): T {
    return ImportSegment.#getWidth(this, W64, offset, target);
  }

  /** rsm_memseg_import_get8 of `count` elements from `offset`, as a new array (errors as get8). */
  read8(offset: number, count: number): Uint8Array {
    return ImportSegment.#readWidth(this, W8, Uint8Array, offset, count);
  }
  /** rsm_memseg_import_get16 of `count` elements from `offset`, as a new array (errors as get16). */
  read16(offset: number, count: number): Uint16Array {
    return ImportSegment.#readWidth(this, W16, Uint16Array, offset, count);
  }
  /** rsm_memseg_import_get32 of `count` elements from `offset`, as a new array (errors as get32). */
  read32(offset: number, count: number): Uint32Array {
    return ImportSegment.#readWidth(this, W32, Uint32Array, offset, count);
  }
  /** rsm_memseg_import_get64 of `count` elements from `offset`, as a new array (errors as get64). */
  read64(offset: number, count: number): BigUint64Array {
    return ImportSegment.#readWidth(this, W64, BigUint64Array, offset, count);
  }

  /**
   * rsm_memseg_import_get8 of the one byte at `offset`, as a number from 0 to 255.
   * @throws {RsmError} RSMERR_BAD_OFFSET outside the segment (or the mapped window).
   */
  load8(offset: number): number {
    return ImportSegment.#load(this, W8, offset) as number;
  }
  /**
   * rsm_memseg_import_get16 of one element at `offset`, as a number from 0 to 65535.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 2; RSMERR_BAD_OFFSET outside the segment.
   */
  load16(offset: number): number {
    return ImportSegment.#load(this, W16, offset) as number;
  }
  /**
   * rsm_memseg_import_get32 of one element at `offset`, as a number from 0 to 2^32 - 1.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 4; RSMERR_BAD_OFFSET outside the segment.
   */
  load32(offset: number): number {
    return ImportSegment.#load(this, W32, offset) as number;
  }
  /**
   * rsm_memseg_import_get64 of one element at `offset`, as an unsigned bigint.
   * @throws {RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 8; RSMERR_BAD_OFFSET outside the segment.
   */
  load64(offset: number): bigint {
    return ImportSegment.#load(this, W64, offset) as bigint;
  }

  /**
   * rsm_memseg_import_put8 of one byte: `value` is an integer from -128 to
   * 255 (stored modulo 2^8, so signed and unsigned bytes both work).
   * @throws {RangeError} for any other number; {@link RsmError} RSMERR_BAD_OFFSET outside the segment.
   */
  store8(offset: number, value: number): void {
    ImportSegment.#store(this, W8, offset, value);
  }
  /**
   * rsm_memseg_import_put16 of one element: `value` is an integer from -32768 to 65535.
   * @throws {RangeError} for any other number; {@link RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 2.
   */
  store16(offset: number, value: number): void {
    ImportSegment.#store(this, W16, offset, value);
  }
  /**
   * rsm_memseg_import_put32 of one element: `value` is an integer from -2^31 to 2^32 - 1.
   * @throws {RangeError} for any other number; {@link RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 4.
   */
  store32(offset: number, value: number): void {
    ImportSegment.#store(this, W32, offset, value);
  }
  /**
   * rsm_memseg_import_put64 of one element: `value` is a bigint from -(2^63) to 2^64 - 1.
   * @throws {RangeError} for any other bigint, TypeError for a number; {@link RsmError} RSMERR_BAD_MEM_ALIGNMENT when `offset` is not a multiple of 8.
   */
  store64(offset: number, value: bigint): void {
    ImportSegment.#store(this, W64, offset, value);
  }

  /**
   * rsm_memseg_import_putv: up to 16 transfers from local memory into the
   * segment in one call. Returns the number of entries not done (0).
   */
  putv(entries: readonly IoEntry[], options?: ScatterGatherOptions): number {
    ImportSegment.#own(this);
    return withScatterGather(entries, options, (r) =>
      this.#transfer(r.end, () => this.#access.putv(r.count, r.table, r.locals, r.flags)));
  }

  /** rsm_memseg_import_getv: up to 16 transfers from the segment into local memory. */
  getv(entries: readonly IoEntry[], options?: ScatterGatherOptions): number {
    ImportSegment.#own(this);
    return withScatterGather(entries, options, (r) =>
      this.#transfer(r.end, () => this.#access.getv(r.count, r.table, r.locals, r.flags)));
  }

  /**
   * rsm_memseg_import_map: maps a window of the segment. One mapping per
   * connection; a put/get before it maps the whole segment implicitly, after
   * which map() fails with RSMERR_SEG_ALREADY_MAPPED until unmap().
   */
  map(options: MapOptions): Mapping {
    ImportSegment.#own(this);
    const opts = check.object<MapOptions>(options, 'options');
    const offset = opts.offset === undefined ? 0 : check.offset(opts.offset, 'options.offset');
    const length = check.length(opts.length, 'options.length');
    const permission = opts.permission === undefined ? Permission.RDWR : check.uint32(opts.permission, 'options.permission');
    const attr = check.boolean(opts.fixed, 'options.fixed') ? MapAttribute.FIXED : MapAttribute.NONE;
    // The facade's own mapping gives way to the caller's.
    this.#auto?.drop();
    let native;
    try {
      native = this.native.map(offset, length, permission, attr);
    } catch (e) {
      throw this.#life.saw(e);
    }
    const mapping = new Mapping(native);
    this.#mapping = mapping;
    countInto(mapping.native, this.native);
    countersOf(this.native).maps++;
    return mapping;
  }

  /** The explicit mapping, while there is one. */
  get mapping(): Mapping | undefined {
    ImportSegment.#own(this);
    return this.#mapping !== undefined && !this.#mapping.unmapped ? this.#mapping : undefined;
  }

  /** rsm_memseg_import_unmap: removes the mapping (explicit or implicit). */
  unmap(): void {
    ImportSegment.#own(this);
    if (this.#mapping !== undefined && !this.#mapping.unmapped) {
      this.#mapping.unmap();
      return;
    }
    if (this.#auto?.drop()) return;
    this.native.unmap();
  }

  /** rsm_memseg_import_get_mode. */
  get mode(): BarrierMode {
    ImportSegment.#own(this);
    return this.native.getMode() as BarrierMode;
  }

  /** rsm_memseg_import_set_mode: BarrierMode.IMPLICIT (default) or BarrierMode.EXPLICIT. */
  setMode(mode: BarrierMode): void {
    ImportSegment.#own(this);
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
  transaction<R>(block: (segment: this) => SyncResult<R>, options?: TransactionOptions): R {
    ImportSegment.#own(this);
    return runTransaction(this, block as (segment: this) => R, options);
  }

  /** rsm_intr_signal_post: one event to the exporter's segment (dropped if it is gone). */
  signal(): void {
    ImportSegment.#own(this);
    try {
      this.native.signal();
    } catch (e) {
      throw this.#life.saw(e);
    }
    countersOf(this.native).signalsPosted++;
  }

  /** Lets a pending or later wait for a signal keep the process alive (the default), as net.Socket#ref. */
  ref(): this {
    ImportSegment.#own(this);
    this.native.setRef(true);
    return this;
  }

  /** A wait for a signal no longer keeps the process alive; one pending at exit rejects with ERR_RSM_EXITING. */
  unref(): this {
    ImportSegment.#own(this);
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
    ImportSegment.#own(this);
    return this.#life.watch(waitForSignal(this.native, options));
  }

  /** The events posted to this import, one iteration each, until aborted, disconnected or torn down (RSMERR_CONN_ABORTED). */
  signals(options?: SignalIteratorOptions): AsyncGenerator<void, void, undefined> {
    ImportSegment.#own(this);
    return this.#life.watchIteration(signalIterator(this.native, options));
  }

  /**
   * rsm_memseg_get_pollfd: a descriptor that is readable (POLLRDNORM) while
   * events are pending, for use with pollSignals() or your own poller. Each
   * call takes a reference; disconnect() fails with RSMERR_POLLFD_IN_USE until
   * each is given back with releasePollDescriptor().
   */
  pollDescriptor(): number {
    ImportSegment.#own(this);
    return this.native.pollDescriptor();
  }

  /** rsm_memseg_release_pollfd for one pollDescriptor() reference; false when none is held. */
  releasePollDescriptor(): boolean {
    ImportSegment.#own(this);
    return this.native.releasePollDescriptor();
  }

  /**
   * rsm_memseg_import_disconnect. Throws RSMERR_SEG_STILL_MAPPED while an
   * explicit mapping exists, as librsm does; `[Symbol.dispose]` unmaps first.
   * Idempotent.
   */
  disconnect(): void {
    ImportSegment.#own(this);
    if (this.native.disconnected) return this.native.disconnect();
    traceSync(traceChannels.disconnect, this.native, () => {
      this.#auto?.drop();
      this.native.disconnect();
    });
    this.#life.stopProbe();
  }

  /**
   * Where this connection stands, as far as the RSMAPI has told this
   * process: 'connected'; 'lost' once a call on it reported
   * RSMERR_CONN_ABORTED (the exporter unpublished or destroyed the segment,
   * or its process or node died; see {@link ImportSegment.lostReason}); 'disconnected'
   * once disconnect() ran or the controller was released, whether or not it
   * was lost first. librsm tells an importer of a forced disconnect only
   * through the errors of later calls (a transfer in implicit barrier mode,
   * a barrier close, a signal wait), so a program that makes no calls
   * learns of it only with {@link ImportSegment.probe}. Republishing with an access list
   * that leaves this node out is not a loss: the connection keeps working
   * with the permission it was granted (docs/semantics.md §4.2).
   */
  get state(): ImportState {
    ImportSegment.#own(this);
    return this.#life.state;
  }

  /**
   * The RsmError (RSMERR_CONN_ABORTED) that showed the connection lost, with
   * `syscall` naming the call that reported it; undefined while connected.
   * The RSMAPI reports unpublish, destroy and the exporter's death alike, so
   * which of them it was is not known here. Kept after disconnect().
   */
  get lostReason(): RsmError | undefined {
    ImportSegment.#own(this);
    return this.#life.reason;
  }

  /**
   * Resolves with {@link ImportSegment.lostReason} when the connection is found lost; it
   * never settles for a connection this program disconnects first, so
   * `await imp.lost` alone would wait forever: race it with something.
   * Made on first use.
   */
  get lost(): Promise<RsmError> {
    ImportSegment.#own(this);
    return this.#life.promise;
  }

  /**
   * An AbortSignal aborted, with {@link ImportSegment.lostReason} as its reason, when the
   * connection is found lost: listen with
   * `imp.lostSignal.addEventListener('abort', …)`, or pass it to anything
   * that takes a signal (including this segment's own waits). Never aborted
   * by disconnect(). Made on first use.
   */
  get lostSignal(): AbortSignal {
    ImportSegment.#own(this);
    return this.#life.signal;
  }

  /**
   * Opts in to a background check for programs that go quiet: every
   * `options.interval` ms (default 1000) one open and close of this
   * segment's barrier, whose close reports a forced disconnect that
   * happened at any time since connect. The timer is unref'd (it keeps no
   * process alive) and stops at the loss or at disconnect(); a second call
   * restarts it with the new interval. It checks only in implicit barrier
   * mode (the default) and while the barrier exists: in explicit mode the
   * program's own barrier spans are left alone, and their closes report
   * the loss. The timer holds the import weakly: one nobody holds is still
   * collected. In the simulator a pending waitForSignal() or signals()
   * reports a loss at once without it.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE for options that are not an object or an interval that is not a number.
   * @throws {RangeError} ERR_OUT_OF_RANGE for an interval that is not an integer from 1 to 2147483647.
   */
  probe(options?: ProbeOptions): this {
    ImportSegment.#own(this);
    this.#life.startProbe(options, this.barrier);
    return this;
  }

  /** Stops the check {@link ImportSegment.probe} started; idempotent. */
  stopProbe(): this {
    ImportSegment.#own(this);
    this.#life.stopProbe();
    return this;
  }

  /**
   * This connection's counters ({@link ImportStats}): transfers and bytes
   * each way, failed transfers by RSMERR code, barrier opens, closes and
   * failures, signals posted and consumed, maps and unmaps. Counted from
   * connect; a disconnected segment keeps answering with its last values.
   * Traffic through a Mapping's views is plain memory access and is not
   * counted.
   */
  stats(): ImportStats {
    ImportSegment.#own(this);
    return importStats(this.#access, this.native, this.barrier.native);
  }

  /** True once disconnect() succeeded (or the controller was released). */
  get disconnected(): boolean {
    ImportSegment.#own(this);
    return this.native.disconnected;
  }

  /** Unmaps an explicit mapping if there is one, then disconnect(), for `using`. */
  [Symbol.dispose](): void {
    ImportSegment.#own(this);
    if (this.native.disconnected) return;
    if (this.mapping !== undefined) this.mapping.unmap();
    this.disconnect();
  }

  // #putWidth and #getWidth are the one-element path, kept small so that V8
  // inlines them into each width method with its width constant; the
  // view path is #putMany / #getMany.
  static #putWidth(self: unknown, width: Width, offset: number, values: ArrayBufferView): void {
    ImportSegment.#own(self);
    // One element: the same single access through the scalar function,
    // which skips reading the view in native code.
    const one = self.#auto === undefined ? width.single(values) : undefined;
    if (one !== undefined) width.store(self.#access, check.offset(offset), one[0]);
    else self.#putMany(width, offset, values);
  }

  static #getWidth<T extends ArrayBufferView>(self: unknown, width: Width, offset: number, target: T): T {
    ImportSegment.#own(self);
    // Storing the unsigned value into a signed array keeps its bits.
    const one = self.#auto === undefined ? width.single(target) : undefined;
    if (one !== undefined) one[0] = width.load(self.#access, check.offset(offset));
    else self.#getMany(width, offset, target);
    return target;
  }

  #putMany(width: Width, offset: number, values: ArrayBufferView): void {
    const at = check.offset(offset);
    const view = elements(values, width, 'values');
    if (this.#auto === undefined) this.#access.putN(width.bits, at, view);
    else this.#transfer(at + view.byteLength, () => this.#access.putN(width.bits, at, view));
  }

  #getMany(width: Width, offset: number, target: ArrayBufferView): void {
    const at = check.offset(offset);
    const view = elements(target, width, 'target');
    if (this.#auto === undefined) this.#access.getN(width.bits, at, view);
    else this.#transfer(at + view.byteLength, () => this.#access.getN(width.bits, at, view));
  }

  static #readWidth<T extends ArrayBufferView>(self: unknown, width: Width, type: new (count: number) => T, offset: number, count: number): T {
    ImportSegment.#own(self);
    return ImportSegment.#getWidth(self, width, offset, allocate(type, check.length(count, 'count'), 'count'));
  }

  static #load(self: unknown, width: Width, offset: number): number | bigint {
    ImportSegment.#own(self);
    const at = check.offset(offset);
    if (self.#auto === undefined) return width.load(self.#access, at);
    return self.#transfer(at + width.bits / 8, () => width.load(self.#access, at));
  }

  static #store(self: unknown, width: Width, offset: number, value: number | bigint): void {
    ImportSegment.#own(self);
    const at = check.offset(offset);
    if (self.#auto === undefined) width.store(self.#access, at, value);
    else self.#transfer(at + width.bits / 8, () => width.store(self.#access, at, value));
  }

  /**
   * Runs a data transfer that touches the segment up to byte `end`: at once
   * on a connection that may map for reading and writing, else through the
   * facade's own mapping (auto-mapping.ts).
   */
  #transfer<R>(end: number, run: () => R): R {
    if (this.#auto === undefined) return run();
    try {
      return this.#auto.transfer(end, this.#mapping !== undefined && !this.#mapping.unmapped, run);
    } catch (e) {
      // The facade's own map of the connection reports a loss too.
      throw this.#life.saw(e);
    }
  }
}

/** A new typed array of `count` elements; RSMERR_BAD_LENGTH when no array can be that long. */
function allocate<T>(type: new (count: number) => T, count: number, name: string): T {
  try {
    return new type(count);
  } catch {
    throw codedError(new RangeError(`${name} ${count} is more than one array can hold`), 'RSMERR_BAD_LENGTH');
  }
}
