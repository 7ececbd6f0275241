// Scatter/gather entries (rsm_memseg_import_putv / getv): the facade's
// checks and defaults for the list the caller gives, turned into the
// entries the addon passes to librsm as rsm_iovec_t.

import { Limits } from './constants';
import { codedError } from './errors';
import { LocalMemory } from './local-memory';
import type { NativeIoEntry } from './native';
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

/** A checked request: the entries, the flags, and the end of the segment range it touches. */
export interface ScatterGather {
  readonly entries: NativeIoEntry[];
  readonly flags: number;
  readonly end: number;
}

/** Checks a putv/getv call's entries and options and fills in their defaults. */
export function scatterGather(entries: unknown, options: unknown): ScatterGather {
  const opts = check.object<ScatterGatherOptions>(options, 'options');
  const flags = check.boolean(opts.signal, 'options.signal') ? IMPLICIT_SIGPOST : 0;
  const list = ioEntries(entries);
  const end = list.reduce((max, e) => Math.max(max, e.remoteOffset + e.length), 0);
  return { entries: list, flags, end };
}

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
