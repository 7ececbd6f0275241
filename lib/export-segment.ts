// ExportSegment: memory of this process that other nodes can import once it
// is published (rsm_memseg_export_*). The segment owns its page-aligned
// memory; `bytes` is a view of it that reads as empty after destroy().

import { binding } from './binding';
import { tracedAt } from './call-site';
import { Limits, SegmentIds } from './constants';
import type { Controller } from './controller';
import { codedError } from './errors';
import { bytesOver, viewOver } from './memory-views';
import type { ViewClass } from './memory-views';
import type { NativeExportSegment } from './native';
import { invalidThis, isObject } from './receiver';
import { signalIterator, waitForSignal } from './signals';
import type { SignalIteratorOptions, WaitOptions } from './signals';
import { countersOf, exportStats } from './stats';
import type { ExportStats } from './stats';
import { originExport, traceChannels, tracePublish, traceSync } from './tracing';
import * as check from './validate';

/** One access-list entry: a node and the octal permission it gets (e.g. 0o600). */
export interface AccessEntry {
  /** The node, 0 to 64 (Limits.MAX_ACL_NODE). */
  node: number;
  /** Octal permission for that node, at most 0o666 (Limits.MAX_ACL_PERMISSION). */
  permission: number;
}

/** Options of {@link ExportSegment.publish}. */
export interface PublishOptions {
  /** An id in [SegmentIds.USER_MIN, SegmentIds.USER_MAX], or 0 / omitted for an automatic one. */
  segmentId?: number;
  /** Nodes allowed to connect, with their permissions; omitted or empty: every node, with the creator's file-creation permissions. */
  accessList?: readonly AccessEntry[];
}

/**
 * Memory of this process that other nodes can import once it is published
 * (rsm_memseg_export_create and the other rsm_memseg_export_* functions).
 * Made by {@link Controller.createExport}; the segment owns its page-aligned
 * memory and shows it as `bytes`. Failing RSMAPI calls throw {@link RsmError};
 * methods of a destroyed segment throw an Error with code ERR_RSM_RELEASED,
 * and publish-related calls while a publish is in flight ERR_RSM_BUSY.
 *
 * The RSMAPI tells an exporter nothing about its importers: no call reports
 * that one connected, disconnected or died, signal() succeeds whether or not
 * anybody imports, and an importer's signal is one more counted event with no
 * sender. A program that needs to know must say so itself (an importer that
 * signals or writes a word when it arrives and leaves), which still misses an
 * importer that dies; see docs/semantics.md §5.11. Importers do learn of the
 * exporter's unpublish, destroy or death: `ImportSegment.state`.
 *
 * @example
 * ```ts
 * const seg = ctl.createExport(65536);
 * seg.bytes.set(new TextEncoder().encode('hello'));
 * const id = await seg.publish({ segmentId: 0x100000 });
 * await seg.waitForSignal({ signal: AbortSignal.timeout(5000) }); // an importer signalled
 * seg.destroy();                           // unpublishes first; importers are cut off
 * ```
 */
export class ExportSegment {
  /** @internal */
  readonly native: NativeExportSegment;
  /** The controller it was created through; releasing that destroys this segment. */
  readonly controller: Controller;
  /** Length in bytes. */
  readonly size: number;
  #bytes: Uint8Array | undefined;
  /** The last publish() made, which destroy() must not overtake; not state (that is the native handle's). */
  #publishing: Promise<number> | undefined;

