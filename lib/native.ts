// The surface of the native addon, declared in one place. Native methods are
// primitives: they check types and ranges enough never to crash, call one
// RSMAPI function, and throw. Validation users see, Promises and helpers live
// in the facade (the other files of lib/).
//
// Errors thrown (or rejected with) besides the RsmError of a failed RSMAPI
// call: TypeError/RangeError (codes ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE,
// ERR_OUT_OF_RANGE) for arguments; TypeError('Illegal invocation') for a
// method called on anything but its own kind of handle, and
// TypeError('Illegal constructor') for `new` on a handle class; and Errors
// with these codes:
//   ERR_RSM_RELEASED             the handle (or its parent) was released
//   ERR_RSM_BUSY                 publish/unpublish/republish/destroy while a
//                                publish of the same export is in flight
//   ERR_RSM_BACKEND_UNAVAILABLE  getController() when no backend could be loaded
//   ERR_RSM_READONLY_MAPPING     `buffer` of a mapping without write permission
//   ERR_RSM_NO_ACCESS            read() of a mapping made with permission 0
//   ERR_RSM_NO_EXTERNAL_BUFFERS  the runtime forbids external ArrayBuffers
//   ERR_RSM_NO_MEMORY            the memory for an export could not be allocated
//   ERR_RSM_MAP_FAILED           rsm_memseg_import_map succeeded without an address
// Release during an operation: controller.release() while a connect, or a
// publish on one of its exports, is in flight makes the busy handles read as
// released at once and finishes their release when the operation returns;
// that operation then rejects with ERR_RSM_RELEASED.

/**
 * Constructor the addon uses to throw RSMAPI failures (see errors.ts).
 * `detail`, when given, is context to append to the standard message (the
 * simulator's configuration problem, for rsm_get_controller).
 */
export type NativeErrorFactory = new (errno: number, syscall: string, detail?: string) => Error;

export interface NativeBackendInfo {
  /**
   * The backend that is live: the real librsm or the built-in simulator;
   * 'none' when RSM_BACKEND=native was asked for and librsm could not be
   * loaded (every RSMAPI call then throws, naming what is missing).
   */
  name: 'native' | 'sim' | 'none';
  /**
   * RSM_BACKEND as it was given (default 'auto'). Any other value is
   * reported as given, with name 'none' and a reason naming it.
   */
  requested: 'auto' | 'native' | 'sim';
  /** The library the native loader opened; '' for the simulator. */
  library: string;
  /** Why this backend is live, including why native was not usable. */
  reason: string;
}

/** rsmapi_controller_attr_t, field for field. */
export interface NativeControllerAttr {
  directAccessSizes: number;
  atomicSizes: number;
  pageSize: number;
  maxExportSegmentSize: number;
  totExportSegmentSize: number;
  maxExportSegments: number;
  maxImportMapSize: number;
  totImportMapSize: number;
  maxImportSegments: number;
}

export interface NativeController {
  /** rsm_get_controller_attr. */
  attr(): NativeControllerAttr;
  /**
   * rsm_export_create over `size` bytes of fresh page-aligned memory that the
   * segment owns. Throws RangeError when size is not an integer from 1 to
   * 2^40; any such size goes to the library as it is (one that is not a
   * multiple of the page size gives RSMERR_BAD_MEM_ALIGNMENT).
   */
  createExport(size: number, flags: number): NativeExportSegment;
  /** rsm_memseg_import_connect, run off the main thread. */
  connect(node: number, segmentId: number, perm: number): Promise<NativeImportSegment>;
  /**
   * rsm_create_localmemory_handle over `size` bytes (1 to 2^40) of fresh
   * page-aligned memory the handle owns; a child of the controller.
   */
  createLocalMemory(size: number): NativeLocalMemory;
  /**
   * Releases every child handle still live (newest first), then calls
   * rsm_release_controller. A second call does nothing.
   */
  release(): void;
  readonly released: boolean;
}

/**
 * Interrupt signals, on export and import segments alike (segment_signals.h).
 * waitSignal rejects with ERR_RSM_BUSY while another wait on the segment is
 * pending, ERR_RSM_RELEASED when the segment is destroyed/disconnected during
 * the wait, ERR_RSM_CANCELLED after cancelWait(), and RsmError
 * RSMERR_TIMEOUT at the deadline, ERR_RSM_EXITING when still pending at
 * process exit. A pending wait keeps the process alive unless setRef(false).
 */
export interface NativeSignalling {
  /** rsm_intr_signal_post. */
  signal(): void;
  /** Resolves once one event was consumed; timeoutMs -1: no deadline, 0: only an event already pending. */
  waitSignal(timeoutMs: number): Promise<void>;
  /** Rejects the pending wait with ERR_RSM_CANCELLED; false when none was pending. */
  cancelWait(): boolean;
  /** rsm_memseg_get_pollfd: the descriptor (one more reference each call). */
  pollDescriptor(): number;
  /** rsm_memseg_release_pollfd for one reference pollDescriptor() took; false when none is held. */
  releasePollDescriptor(): boolean;
  /** Whether waits on the segment (pending or later) keep the process alive; default true. */
  setRef(ref: boolean): void;
}

