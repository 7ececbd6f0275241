// Controller: an opened interconnect adapter (rsm_get_controller). Export
// segments are created and imports connected through it; releasing it
// releases every segment still open through it first.

import { pageSize } from './backend';
import { binding } from './binding';
import { tracedAt } from './call-site';
import { ExportFlags, Permission } from './constants';
import { codedError } from './errors';
import { ExportSegment } from './export-segment';
import { ImportSegment } from './import-segment';
import { LocalMemory } from './local-memory';
import type { NativeController } from './native';
import { invalidThis, isObject } from './receiver';
import { traceConnect } from './tracing';
import * as check from './validate';

/** rsmapi_controller_attr_t. */
export interface ControllerAttributes {
  /** attr_direct_access_sizes: bit mask of the access widths (bytes) put/get do as single accesses. */
  readonly directAccessSizes: number;
  /** attr_atomic_sizes: bit mask of the widths accessed atomically. */
  readonly atomicSizes: number;
  /** attr_page_size: the page size of the interconnect. */
  readonly pageSize: number;
  /** attr_max_export_segment_size: largest export segment, in bytes. */
  readonly maxExportSegmentSize: number;
  /** attr_tot_export_segment_size: all export segments together, in bytes. */
  readonly totExportSegmentSize: number;
  /** attr_max_export_segments: how many export segments can exist. */
  readonly maxExportSegments: number;
  /** attr_max_import_map_size: largest mapping of an import segment, in bytes. */
  readonly maxImportMapSize: number;
  /** attr_tot_import_map_size: all mappings together, in bytes. */
  readonly totImportMapSize: number;
  /** attr_max_import_segments: how many segments can be imported. */
  readonly maxImportSegments: number;
}

/** Options of {@link Controller.createExport}. */
export interface ExportOptions {
  /** RSM_ALLOW_REBIND: the segment's memory may later be swapped by rebind(). */
  allowRebind?: boolean;
  /** RSM_CREATE_SEG_DONTWAIT: publishing does not wait for interconnect resources. */
  dontWait?: boolean;
  /**
   * Raw rsm_memseg_export_create flag bits, or-ed with the two above. The
   * driver ignores bits it does not know; RSM_LOCK_OPS, which a manual page
   * mentions, is defined by no illumos header and has no effect.
   */
  flags?: number;
}

/** Options of {@link Controller.connect}. */
export interface ConnectOptions {
  /** Permission.READ, Permission.WRITE, Permission.RDWR (default) or Permission.NONE. */
  permission?: Permission;
}

/**
 * An opened interconnect controller (rsm_get_controller): export segments are
 * created and remote segments imported through it. Made by
 * {@link getController}; releasing it releases every segment still open
 * through it first. Methods of a released controller throw an Error with
 * code ERR_RSM_RELEASED.
 *
 * @example
 * ```ts
 * import { getController } from 'rsmapi';
 * const ctl = getController();            // this node's interconnect controller
 * try {
 *   const seg = ctl.createExport(4096);
 *   const id = await seg.publish({ accessList: [{ node: 2, permission: 0o666 }] });
 *   console.log('published as', id);
 * } finally {
 *   ctl.release();                          // destroys what is still open through it
 * }
 * ```
 */
export class Controller {
  /** @internal */
  readonly native: NativeController;
  /** The controller's name: the one given to getController, or the default it chose. */
  readonly name: string;

  /** Marks objects this class made (see #own). */
  readonly #brand = true;