  /** TypeError ERR_INVALID_THIS unless `self` is an ExportSegment this package made. */
  static #own(self: unknown): void {
    if (!isObject(self) || !(#bytes in self)) throw invalidThis('ExportSegment');
  }

  /** @internal */
  constructor(native: NativeExportSegment, controller: Controller) {
    this.native = check.nativeHandle(native, binding.NativeExportSegment, 'ExportSegment');
    this.controller = controller;
    this.size = native.size;
    originExport(native, controller.name, () => native.segmentId ?? countersOf(native).lastSegmentId);
  }

  /** The exported memory. Writes here are what importers read. Empty after destroy(). */
  get bytes(): Uint8Array {
    ExportSegment.#own(this);
    this.#bytes = bytesOver(this.native.buffer, this.#bytes);
    return this.#bytes;
  }

  /**
   * The exported memory as another typed view (e.g. `view(Uint32Array)`), from
   * byte `offset` (default 0), `length` elements long (default: the rest);
   * empty after destroy().
   */
  view<T extends ArrayBufferView>(type: ViewClass<T>, offset?: number, length?: number): T {
    ExportSegment.#own(this);
    return viewOver(this.native.buffer, type, offset, length);
  }

  /** The id importers connect with, while published (undefined once unpublished, destroyed or its controller released). */
  get segmentId(): number | undefined {
    ExportSegment.#own(this);
    return this.native.segmentId;
  }

  /**
   * True while the segment is published. A published segment is in use by
   * other nodes: it lives until unpublish(), destroy(), its controller's
   * release() or the end of the process, even when this object is
   * garbage-collected.
   */
  get published(): boolean {
    ExportSegment.#own(this);
    return this.native.segmentId !== undefined;
  }

  /**
   * rsm_memseg_export_publish, off the main thread (it may wait for
   * interconnect resources). Resolves to the segment id.
   */
  async publish(options?: PublishOptions): Promise<number> {
    ExportSegment.#own(this);
    const opts = check.object<PublishOptions>(options, 'options');
    const requested = opts.segmentId === undefined ? SegmentIds.AUTO : check.uint32(opts.segmentId, 'options.segmentId', 'RSMERR_RESERVED_SEGID');
    const acl = accessListArray(opts.accessList, 'options.accessList');
    const site = ExportSegment.prototype.publish;
    const publishing = tracePublish(this.native, requested, () => tracedAt(site, this.native.publish(requested, acl))).then((id) => {
      const counters = countersOf(this.native);
      counters.publishes++;
      counters.lastSegmentId = id;
      return id;
    });
    this.#publishing = publishing;
    return publishing;
  }

  /** rsm_memseg_export_unpublish: new connects fail, existing importers are disconnected. */
  unpublish(): void {
    ExportSegment.#own(this);
    traceSync(traceChannels.unpublish, this.native, () => this.native.unpublish());
    countersOf(this.native).unpublishes++;
  }

  /** rsm_memseg_export_republish: a new access list for later connects; existing importers keep theirs. */
  republish(accessList: readonly AccessEntry[]): void {
    ExportSegment.#own(this);
    const list = accessListArray(accessList, 'accessList');
    traceSync(traceChannels.republish, this.native, () => this.native.republish(list));
    countersOf(this.native).republishes++;
  }

  /**
   * rsm_memseg_export_rebind: moves the segment onto new page-aligned
   * memory. The contents are copied over first, so `bytes` keeps its data;
   * what changes is where it lives. Views taken before the rebind are
   * detached (they read as empty) before the old memory is freed; take new
   * ones from `bytes`. Importers stay connected and, once this returns,
   * reach the new memory through every mapping, old or new, and put/get
   * (the rebind is transparent to them, docs/semantics.md §5.4). Needs `allowRebind` at create
   * (RSMERR_REBIND_NOT_ALLOWED otherwise).
   */
  rebind(): void {
    ExportSegment.#own(this);
    traceSync(traceChannels.rebind, this.native, () => this.native.rebind());
    countersOf(this.native).rebinds++;
  }

  /**
   * rsm_memseg_export_destroy (unpublishing first if needed, which
   * disconnects importers), then frees the memory; `bytes` becomes empty.
   * Idempotent.
   */
  destroy(): void {
    ExportSegment.#own(this);
    if (this.native.destroyed) return this.native.destroy();
    traceSync(traceChannels.destroy, this.native, () => this.native.destroy());
  }

  /**
   * This segment's counters ({@link ExportStats}): publishes, unpublishes,
   * republishes, rebinds, signals posted and consumed. Transfers are counted
   * by the importers (ImportSegment.stats()); an exporter's own memory is
   * plain memory. A destroyed segment keeps answering with its last values.
   */
  stats(): ExportStats {
    ExportSegment.#own(this);
    return exportStats(this.native);
  }

  /** True once destroy() ran (or the controller was released). */
  get destroyed(): boolean {
    ExportSegment.#own(this);
    return this.native.destroyed;
  }

  /** rsm_intr_signal_post: one event to every import connected to this segment, on every node. */
  signal(): void {
    ExportSegment.#own(this);
    this.native.signal();
    countersOf(this.native).signalsPosted++;
  }

  /** Lets a pending or later wait for a signal keep the process alive (the default), as net.Socket#ref. */
  ref(): this {
    ExportSegment.#own(this);
    this.native.setRef(true);
    return this;
  }

  /** A wait for a signal no longer keeps the process alive; one pending at exit rejects with ERR_RSM_EXITING. */
  unref(): this {
    ExportSegment.#own(this);
    this.native.setRef(false);
    return this;
  }

  /**
   * Resolves when one event posted to this segment (by an importer's
   * signal() or an implicit post of putv/getv) has been consumed. One wait at
   * a time per segment (ERR_RSM_BUSY); destroy() during the wait rejects it
   * with ERR_RSM_RELEASED.
   */
  waitForSignal(options?: WaitOptions): Promise<void> {
    ExportSegment.#own(this);
    return waitForSignal(this.native, options);
  }

  /** The events posted to this segment, one iteration each, until aborted or destroyed. */
  signals(options?: SignalIteratorOptions): AsyncGenerator<void, void, undefined> {
    ExportSegment.#own(this);
    return signalIterator(this.native, options);
  }

  /**
   * rsm_memseg_get_pollfd: a descriptor that is readable (POLLRDNORM) while
   * events are pending, for pollSignals() or your own poller. Each call takes
   * a reference; destroy() fails with RSMERR_POLLFD_IN_USE until each is
   * given back with releasePollDescriptor().
   */
  pollDescriptor(): number {
    ExportSegment.#own(this);
    return this.native.pollDescriptor();
  }

  /** rsm_memseg_release_pollfd for one pollDescriptor() reference; false when none is held. */
  releasePollDescriptor(): boolean {
    ExportSegment.#own(this);
    return this.native.releasePollDescriptor();
  }

  /**
   * Same as destroy(), for `using`. Throws ERR_RSM_BUSY while a publish is
   * in flight; `await using` waits for it instead.
   */
  [Symbol.dispose](): void {
    ExportSegment.#own(this);
    this.destroy();
  }

  /**
   * For `await using`: waits until a publish in flight has settled (however
   * it ends), then destroy(). A publish is the one operation that makes
   * destroy() wait rather than throw.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    ExportSegment.#own(this);
    await this.#publishing?.catch(() => undefined);
    this.destroy();
  }
}

/** (node, permission) pairs for the addon; null for "no access list". */
function accessListArray(list: readonly AccessEntry[] | undefined, name: string): Uint32Array | null {
  if (list === undefined || list === null) return null;
  if (!Array.isArray(list)) {
    throw codedError(new TypeError(`${name} must be an array of { node, permission }, got ${check.describe(list)}`), 'ERR_INVALID_ARG_TYPE');
  }
  if (list.length > Limits.MAX_ACL_ENTRIES) {
    throw codedError(new RangeError(`${name} may have at most ${Limits.MAX_ACL_ENTRIES} entries, got ${list.length}`), 'RSMERR_BAD_ACL');
  }
  if (list.length === 0) return null;
  const pairs = new Uint32Array(list.length * 2);
  list.forEach((entry: unknown, i) => {
    const e = check.object<AccessEntry>(entry, `${name}[${i}]`);
    if (entry === null || entry === undefined) {
      throw codedError(new TypeError(`${name}[${i}] must be an object { node, permission }`), 'ERR_INVALID_ARG_TYPE');
    }
    // Out-of-range values go to the library, which reports RSMERR_BAD_ACL
    // exactly as it would for a C caller; only non-numbers stop here.
    pairs[i * 2] = check.uint32(e.node, `${name}[${i}].node`, 'RSMERR_BAD_ACL');
    pairs[i * 2 + 1] = check.uint32(e.permission, `${name}[${i}].permission`, 'RSMERR_BAD_ACL');
  });
  return pairs;
}