export interface NativeExportSegment extends NativeSignalling {
  /**
   * The exported memory as one external ArrayBuffer (always the same
   * object). Detached by destroy() before the memory goes away.
   */
  readonly buffer: ArrayBuffer;
  readonly size: number;
  /**
   * rsm_memseg_export_publish, run off the main thread. `acl` holds
   * (node, permission) pairs, or is null for no access list. Resolves to the
   * segment id (the assigned one when segmentId is 0).
   */
  publish(segmentId: number, acl: Uint32Array | null): Promise<number>;
  /**
   * The id while published, else undefined. A published segment holds
   * itself (and its controller) alive: GC never unpublishes it.
   */
  readonly segmentId: number | undefined;
  /** rsm_memseg_export_unpublish. */
  unpublish(): void;
  /** rsm_memseg_export_republish. */
  republish(acl: Uint32Array | null): void;
  /**
   * rsm_memseg_export_rebind onto new page-aligned memory holding a copy of
   * the current contents. On success the old `buffer` is detached before
   * its memory is freed and `buffer` is a new ArrayBuffer over the new
   * memory; on failure nothing changes.
   */
  rebind(): void;
  /** Detaches `buffer`, calls rsm_memseg_export_destroy, frees the memory. Idempotent. */
  destroy(): void;
  readonly destroyed: boolean;
}

export interface NativeImportSegment extends NativeSignalling {
  /**
   * rsm_memseg_import_unmap on the segment: removes the implicit mapping a
   * put/get made (RSMERR_SEG_NOT_MAPPED when there is none). An explicit
   * mapping is unmapped through its NativeMapping (the addon routes this
   * call there too, so its buffer is detached first).
   */
  unmap(): void;
  /**
   * rsm_memseg_import_map; the mapping owns the one ArrayBuffer over it.
   * Without RSM_MAP_FIXED the system chooses the address; with it the addon
   * passes an inaccessible range it reserved, which the mapping replaces.
   */
  map(offset: number, length: number, perm: number, attr: number): NativeMapping;
  /** rsm_memseg_import_init_barrier; the barrier struct lives in native memory. */
  initBarrier(type: number): NativeBarrier;
  /** rsm_memseg_import_get_mode / set_mode. */
  getMode(): number;
  setMode(mode: number): void;
  /**
   * rsm_memseg_import_disconnect. Fails (RSMERR_SEG_STILL_MAPPED) while an
   * explicit mapping exists, as the library does. Idempotent once it succeeded.
   */
  disconnect(): void;
  readonly disconnected: boolean;
  /**
   * The transfer functions of this connection (import_access.h), its only
   * transfer path: plain functions bound to it, so they work whatever `this`
   * is and skip the receiver check of the methods above. Each call makes new
   * functions.
   */
  access(): NativeImportAccess;
}

/**
 * Put/get bound to one connection. After disconnect every function throws
 * ERR_RSM_RELEASED. Offsets are safe integers (negative ones go to the
 * library); store values are integers of either signedness of the width
 * (bigint for 64 bits); loads return the unsigned value.
 */
export interface NativeImportAccess {
  /** rsm_memseg_import_get8/16/32 of one element. */
  load8(offset: number): number;
  load16(offset: number): number;
  load32(offset: number): number;
  /** rsm_memseg_import_get64 of one element. */
  load64(offset: number): bigint;
  /** rsm_memseg_import_put8/16/32 of one element. */
  store8(offset: number, value: number): void;
  store16(offset: number, value: number): void;
  store32(offset: number, value: number): void;
  /** rsm_memseg_import_put64 of one element. */
  store64(offset: number, value: bigint): void;
  /**
   * rsm_memseg_import_put8/16/32/64 and get8/16/32/64: `bits` is 8, 16, 32
   * or 64; the view's bytes are the elements (rep_cnt = byteLength / (bits/8)).
   */
  putN(bits: number, offset: number, source: ArrayBufferView): void;
  getN(bits: number, offset: number, target: ArrayBufferView): void;
  /** rsm_memseg_import_put / rsm_memseg_import_get with the view's bytes, zero-copy. */
  put(offset: number, source: ArrayBufferView): void;
  get(offset: number, target: ArrayBufferView): void;
  /**
   * The connection's transfer counters, also after disconnect:
   * [puts, putBytes, gets, getBytes, then (code, count) pairs of failed
   * transfers]. Counted in the addon so that a transfer pays no JavaScript.
   */
  counters(): number[];
  /**
   * rsm_memseg_import_putv / getv of `count` entries, given flat so that no
   * entry is read property by property: row i of `table` is
   * `table[4i .. 4i+3]` = (index into `locals`, local offset, remote offset,
   * length); `locals` is one local (every index 0) or an array of them, of
   * which only the elements the rows name are read. A local is a
   * NativeLocalMemory (sent as RSM_HANDLE_TYPE) or a view (RSM_VA_TYPE, its
   * own address). At most 16 rows. The addon checks only that every row lies
   * inside the local it names (RangeError) and that the locals are live;
   * remote offsets go to the library as given. The rows are copied first,
   * then every named element of `locals` is read before any is resolved to
   * memory, and the connection's state is checked after that. Returns
   * io_residual_count; a failure's RsmError carries it as `residualCount`.
   */
  putv(count: number, table: Float64Array, locals: NativeLocal | readonly NativeLocal[], flags: number): number;
  getv(count: number, table: Float64Array, locals: NativeLocal | readonly NativeLocal[], flags: number): number;
}

