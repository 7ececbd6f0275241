// The program a node process of rsmapi/testing runs when its target is a
// module function, and the cluster's control process (fault injection and
// snapshots, on the built-in simulator). What to run comes in
// RSMAPI_TESTING_TARGET (JSON), so the node's own argv stays clean.

import { pathToFileURL } from 'node:url';

import { INTERNAL } from './testing-protocol';
import type { InternalMessage, RemoteError } from './testing-protocol';

interface FunctionTarget {
  readonly kind: 'function';
  readonly module: string;
  readonly export: string;
  readonly args: readonly unknown[];
}
interface ControlTarget {
  readonly kind: 'control';
}

function toRemote(e: unknown): RemoteError {
  const err = e as { name?: unknown; code?: unknown; errno?: unknown; syscall?: unknown; message?: unknown; stack?: unknown };
  return {
    name: typeof err?.name === 'string' ? err.name : 'Error',
    code: typeof err?.code === 'string' ? err.code : undefined,
    errno: typeof err?.errno === 'number' ? err.errno : undefined,
    syscall: typeof err?.syscall === 'string' ? err.syscall : undefined,
    message: typeof err?.message === 'string' ? err.message : String(e),
    stack: typeof err?.stack === 'string' ? err.stack : undefined,
  };
}

function post(message: InternalMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

// A dynamic import() that tsc's CommonJS output keeps as import(), so an ES
// module can be loaded as well as a CommonJS one.
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, unknown>>;

async function runFunction(target: FunctionTarget): Promise<void> {
  try {
    const mod = await importModule(pathToFileURL(target.module).href);
    const fromDefault = mod.default as Record<string, unknown> | undefined;
    const fn = mod[target.export] ?? (fromDefault && typeof fromDefault === 'object' ? fromDefault[target.export] : undefined);
    if (typeof fn !== 'function') throw new TypeError(`${target.module} has no exported function '${target.export}'`);
    const value: unknown = await fn(...target.args);
    await post({ [INTERNAL]: 'result', value: value === undefined ? null : value });
  } catch (e) {
    await post({ [INTERNAL]: 'error', error: toRemote(e) });
    process.exitCode = 1;
  }
}

// The control process answers { [INTERNAL]: 'call', id, op, args } until
// its channel closes; it holds no handle, so it leaves nothing behind.
function runControl(): void {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const rsm = require('./index') as typeof import('./index');
  const ops: Record<string, (...args: never[]) => unknown> = {
    ...(rsm.sim.faults as unknown as Record<string, (...args: never[]) => unknown>),
    snapshot: () => rsm.sim.snapshot(),
  };
  process.on('message', (m: InternalMessage) => {
    if (!m || m[INTERNAL] !== 'call') return;
    let reply: InternalMessage;
    try {
      const op = ops[m.op];
      if (typeof op !== 'function') throw new TypeError(`unknown control operation ${m.op}`);
      reply = { [INTERNAL]: 'reply', id: m.id, value: (op as (...a: unknown[]) => unknown)(...m.args) ?? null };
    } catch (e) {
      reply = { [INTERNAL]: 'reply', id: m.id, error: toRemote(e) };
    }
    process.send?.(reply);
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ [INTERNAL]: 'ready' });
}

const target = JSON.parse(process.env.RSMAPI_TESTING_TARGET ?? 'null') as FunctionTarget | ControlTarget | null;
delete process.env.RSMAPI_TESTING_TARGET;
if (target?.kind === 'function') void runFunction(target);
else if (target?.kind === 'control') runControl();
else {
  process.stderr.write('rsmapi/testing: this program is started by a Cluster, not by hand\n');
  process.exitCode = 2;
}
