// Typed views over the one ArrayBuffer a handle shows its memory through (an
// export segment, local memory, a writable mapping). Once the memory is gone
// the addon has detached that buffer; a view made before reads as empty, and
// so must one asked for afterwards, though a typed array cannot be
// constructed over a detached buffer.

import { codedError } from './errors';
import { describe, integer } from './validate';

/** The cached Uint8Array over `buffer`, or a new one if the buffer changed (rebind, release). */
export function bytesOver(buffer: ArrayBuffer, cached: Uint8Array | undefined): Uint8Array {
  if (cached !== undefined && cached.buffer === buffer) return cached;
  return isDetached(buffer) ? new Uint8Array(0) : new Uint8Array(buffer);
}

/**
 * A new view of `type` (a TypedArray class or DataView, or a subclass) over
 * `buffer`, from byte `offset` (default 0, a multiple of the element size),
 * of `length` elements (bytes for a DataView; default: the rest); empty when
 * the buffer is detached. A `type` that is no view class is a TypeError
 * ERR_INVALID_ARG_TYPE; a misaligned offset, or a rest of the memory that is
 * not a whole number of elements, a RangeError ERR_INVALID_ARG_VALUE; an
 * offset or length past the memory a RangeError ERR_OUT_OF_RANGE.
 */
export function viewOver<T extends ArrayBufferView>(buffer: ArrayBuffer, type: ViewClass<T>, offset?: number, length?: number): T {
  if (!isViewClass(type)) {
    throw codedError(new TypeError(`type must be a TypedArray class or DataView, got ${describe(type)}`), 'ERR_INVALID_ARG_TYPE');
  }
  const start = offset === undefined ? 0 : integer(offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
  const count = length === undefined ? undefined : integer(length, 'length', 0, Number.MAX_SAFE_INTEGER);
  if (isDetached(buffer)) return new type(new ArrayBuffer(0));
  const bytes = buffer.byteLength;
  const w = (type as { BYTES_PER_ELEMENT?: unknown }).BYTES_PER_ELEMENT;
  const width = typeof w === 'number' ? w : 1;
  if (start > bytes) {
    throw codedError(new RangeError(`offset must be at most ${bytes} (the memory's length), got ${start}`), 'ERR_OUT_OF_RANGE');
  }
  if (start % width !== 0) {
    throw codedError(new RangeError(`offset must be a multiple of ${width} for ${type.name}, got ${start}`), 'ERR_INVALID_ARG_VALUE');
  }
  const room = (bytes - start) / width;
  if (count === undefined && !Number.isInteger(room)) {
    throw codedError(
      new RangeError(`the memory from offset ${start} (${bytes - start} bytes) is not a whole number of ${width}-byte elements for ${type.name}`),
      'ERR_INVALID_ARG_VALUE',
    );
  }
  if (count !== undefined && count > Math.floor(room)) {
    throw codedError(
      new RangeError(`length must be at most ${Math.floor(room)} elements of ${type.name} from offset ${start}, got ${count}`),
      'ERR_OUT_OF_RANGE',
    );
  }
  return new type(buffer, start, count ?? room);
}

/** A TypedArray class or DataView (or a subclass). */
export type ViewClass<T extends ArrayBufferView> = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => T;

const TypedArray: unknown = Object.getPrototypeOf(Uint8Array);

function isViewClass(type: unknown): boolean {
  if (typeof type !== 'function') return false;
  return type === DataView || type.prototype instanceof DataView || type.prototype instanceof (TypedArray as typeof Uint8Array);
}

// A detached buffer reports length 0, and a typed array cannot be made over
// it (TypeError); one of length 0 that is not detached accepts that.
export function isDetached(buffer: ArrayBufferLike): boolean {
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}
