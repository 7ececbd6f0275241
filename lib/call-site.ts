// Where an asynchronous call was made. A blocking RSMAPI call runs off the
// main thread and rejects from a libuv callback, so its error has no
// JavaScript frames at all. The facade records the caller's stack when the
// call is made (as better-sqlite3 and undici do) and gives it to the
// rejection: the error then shows the line of the program that made the
// call. Only the asynchronous calls pay for this (put/get are synchronous
// and keep their own stack).

/** The stack at a call of `api` (the frames of `api` and below it left out). */
export interface CallSite {
  stack?: string;
}

// eslint-disable-next-line @typescript-eslint/ban-types
export function callSite(api: Function): CallSite {
  const site: CallSite = {};
  Error.captureStackTrace(site, api);
  return site;
}

/** `error` with the frames of `site` in place of its own; anything but an Error is returned as it is. */
export function atCallSite(error: unknown, site: CallSite): unknown {
  if (error instanceof Error && site.stack !== undefined) {
    const frames = site.stack.indexOf('\n');
    error.stack = `${error.name}: ${error.message}${frames < 0 ? '' : site.stack.slice(frames)}`;
  }
  return error;
}

/** `promise`, rejecting with the stack of the call of `api` being made now. */
// eslint-disable-next-line @typescript-eslint/ban-types
export function tracedAt<T>(api: Function, promise: Promise<T>): Promise<T> {
  const site = callSite(api);
  return promise.catch((e: unknown) => {
    throw atCallSite(e, site);
  });
}