export interface NativeMapping {
  /** The mapped window as one external ArrayBuffer; detached by unmap(). */
  readonly buffer: ArrayBuffer;
  readonly offset: number;
  readonly length: number;
  /**
   * True when JavaScript may write into `buffer` (the mapping has write
   * permission). A read-only mapping has no `buffer` (the getter throws
   * ERR_RSM_READONLY_MAPPING): JavaScript could otherwise write to pages
   * mapped without write access and crash the process. Use read().
   */
  readonly writable: boolean;
  /** Copies `target.byteLength` bytes from the window at `offset` into target (bounds-checked: RangeError). */
  read(offset: number, target: ArrayBufferView): void;
  /** Detaches `buffer`, then rsm_memseg_import_unmap. Idempotent. */
  unmap(): void;
  readonly unmapped: boolean;
}

/** The local side of a scatter/gather entry: a local memory handle or a view. */
export type NativeLocal = NativeLocalMemory | ArrayBufferView;

export interface NativeLocalMemory {
  /** The memory as one external ArrayBuffer (always the same object); detached by free(). */
  readonly buffer: ArrayBuffer;
  readonly size: number;
  /** Detaches `buffer`, rsm_free_localmemory_handle, frees the memory. Idempotent. */
  free(): void;
  readonly freed: boolean;
}

/** rsm_topology_t, flattened. Hardware addresses are 64-bit (rsm_addr_t). */
export interface NativeTopology {
  localNode: number;
  controllers: Array<{
    name: string;
    hwaddr: bigint;
    remotes: Array<{ node: number; name: string; hwaddr: bigint; state: number }>;
  }>;
}

export interface NativeBarrier {
  /** rsm_memseg_import_open_barrier / order / close. */
  open(): void;
  order(): void;
  close(): void;
  /** rsm_memseg_import_destroy_barrier. Idempotent. */
  destroy(): void;
  readonly destroyed: boolean;
}

export interface NativeBinding {
  /** Hands the addon the error class it throws RSMAPI failures with. Call once per environment. */
  setErrorFactory(factory: NativeErrorFactory): void;
  /** Which backend is live, from where and why. */
  backendInfo(): NativeBackendInfo;
  /** rsm_get_controller; null means the default (loopback). */
  getController(name: string | null): NativeController;
  /** rsm_get_interconnect_topology, copied out; the block is freed at once. */
  topology(): NativeTopology;
  /** rsm_get_segmentid_range. */
  segmentIdRange(appid: string): { base: number; length: number };
  /**
   * rsm_intr_signal_wait_pollfd with timeout 0 over (fd, events, revents)
   * triples; writes each revents and returns the count (0 for RSMERR_TIMEOUT).
   */
  waitPollfd(fds: Int32Array): number;
  /** The host page size, the alignment rsm_memseg_export_create requires. */
  readonly pageSize: number;
  /**
   * The simulator's extensions (src-native/abi/rsmsim_extensions.h), each
   * throwing ERR_RSM_NOT_SIMULATOR when the live backend has none (a real
   * librsm), RsmError RSMERR_BAD_CONF when the cluster cannot be opened.
   * simSnapshot: rsmsim_ext_snapshot, the registry as a JSON string
   * (see sim.ts for its shape).
   */
  simSnapshot(): string;
  /** rsmsim_ext_describe_cluster: the cluster directory's files, as a JSON string. */
  simDescribe(): string;
  /** rsmsim_ext_cluster_dir: the cluster directory in use. */
  simClusterDir(): string;
  /** rsmsim_ext_reset: removes the cluster's files; the report as a JSON string. */
  simReset(force: boolean): string;
  /**
   * rsmsim_ext_fault: sets a simulator fault of a node, or runs a fault
   * action (faults.ts). Throws ERR_RSM_NOT_SIMULATOR when the live backend
   * has no fault injection, RangeError for an unknown fault or a bad value.
   */
  simFault(name: string, node: number, value: number): void;
  /** rsmsim_ext_list_faults: the faults currently set, as a JSON string. */
  simFaults(): string;
  /** The handle classes, for `instanceof`; constructing one from JavaScript throws. */
  readonly NativeController: NativeHandleClass<NativeController>;
  readonly NativeExportSegment: NativeHandleClass<NativeExportSegment>;
  readonly NativeImportSegment: NativeHandleClass<NativeImportSegment>;
  readonly NativeMapping: NativeHandleClass<NativeMapping>;
  readonly NativeBarrier: NativeHandleClass<NativeBarrier>;
  readonly NativeLocalMemory: NativeHandleClass<NativeLocalMemory>;
}

/** A handle class: only the addon makes instances (`new` throws TypeError). */
export interface NativeHandleClass<T> {
  readonly prototype: T;
}
