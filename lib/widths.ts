// The four access widths of rsm_memseg_import_put8/16/32/64 and
// get8/16/32/64, as one table: which typed arrays each takes, and the scalar
// functions of the connection that move one element of it. ImportSegment's
// width methods are this table applied to one width.

import { codedError } from './errors';
import type { NativeImportAccess } from './native';
import * as check from './validate';

type Integer = number | bigint;
/** An array whose one element moves through a scalar function. */
export type Single = { [index: number]: Integer };

/** One access width. */
export interface Width {
  readonly bits: 8 | 16 | 32 | 64;
  /**
   * `value` when it is a one-element integer array of this width (its element
   * moves through the scalar function), else undefined. A function per width
   * so that V8 sees constant classes in its instanceof checks; isView first,
   * since a Proxy of a typed array passes instanceof but has no length.
   */
  single(value: unknown): Single | undefined;
  /** The arrays put/get take, for messages. */
  readonly kinds: string;
  /** rsm_memseg_import_get<bits> of one element. */
  load(access: NativeImportAccess, offset: number): Integer;
  /** rsm_memseg_import_put<bits> of one element. */
  store(access: NativeImportAccess, offset: number, value: Integer): void;
}

function width(bits: Width['bits'], kinds: string, single: Width['single'], load: Width['load'], store: Width['store']): Width {
  return { bits, kinds, single, load, store };
}

// One line a width. Float32Array / Float64Array elements are not integers:
// they take the view path.
export const W8 = width(8, 'Uint8Array or Int8Array', (v) => (ArrayBuffer.isView(v) && (v instanceof Uint8Array || v instanceof Int8Array) && v.length === 1 ? v : undefined), (a, at) => a.load8(at), (a, at, value) => a.store8(at, value as number));
export const W16 = width(16, 'Uint16Array or Int16Array', (v) => (ArrayBuffer.isView(v) && (v instanceof Uint16Array || v instanceof Int16Array) && v.length === 1 ? v : undefined), (a, at) => a.load16(at), (a, at, value) => a.store16(at, value as number));
export const W32 = width(32, 'Uint32Array, Int32Array or Float32Array', (v) => (ArrayBuffer.isView(v) && (v instanceof Uint32Array || v instanceof Int32Array) && v.length === 1 ? v : undefined), (a, at) => a.load32(at), (a, at, value) => a.store32(at, value as number));
export const W64 = width(64, 'BigUint64Array, BigInt64Array or Float64Array', (v) => (ArrayBuffer.isView(v) && (v instanceof BigUint64Array || v instanceof BigInt64Array) && v.length === 1 ? v : undefined), (a, at) => a.load64(at), (a, at, value) => a.store64(at, value as bigint));

/** `value` as a typed array whose element width is this width, or TypeError ERR_INVALID_ARG_TYPE. */
export function elements(value: unknown, width: Width, name: string): ArrayBufferView {
  const v = check.view(value, name);
  const bytes = (v as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT;
  if (bytes !== width.bits / 8 || v instanceof DataView) {
    throw codedError(new TypeError(`${name} must be a ${width.kinds}, got ${check.describe(value)}`), 'ERR_INVALID_ARG_TYPE');
  }
  return v;
}
