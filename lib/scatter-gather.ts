// Scatter/gather entries (rsm_memseg_import_putv / getv): the facade's
// checks and defaults for the list the caller gives, and the flat form the
// addon takes it in: one Float64Array of rows (local index, local offset,
// remote offset, length) and the distinct local memories they name. Every
// mistake a caller can make is found here; the addon only refuses what
// would reach outside a local memory.

import { Limits } from './constants';
import { codedError } from './errors';
import { LocalMemory } from './local-memory';
import { isDetached } from './memory-views';
import type { NativeLocal } from './native';
import * as check from './validate';

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

/** Numbers per row of the table: local index, local offset, remote offset, length. */
const ROW = 4;

/**
 * A checked request in the addon's terms (NativeImportAccess.putv): `count`
 * rows of `table` and the `localCount` distinct locals they name. One is
 * kept for reuse, so a putv makes no table of its own; a request made while it is in
 * use (from a getter of an entry, say) gets one of its own.
 */
class ScatterGather {
  count = 0;
  readonly table = new Float64Array(ROW * Limits.MAX_SGIO_REQUESTS);
  flags = 0;
  /** The end of the segment range the request touches. */
  end = 0;
  localCount = 0;
  /** The caller's locals, their sizes and their native handles; the first `localCount` hold this request's. */
  readonly sources: Array<LocalMemory | ArrayBufferView | undefined> = new Array(Limits.MAX_SGIO_REQUESTS).fill(undefined);
  readonly sizes = new Float64Array(Limits.MAX_SGIO_REQUESTS);
  readonly natives: Array<NativeLocal | undefined> = new Array(Limits.MAX_SGIO_REQUESTS).fill(undefined);

  /** What the addon takes as `locals`: the one local, or the array. */
  get locals(): NativeLocal | readonly NativeLocal[] {
    return this.localCount === 1 ? (this.natives[0] as NativeLocal) : (this.natives as readonly NativeLocal[]);
  }

  /** Lets go of the caller's memory once the transfer is done. */
  clear(): void {
    for (let k = 0; k < this.localCount; k++) {
      this.sources[k] = undefined;
      this.natives[k] = undefined;
    }
    this.localCount = 0;
  }
}

export type { ScatterGather };

let spare: ScatterGather | undefined;

/**
 * Checks a putv/getv call's entries and options, fills in their defaults and
 * runs `transfer` with the request. Every value of every entry is read
 * before any local memory is looked at, so a getter that frees, detaches or
 * shrinks what an earlier entry named is caught here, not in the addon.
 */
export function withScatterGather<R>(entries: unknown, options: unknown, transfer: (request: ScatterGather) => R): R {
  const opts = check.object<ScatterGatherOptions>(options, 'options');
  const flags = check.boolean(opts.signal, 'options.signal') ? IMPLICIT_SIGPOST : 0;
  if (!Array.isArray(entries)) {
    throw codedError(new TypeError(`entries must be an array, got ${check.describe(entries)}`), 'ERR_INVALID_ARG_TYPE');
  }
  const count = entries.length;
  if (count === 0 || count > Limits.MAX_SGIO_REQUESTS) {
    throw codedError(
      new RangeError(`entries must hold 1 to ${Limits.MAX_SGIO_REQUESTS} entries, got ${count}`),
      'RSMERR_BAD_SGIO',
    );
  }
  const request = spare ?? new ScatterGather();
  spare = undefined;
  try {
    request.count = count;
    request.flags = flags;
    readEntries(entries as readonly unknown[], request);
    resolveLocals(request);
    return transfer(request);
  } finally {
    request.clear();
    spare = request;
  }
}

// First pass: every entry's values, once each, into the table (a length
// left out is -1 until its local's size is known), and each distinct local
// once into `sources`.
function readEntries(entries: readonly unknown[], request: ScatterGather): void {
  const { table, sources } = request;
  // Getters may have shortened the list meanwhile: the count read first holds.
  for (let i = 0; i < request.count; i++) {
    const raw = entries[i];
    if (raw === null || typeof raw !== 'object') {
      throw codedError(new TypeError(`entries[${i}] must be an object { local, remoteOffset }`), 'ERR_INVALID_ARG_TYPE');
    }
    const e = raw as Partial<IoEntry>;
    const local = e.local;
    if (!(local instanceof LocalMemory) && !ArrayBuffer.isView(local)) {
      throw codedError(
        new TypeError(`entries[${i}].local must be a LocalMemory or a TypedArray/DataView, got ${check.describe(local)}`),
        'ERR_INVALID_ARG_TYPE',
      );
    }
    const localOffset = e.localOffset;
    const remoteOffset = e.remoteOffset;
    const length = e.length;
    let index = 0;
    while (index < request.localCount && sources[index] !== local) index++;
    if (index === request.localCount) sources[request.localCount++] = local;
    const row = ROW * i;
    table[row] = index;
    table[row + 1] = localOffset === undefined ? 0 : isSize(localOffset) ? localOffset : check.length(localOffset, `entries[${i}].localOffset`);
    table[row + 2] = isSize(remoteOffset) ? remoteOffset : check.offset(remoteOffset, `entries[${i}].remoteOffset`);
    table[row + 3] = length === undefined ? -1 : isSize(length) ? length : check.length(length, `entries[${i}].length`);
  }
}

/** The common case, decided without building a name for a message. */
function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

// Second pass, no caller's code runs: each local as it is now, and each
// entry inside its local.
function resolveLocals(request: ScatterGather): void {
  const { table, count, sources, sizes, natives } = request;
  for (let k = 0; k < request.localCount; k++) {
    const local = sources[k] as LocalMemory | ArrayBufferView;
    if (local instanceof LocalMemory) {
      if (local.native.freed) {
        throw codedError(new Error(`entries[${firstUse(request, k)}].local is freed`), 'ERR_RSM_RELEASED');
      }
      sizes[k] = local.size;
      natives[k] = local.native;
    } else {
      if (local.byteLength === 0 && isDetached(local.buffer)) {
        throw codedError(
          new TypeError(`entries[${firstUse(request, k)}].local is a view of a detached ArrayBuffer`),
          'ERR_INVALID_ARG_TYPE',
        );
      }
      sizes[k] = local.byteLength;
      natives[k] = local;
    }
  }
  let end = 0;
  for (let i = 0; i < count; i++) {
    const row = ROW * i;
    const size = sizes[table[row]];
    const localOffset = table[row + 1];
    if (table[row + 3] < 0) table[row + 3] = Math.max(0, size - localOffset);
    const length = table[row + 3];
    if (localOffset + length > size) {
      throw codedError(
        new RangeError(`entries[${i}]: ${length} bytes at local offset ${localOffset} run past the ${size}-byte local memory`),
        'ERR_OUT_OF_RANGE',
      );
    }
    end = Math.max(end, table[row + 2] + length);
  }
  request.end = end;
}

/** The first entry that names local number `index`. */
function firstUse(request: ScatterGather, index: number): number {
  for (let i = 0; i < request.count; i++) if (request.table[ROW * i] === index) return i;
  return -1;
}
