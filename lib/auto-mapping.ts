// The mapping the facade makes for a read-only or write-only connection.
// librsm moves data only through a mapping and, when there is none, maps the
// whole segment for reading *and* writing, which such a connection may not
// do (RSMERR_BAD_PERMS). So before a transfer the facade maps the segment
// itself with the connection's own permission, far enough for the transfer,
// and the library then judges the transfer (a put on a read-only connection
// is its RSMERR_PERM_DENIED). Where that mapping is refused the library's own
// error comes through, with what to do added (docs/semantics.md §8).

import { pageSize } from './backend';
import { MapAttribute, Permission } from './constants';
import { RsmError } from './errors';
import { Mapping } from './mapping';
import type { NativeImportSegment } from './native';

/** The hidden mapping of one READ-only or WRITE-only connection, from segment offset 0. */
export class AutoMapping {
  readonly #native: NativeImportSegment;
  readonly #permission: number;
  #mapping: Mapping | undefined;
  /** The segment's length once learnt (librsm does not tell importers). */
  #knownSize: number | undefined;

  /** An AutoMapping for a connection made with `permission`, or undefined when it needs none. */
  static for(native: NativeImportSegment, permission: number): AutoMapping | undefined {
    return permission === Permission.READ || permission === Permission.WRITE ? new AutoMapping(native, permission) : undefined;
  }

  private constructor(native: NativeImportSegment, permission: number) {
    this.#native = native;
    this.#permission = permission;
  }

  /**
   * Runs `run`, a data transfer that touches the segment up to byte `end`,
   * after mapping that far (unless the caller's own mapping is in place).
   */
  transfer<R>(end: number, callerMapped: boolean, run: () => R): R {
    const refusal = callerMapped || this.#native.disconnected ? undefined : this.#prepare(end);
    try {
      return run();
    } catch (e) {
      if (refusal !== undefined && e instanceof RsmError) e.message += ` (${this.#explain(refusal)})`;
      throw e;
    }
  }

  /** Unmaps it, if it is mapped; true when it was. */
  drop(): boolean {
    const m = this.#mapping;
    this.#mapping = undefined;
    if (m === undefined || m.unmapped) return false;
    m.unmap();
    return true;
  }

  /** Maps far enough for `end`; returns the map error if refused. */
  #prepare(end: number): RsmError | undefined {
    const page = pageSize;
    let want = Math.max(page, Math.ceil(end / page) * page);
    if (this.#knownSize !== undefined) want = Math.min(want, this.#knownSize);
    const have = this.#mapping !== undefined && !this.#mapping.unmapped ? this.#mapping.length : 0;
    if (have >= want) return undefined;
    this.drop();
    const first = this.#tryMap(want);
    if (first === undefined) return undefined;
    if (first.code !== 'RSMERR_BAD_LENGTH') {
      if (have > 0) this.#tryMap(have);
      return first;
    }
    // Past the end of the segment: find its length (whole pages, between
    // what mapped before and what did not) by a binary search of map calls,
    // and map all of it, so the library reports the range itself
    // (RSMERR_BAD_OFFSET), as for other connections.
    let lo = have / page;
    let hi = want / page;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const failure = this.#tryMap(mid * page);
      if (failure === undefined) {
        lo = mid;
        this.drop();
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
      this.#mapping = new Mapping(this.#native.map(0, length, this.#permission, MapAttribute.NONE));
      return undefined;
    } catch (e) {
      if (e instanceof RsmError) return e;
      throw e;
    }
  }

  /** What to do about a refused map, added to the transfer's error. */
  #explain(refusal: RsmError): string {
    const reading = this.#permission === Permission.READ;
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
    return `librsm moves data only through a mapping; this ${reading ? 'read-only' : 'write-only'} connection was to be ` +
      `mapped for ${reading ? 'reading' : 'writing'}, but rsm_memseg_import_map answered ${refusal.code}: ${advice}`;
  }
}
