// Typed views over the one ArrayBuffer a handle shows its memory through (an
// export segment, local memory, a writable mapping). Once the memory is gone
// the addon has detached that buffer; a view made before reads as empty, and
// so must one asked for afterwards, though a typed array cannot be
// constructed over a detached buffer.

import { codedError } from './errors';
import { describe } from './validate';

/** The cached Uint8Array over `buffer`, or a new one if the buffer changed (rebind, release). */
export function bytesOver(buffer: ArrayBuffer, cached: Uint8Array | undefined): Uint8Array {
  if (cached !== undefined && cached.buffer === buffer) return cached;
  return isDetached(buffer) ? new Uint8Array(0) : new Uint8Array(buffer);
}

/**
 * A new view of `type` (a TypedArray class or DataView, or a subclass) over
 * `buffer`; empty when the buffer is detached. A `type` that is no view
 * class is a TypeError ERR_INVALID_ARG_TYPE, and a buffer whose length is
 * not a whole number of its elements a RangeError ERR_INVALID_ARG_VALUE.
 */
export function viewOver<T extends ArrayBufferView>(buffer: ArrayBuffer, type: new (buffer: ArrayBuffer) => T): T {
  if (!isViewClass(type)) {
    throw codedError(new TypeError(`type must be a TypedArray class or DataView, got ${describe(type)}`), 'ERR_INVALID_ARG_TYPE');
  }
  const source = isDetached(buffer) ? new ArrayBuffer(0) : buffer;
  const width = (type as { BYTES_PER_ELEMENT?: unknown }).BYTES_PER_ELEMENT;
  if (typeof width === 'number' && source.byteLength % width !== 0) {
    throw codedError(
      new RangeError(`the memory (${source.byteLength} bytes) is not a whole number of ${width}-byte elements for ${type.name}`),
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return new type(source);
}

const TypedArray: unknown = Object.getPrototypeOf(Uint8Array);

function isViewClass(type: unknown): boolean {
  if (typeof type !== 'function') return false;
  return type === DataView || type.prototype instanceof DataView || type.prototype instanceof (TypedArray as typeof Uint8Array);
}

// A detached buffer reports length 0, and a typed array cannot be made over
// it (TypeError); one of length 0 that is not detached accepts that.
function isDetached(buffer: ArrayBuffer): boolean {
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}
