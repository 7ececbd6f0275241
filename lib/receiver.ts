// The error a facade method throws when called on anything but an object of
// its own class (e.g. `ImportSegment.prototype.put.call({})`): TypeError
// ERR_INVALID_THIS, as Node's own classes answer. Each class checks its
// receiver with a private-field brand check (`#field in this`), which V8
// compiles to one map check, so put/get pay nothing measurable for it.

import { codedError } from './errors';

/** TypeError ERR_INVALID_THIS naming the class the receiver should have been. */
export function invalidThis(className: string): TypeError & { code: string } {
  return codedError(new TypeError(`Value of "this" must be of type ${className}`), 'ERR_INVALID_THIS');
}

/** True for a value `#field in value` may be asked of without throwing. */
export function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}
