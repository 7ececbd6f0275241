// RsmError: an RSMAPI function returned a code other than RSM_SUCCESS.
// Shaped like Node's system errors (code, errno, syscall). The addon
// constructs it from C++ (setErrorFactory), so native throws satisfy
// `instanceof RsmError`.

import { codeExplanation, codeName } from './codes';

/**
 * Thrown (or rejected with) when an RSMAPI function returns anything but
 * RSM_SUCCESS: `code` is the RSMERR_* name, `errno` the number and `syscall`
 * the function, as in Node's system errors. The message says what the code
 * means and, where known, why it happened.
 */
export class RsmError extends Error {
  /** The RSMERR_* name, e.g. 'RSMERR_PERM_DENIED'. */
  readonly code: string;
  /** The number the RSMAPI function returned. */
  readonly errno: number;
  /** The RSMAPI function that returned it, e.g. 'rsm_memseg_import_connect'. */
  readonly syscall: string;

  constructor(errno: number, syscall: string, detail?: string) {
    const code = codeName(errno);
    const explanation = codeExplanation(errno);
    super(`${syscall}: ${code}: ${explanation}${detail ? ` (${detail})` : ''}`);
    this.name = 'RsmError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
  }
}

/** An Error with a Node-style string code, for mistakes that are not RSMAPI failures. */
export function codedError<E extends Error>(error: E, code: string): E & { code: string } {
  return Object.assign(error, { code });
}
