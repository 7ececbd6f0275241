// The messages rsmapi/testing exchanges with its node, control and reaper
// processes over their IPC channels. A user's own messages never carry the
// INTERNAL key, so both kinds share one channel.

/** The key that marks a message of rsmapi/testing itself. */
export const INTERNAL = '__rsmapiTesting';

/** An error as it crosses a process boundary: Node's system-error fields. */
export interface RemoteError {
  /** The error's class name, e.g. 'RsmError', 'TypeError'. */
  readonly name: string;
  /** Its code, e.g. 'RSMERR_CONN_ABORTED', if it has one. */
  readonly code?: string | undefined;
  /** The numeric RSMAPI code of an RsmError. */
  readonly errno?: number | undefined;
  /** The RSMAPI function that failed, for an RsmError. */
  readonly syscall?: string | undefined;
  /** Its message. */
  readonly message: string;
  /** Its stack, as the node printed it. */
  readonly stack?: string | undefined;
}

export type InternalMessage =
  | { readonly [INTERNAL]: 'result'; readonly value: unknown }
  | { readonly [INTERNAL]: 'error'; readonly error: RemoteError }
  | { readonly [INTERNAL]: 'ready' }
  | { readonly [INTERNAL]: 'call'; readonly id: number; readonly op: string; readonly args: readonly unknown[] }
  | { readonly [INTERNAL]: 'reply'; readonly id: number; readonly value?: unknown; readonly error?: RemoteError }
  | { readonly [INTERNAL]: 'watch' | 'unwatch'; readonly pid?: number; readonly path?: string };

export function isInternal(m: unknown): m is InternalMessage {
  return typeof m === 'object' && m !== null && INTERNAL in m;
}