  /** TypeError ERR_INVALID_THIS unless `self` is a Controller this package made. */
  static #own(self: unknown): void {
    if (!isObject(self) || !(#brand in self)) throw invalidThis('Controller');
  }

  /** @internal */
  constructor(native: NativeController, name: string) {
    this.native = check.nativeHandle(native, binding.NativeController, 'Controller');
    this.name = name;
  }

  /** rsm_get_controller_attr. */
  attributes(): ControllerAttributes {
    Controller.#own(this);
    return Object.freeze(this.native.attr());
  }

  /**
   * rsm_memseg_export_create over `size` bytes of new page-aligned memory
   * that the segment owns and shows as `bytes`. `size` must be a positive
   * multiple of the page size (RangeError RSMERR_BAD_LENGTH otherwise).
   */
  createExport(size: number, options?: ExportOptions): ExportSegment {
    Controller.#own(this);
    const opts = check.object<ExportOptions>(options, 'options');
    check.exportSize(size, pageSize);
    let flags = 0;
    if (check.boolean(opts.allowRebind, 'options.allowRebind')) flags |= ExportFlags.ALLOW_REBIND;
    if (check.boolean(opts.dontWait, 'options.dontWait')) flags |= ExportFlags.CREATE_SEG_DONTWAIT;
    if (opts.flags !== undefined) flags = (flags | check.uint32(opts.flags, 'options.flags')) >>> 0;
    return new ExportSegment(this.native.createExport(size, flags), this);
  }

  /**
   * rsm_memseg_import_connect, off the main thread. The import gets a
   * barrier at once, so put/get work in the default (implicit) barrier mode,
   * where librsm refuses them until one exists.
   */
  async connect(node: number, segmentId: number, options?: ConnectOptions): Promise<ImportSegment> {
    Controller.#own(this);
    check.uint32(node, 'node');
    check.uint32(segmentId, 'segmentId');
    const opts = check.object<ConnectOptions>(options, 'options');
    const permission = opts.permission === undefined ? Permission.RDWR : check.uint32(opts.permission, 'options.permission');
    const site = Controller.prototype.connect;
    return traceConnect(this.name, node, segmentId, permission, async () => {
      const native = await tracedAt(site, this.native.connect(node, segmentId, permission));
      return new ImportSegment(native, this, node, segmentId, permission as Permission);
    });
  }

  /**
   * rsm_create_localmemory_handle over `size` bytes of new page-aligned
   * memory the handle owns and shows as `bytes`: local memory that
   * scatter/gather entries (ImportSegment.putv / getv) can name.
   */
  createLocalMemory(size: number): LocalMemory {
    Controller.#own(this);
    check.integer(size, 'size', 1, check.MAX_ALLOCATION, 'RSMERR_BAD_LENGTH');
    return new LocalMemory(this.native.createLocalMemory(size), this);
  }

  /** rsm_release_controller, after releasing every segment still open through it. Idempotent. */
  release(): void {
    Controller.#own(this);
    this.native.release();
  }

  /** True once release() ran. */
  get released(): boolean {
    Controller.#own(this);
    return this.native.released;
  }

  /** Same as release(), for `using`. */
  [Symbol.dispose](): void {
    Controller.#own(this);
    this.release();
  }
}

/**
 * rsm_get_controller. `name` is a controller such as 'sci0', or 'loopback'
 * for the controller that reaches only this node. Omitted (or null), it is
 * the first interconnect controller the topology lists for this node
 * (getTopology().controllers[0]), so a program that exports on one node and
 * imports on another works unchanged on any cluster; a stand-alone node,
 * whose topology lists no controller, gets loopback. Each call is one
 * reference; release() each one.
 */
export function getController(name?: string | null): Controller {
  if (name !== undefined && name !== null && typeof name !== 'string') {
    throw codedError(new TypeError(`name must be a string or null, got ${check.describe(name)}`), 'ERR_INVALID_ARG_TYPE');
  }
  const n = name ?? defaultControllerName();
  if (n.includes('\0')) {
    throw codedError(new TypeError('name must not contain NUL characters'), 'ERR_INVALID_ARG_VALUE');
  }
  // librsm copies the name into a 256-byte buffer without a bound.
  const bytes = Buffer.byteLength(n);
  if (bytes > 255) {
    throw codedError(new RangeError(`name must be at most 255 bytes long, got ${bytes}`), 'ERR_OUT_OF_RANGE');
  }
  return new Controller(binding.getController(n), n);
}

/**
 * The controller getController() opens when given no name. librsm's own
 * default (a NULL name) is loopback, which reaches no other node: a cluster
 * program written with it fails only when it first connects across nodes
 * (RSMERR_CTLR_NOT_PRESENT), far from the cause. The topology names the
 * node's interconnect controllers in the library's own order; the first is
 * the one to use unless the program names another.
 */
function defaultControllerName(): string {
  const first = binding.topology().controllers[0];
  return first === undefined ? 'loopback' : first.name;
}
