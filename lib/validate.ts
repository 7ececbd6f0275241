// Argument checks shared by the facade classes. Mistakes are TypeError or
// RangeError with Node-style codes; where RSMAPI has a name for the mistake
// the code is that name, so callers can match either way.

import { codedError } from './errors';

export function integer(value: unknown, name: string, min: number, max: number, rangeCode = 'ERR_OUT_OF_RANGE'): number {
  if (typeof value !== 'number') {
    throw codedError(new TypeError(`${name} must be a number, got ${describe(value)}`), 'ERR_INVALID_ARG_TYPE');
  }
  if (!Number.isInteger(value)) {
    throw codedError(new RangeError(`${name} must be an integer, got ${value}`), rangeCode);
  }
  if (value < min || value > max) {
    throw codedError(new RangeError(`${name} must be between ${min} and ${max}, got ${value}`), rangeCode);
  }
  return value;
}

export const UINT32_MAX = 0xffffffff;

/**
 * The most memory createExport / createLocalMemory allocate: far beyond any
 * segment a controller accepts, small enough that rounding up to whole pages
 * cannot overflow.
 */
export const MAX_ALLOCATION = 2 ** 40;

/**
 * An export size: a positive multiple of the page size, at most
 * MAX_ALLOCATION. librsm answers 0 with RSMERR_BAD_LENGTH and 1000 with
 * RSMERR_BAD_MEM_ALIGNMENT; to the caller both are one mistake, so both are
 * RangeError RSMERR_BAD_LENGTH with the same message.
 */
export function exportSize(value: unknown, page: number): number {
  if (typeof value !== 'number') {
    throw codedError(new TypeError(`size must be a number, got ${describe(value)}`), 'ERR_INVALID_ARG_TYPE');
  }
  if (!Number.isInteger(value) || value <= 0 || value % page !== 0 || value > MAX_ALLOCATION) {
    throw codedError(
      new RangeError(`size must be a positive multiple of the page size (${page}), at most 2^40, got ${value}`),
      'RSMERR_BAD_LENGTH',
    );
  }
  return value;
}

export function uint32(value: unknown, name: string, rangeCode?: string): number {
  return integer(value, name, 0, UINT32_MAX, rangeCode);
}

/** An offset into a segment: a non-negative safe integer. */
export function offset(value: unknown, name = 'offset'): number {
  return integer(value, name, 0, Number.MAX_SAFE_INTEGER, 'RSMERR_BAD_OFFSET');
}

/** A byte length: a non-negative safe integer. */
export function length(value: unknown, name = 'length'): number {
  return integer(value, name, 0, Number.MAX_SAFE_INTEGER, 'RSMERR_BAD_LENGTH');
}

export function view(value: unknown, name: string): ArrayBufferView {
  if (!ArrayBuffer.isView(value)) {
    throw codedError(
      new TypeError(`${name} must be a TypedArray, Buffer or DataView, got ${describe(value)}`),
      'ERR_INVALID_ARG_TYPE',
    );
  }
  return value;
}

export function object<T extends object>(value: unknown, name: string): Partial<T> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') {
    throw codedError(new TypeError(`${name} must be an object, got ${describe(value)}`), 'ERR_INVALID_ARG_TYPE');
  }
  return value as Partial<T>;
}

export function boolean(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw codedError(new TypeError(`${name} must be a boolean, got ${describe(value)}`), 'ERR_INVALID_ARG_TYPE');
  }
  return value;
}

/**
 * The native handle a facade constructor was given, if `cls` made it. The
 * constructors are public (the classes are), but only the package calls
 * them: anything else is TypeError ERR_ILLEGAL_CONSTRUCTOR, as the native
 * classes answer.
 */
export function nativeHandle<T>(native: T, cls: { readonly prototype: unknown }, name: string): T {
  if (!Object.prototype.isPrototypeOf.call(cls.prototype, native as unknown as object)) {
    throw codedError(
      new TypeError(`Illegal constructor: ${name} objects are made by the package (e.g. getController(), createExport(), connect()), not with new`),
      'ERR_ILLEGAL_CONSTRUCTOR',
    );
  }
  return native;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'function') return 'a function';
  // An object's own getters or Proxy traps may throw or return anything:
  // describing the mistake must never become a new, uncoded one.
  try {
    if (Array.isArray(value)) return 'an array';
    if (ArrayBuffer.isView(value)) return `a ${constructorName(value)}`;
    if (typeof value === 'object') return `an object (${constructorName(value)})`;
  } catch {
    return 'an object';
  }
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 20 ? value.slice(0, 20) + '…' : value)})`;
  return `${typeof value} (${String(value)})`;
}

function constructorName(value: object): string {
  const ctor: unknown = (value as { constructor?: unknown }).constructor;
  if (ctor === undefined || ctor === null) return 'null prototype';
  const name: unknown = (ctor as { name?: unknown }).name;
  return typeof name === 'string' ? name : 'unnamed';
}

/** A duration or similar: a finite number >= 0 (fractions allowed). */
export function nonNegative(value: unknown, name: string): number {
  if (typeof value !== 'number') {
    throw codedError(new TypeError(`${name} must be a number, got ${describe(value)}`), 'ERR_INVALID_ARG_TYPE');
  }
  if (!Number.isFinite(value) || value < 0) {
    throw codedError(new RangeError(`${name} must be a finite number >= 0, got ${value}`), 'ERR_OUT_OF_RANGE');
  }
  return value;
}

/** An optional AbortSignal. */
export function abortSignal(value: unknown, name: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) {
    throw codedError(new TypeError(`${name} must be an AbortSignal, got ${describe(value)}`), 'ERR_INVALID_ARG_TYPE');
  }
  return value;
}

/** A power of two from `min` to `max`. */
export function powerOfTwo(value: unknown, name: string, min: number, max: number): number {
  const n = integer(value, name, min, max);
  if ((n & (n - 1)) !== 0) throw codedError(new RangeError(`${name} must be a power of two, got ${n}`), 'ERR_OUT_OF_RANGE');
  return n;
}

/** A required option: present, else TypeError ERR_INVALID_ARG_TYPE. */
export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw codedError(new TypeError(`${name} is required`), 'ERR_INVALID_ARG_TYPE');
  return value;
}
