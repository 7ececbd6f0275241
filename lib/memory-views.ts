// Typed views over the one ArrayBuffer a handle shows its memory through (an
// export segment, local memory, a writable mapping). Once the memory is gone
// the addon has detached that buffer; a view made before reads as empty, and
// so must one asked for afterwards, though a typed array cannot be
// constructed over a detached buffer.

/** The cached Uint8Array over `buffer`, or a new one if the buffer changed (rebind, release). */
export function bytesOver(buffer: ArrayBuffer, cached: Uint8Array | undefined): Uint8Array {
  if (cached !== undefined && cached.buffer === buffer) return cached;
  return isDetached(buffer) ? new Uint8Array(0) : new Uint8Array(buffer);
}

/** A new view of `type` over `buffer`; empty when the buffer is detached. */
export function viewOver<T extends ArrayBufferView>(buffer: ArrayBuffer, type: new (buffer: ArrayBuffer) => T): T {
  return new type(isDetached(buffer) ? new ArrayBuffer(0) : buffer);
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
