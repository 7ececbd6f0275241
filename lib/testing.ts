// rsmapi/testing: simulated clusters for the tests of a cluster application.
// Start a cluster in a fresh directory, run each node as a child process (a
// file, a module function or any command), inject faults, collect what the
// nodes print and return, and clean up everything: at stop(), at the exit of
// the test process, and, through a detached reaper, when the test process
// is killed.

import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { NodeFaults } from './faults';
import type { SimSnapshot } from './sim';
import { INTERNAL, isInternal } from './testing-protocol';
import type { InternalMessage, RemoteError } from './testing-protocol';

export type { RemoteError } from './testing-protocol';
export type { NodeFaults } from './faults';
export type { SimSnapshot } from './sim';

/** Environment changes: a string sets a variable, `undefined` removes it. */
export type EnvChanges = Readonly<Record<string, string | undefined>>;

/** How to make a cluster ({@link startCluster}). */
export interface ClusterOptions {
  /**
   * The interconnect topology, as the text of a topology file or its lines
   * (format in the README, "The simulator"); default: nodes 1-8, each with
   * controller 'sci0', all linked.
   */
  readonly topology?: string | readonly string[];
  /** Where the cluster's fresh directory is made: default RSMAPI_TEST_ROOT, else /dev/shm, else the temp dir. */
  readonly parentDir?: string;
  /** Added to the environment of every node of the cluster. */
  readonly env?: EnvChanges;
}

/** How to take part in an existing cluster ({@link joinCluster}). */
export interface JoinOptions {
  /** Its directory: default the cluster of this process (rsm.sim.clusterDir(): RSM_SIM_DIR, else the simulator's default). */
  readonly dir?: string;
  /** A topology for the nodes this object starts, as in {@link ClusterOptions}. */
  readonly topology?: string | readonly string[];
  /** Added to the environment of every node this object starts. */
  readonly env?: EnvChanges;
}

/**
 * What a node process runs: a JavaScript file (CommonJS or ES module), a
 * function exported by a module (its return value is the node's result),
 * or any program (a C program linked with librsmsim.so, say).
 */
export type NodeTarget =
  | string
  | {
      /** A JavaScript file, run with `args` as its command-line arguments. */
      readonly file: string;
    }
  | {
      /** A module (path), CommonJS or ES module. */
      readonly module: string;
      /** The name of the function it exports; default 'default'. Called with `args`. */
      readonly export?: string;
    }
  | {
      /** A program, looked up in PATH, run with `args` as its arguments. */
      readonly command: string;
    };

/** How to run a node ({@link Cluster.run}). */
export interface RunOptions {
  /**
   * Arguments: command-line arguments of a file or command (strings), or
   * the arguments of a module function (any JSON values).
   */
  readonly args?: readonly unknown[];
  /** Changes to the node's environment (after the cluster's own). */
  readonly env?: EnvChanges;
  /** Start from an empty environment instead of this process's. Default false. */
  readonly cleanEnv?: boolean;
  /** Node.js options for a file or module function, e.g. ['--expose-gc']. */
  readonly execArgv?: readonly string[];
  /** Milliseconds after which the node is killed (SIGKILL); its result says so. Default: none. */
  readonly timeout?: number;
  /** Also copy the node's output to this process's stdout/stderr as it comes (it is collected all the same). */
  readonly echo?: boolean;
}

/** How a node process ended. */
export interface NodeResult {
  /** The node id it ran as. */
  readonly node: number;
  /** Its exit code, or null when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, if any. */
  readonly signal: NodeJS.Signals | null;
  /** True when the run's timeout killed it. */
  readonly timedOut: boolean;
  /** Everything it wrote to stdout. */
  readonly stdout: string;
  /** Everything it wrote to stderr. */
  readonly stderr: string;
  /** A module function's return value (JSON); null for other targets. */
  readonly value: unknown;
  /** A module function's exception, with its code and syscall; null if none. */
  readonly error: RemoteError | null;
}

/** Thrown by {@link NodeProcess.result} for a node that did not end well. */
export class NodeFailedError extends Error {
  /** 'ERR_RSM_NODE_FAILED'. */
  readonly code = 'ERR_RSM_NODE_FAILED';
  /** How the node ended. */
  readonly result: NodeResult;
  constructor(result: NodeResult) {
    const how = result.error
      ? `threw ${result.error.name}${result.error.code ? ` ${result.error.code}` : ''}: ${result.error.message}`
      : result.timedOut
        ? 'was killed by its timeout'
        : result.signal
          ? `was killed by ${result.signal}`
          : `exited with code ${result.code}`;
    const tail = result.stderr.trim().split('\n').slice(-10).join('\n');
    super(`node ${result.node} ${how}${tail ? `\n${tail}` : ''}`);
    this.name = 'NodeFailedError';
    this.result = result;
  }
}

const NODE_PROGRAM = path.join(__dirname, 'testing-node.js');
const REAPER_PROGRAM = path.join(__dirname, 'testing-reaper.js');

/**
 * A node of a simulated cluster running in a child process. It emits
 * 'message' for each message the node sends over its IPC channel
 * ({@link send} in the node, or process.send).
 */
export class NodeProcess extends EventEmitter {
  /** The node id. */
  readonly node: number;
  /** Settles when the process has ended and its output is complete; never rejects. */
  readonly exited: Promise<NodeResult>;
  readonly #child: ChildProcess;
  #stdout = '';
  #stderr = '';
  #partial = '';
  readonly #lines: string[] = [];
  readonly #lineWaiters: { resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  readonly #messages: unknown[] = [];
  readonly #messageWaiters: { resolve: (m: unknown) => void; reject: (e: Error) => void }[] = [];
  #value: unknown = null;
  #error: RemoteError | null = null;
  #timedOut = false;
  #ended: NodeResult | null = null;

  /** @internal */
  constructor(node: number, child: ChildProcess, options: { timeout?: number; echo?: boolean }) {
    super();
    this.node = node;
    this.#child = child;
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      this.#stdout += chunk;
      if (options.echo) process.stdout.write(chunk);
      this.#partial += chunk;
      let nl: number;
      while ((nl = this.#partial.indexOf('\n')) >= 0) {
        const line = this.#partial.slice(0, nl);
        this.#partial = this.#partial.slice(nl + 1);
        const w = this.#lineWaiters.shift();
        if (w) w.resolve(line);
        else this.#lines.push(line);
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#stderr += chunk;
      if (options.echo) process.stderr.write(chunk);
    });
    // A node that exits early must not make writes to its stdin throw.
    child.stdin?.on('error', () => {});
    child.on('message', (m: unknown) => {
      if (isInternal(m)) {
        if (m[INTERNAL] === 'result') this.#value = m.value;
        else if (m[INTERNAL] === 'error') this.#error = m.error;
        return;
      }
      const w = this.#messageWaiters.shift();
      if (w) w.resolve(m);
      else this.#messages.push(m);
      this.emit('message', m);
    });
    const timer =
      options.timeout !== undefined
        ? setTimeout(() => {
            this.#timedOut = true;
            this.kill('SIGKILL');
          }, options.timeout)
        : null;
    timer?.unref();
    this.exited = new Promise((resolve) => {
      let spawnError: Error | null = null;
      child.once('error', (e) => {
        spawnError = e;
        this.#stderr += `cannot start: ${e.message}\n`;
      });
      child.once('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        const ended: NodeResult = {
          node,
          code: spawnError ? 127 : code,
          signal,
          timedOut: this.#timedOut,
          stdout: this.#stdout,
          stderr: this.#stderr,
          value: this.#value,
          error: this.#error,
        };
        this.#ended = ended;
        const why = new Error(`node ${node} ended (${signal ?? `exit ${ended.code}`}) before answering; stderr: ${this.#stderr}`);
        for (const w of this.#lineWaiters.splice(0)) w.reject(why);
        for (const w of this.#messageWaiters.splice(0)) w.reject(why);
        resolve(ended);
      });
    });
  }

  /** The process id (undefined if it could not be started). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** True until the process has ended. */
  get running(): boolean {
    return this.#ended === null;
  }

  /** What the node has written to stdout so far. */
  get stdout(): string {
    return this.#stdout;
  }

  /** What the node has written to stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** The next line the node prints on stdout; rejects if it ends first. */
  line(): Promise<string> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#ended) return Promise.reject(new Error(`node ${this.node} has ended; stderr: ${this.#stderr}`));
    return new Promise((resolve, reject) => this.#lineWaiters.push({ resolve, reject }));
  }

  /** Writes one line to the node's stdin. */
  write(text: string): void {
    this.#child.stdin?.write(`${text}\n`);
  }

  /** Writes a line to stdin and resolves with the next line the node prints. */
  ask(text: string): Promise<string> {
    this.write(text);
    return this.line();
  }

  /** Sends a message to the node over its IPC channel (files and module functions). */
  post(message: unknown): void {
    if (!this.#child.connected) throw new Error(`node ${this.node} has no open channel`);
    this.#child.send(message as object);
  }

  /** The next message the node sends over its IPC channel; rejects if it ends first. */
  message(): Promise<unknown> {
    if (this.#messages.length > 0) return Promise.resolve(this.#messages.shift());
    if (this.#ended) return Promise.reject(new Error(`node ${this.node} has ended`));
    return new Promise((resolve, reject) => this.#messageWaiters.push({ resolve, reject }));
  }

  /** Sends a signal to the process, if it still runs. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null && this.#child.pid !== undefined) {
      try {
        this.#child.kill(signal);
      } catch {
        // Ended meanwhile.
      }
    }
  }

  /**
   * Waits for the node to end; resolves with its result when it exited with
   * code 0 (and a module function returned), else rejects with a
   * {@link NodeFailedError} carrying the result.
   */
  async result(): Promise<NodeResult> {
    const r = await this.exited;
    if (r.code !== 0 || r.signal !== null || r.error !== null) throw new NodeFailedError(r);
    return r;
  }

  /**
   * Ends the node: closes its stdin, wakes it if stopped, sends `signal`
   * (null: none, let it end on end of input), and kills it with SIGKILL
   * if it has not ended after `grace` ms.
   */
  async stop({ signal = 'SIGTERM', grace = 10000 }: { signal?: NodeJS.Signals | null; grace?: number } = {}): Promise<NodeResult> {
    if (this.running) {
      this.kill('SIGCONT');
      this.#child.stdin?.end();
      if (signal) this.kill(signal);
      const timer = setTimeout(() => this.kill('SIGKILL'), grace);
      try {
        await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited;
  }
}

/** Fault injection on a cluster: rsm.sim.faults, applied from the cluster's control process. */
export interface ClusterFaults {
  /** The next `count` barrier closes of importers on `node` fail (RSMERR_BARRIER_FAILURE). */
  failBarrierClose(node: number, count?: number): Promise<void>;
  /** The next `count` barrier opens of importers on `node` fail (RSMERR_BARRIER_OPEN_FAILED). */
  failBarrierOpen(node: number, count?: number): Promise<void>;
  /** Cuts (or restores) every path between `node` and the others. */
  setUnreachable(node: number, on?: boolean): Promise<void>;
  /** Makes `node` stop (or resume) answering connect requests. */
  setUnresponsive(node: number, on?: boolean): Promise<void>;
  /** Runs `node`'s driver out of resources, or gives them back. */
  setOutOfResources(node: number, on?: boolean): Promise<void>;
  /** Runs `node` out of exportable memory, or gives it back. */
  setOutOfMemory(node: number, on?: boolean): Promise<void>;
  /** Makes `node`'s export segments vanish as if it had crashed. */
  crashNode(node: number): Promise<void>;
  /** Interrupts every blocking call in progress on `node`. */
  interrupt(node: number): Promise<void>;
  /** Removes every fault. */
  clear(): Promise<void>;
  /** The nodes with a fault set. */
  list(): Promise<readonly NodeFaults[]>;
}

const FAULT_OPS = [
  'failBarrierClose',
  'failBarrierOpen',
  'setUnreachable',
  'setUnresponsive',
  'setOutOfResources',
  'setOutOfMemory',
  'crashNode',
  'interrupt',
  'clear',
  'list',
] as const;

/** An error a control operation threw in the control process. */
function rebuild(e: RemoteError): Error {
  const err = new Error(e.message) as Error & { code?: string; errno?: number; syscall?: string };
  err.name = e.name;
  if (e.code !== undefined) err.code = e.code;
  if (e.errno !== undefined) err.errno = e.errno;
  if (e.syscall !== undefined) err.syscall = e.syscall;
  return err;
}

function topologyText(t: string | readonly string[]): string {
  const text = typeof t === 'string' ? t : t.join('\n');
  return text.endsWith('\n') ? text : `${text}\n`;
}

// The first node a topology declares, for the control process.
function firstNode(text: string | null): number {
  if (text === null) return 1;
  const m = /^\s*node\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : 1;
}

interface Control {
  readonly node: NodeProcess;
  next: number;
  readonly pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
  readonly ready: Promise<void>;
}

/** A simulated cluster: a directory, a topology, and the node processes started in it. */
export class Cluster {
  /** The cluster directory (RSM_SIM_DIR of its nodes). */
  readonly dir: string;
  /** The topology file its nodes read (RSM_SIM_TOPOLOGY), or null for the default topology. */
  readonly topologyFile: string | null;
  /** Fault injection (rsm.sim.faults) on this cluster, from this process. */
  readonly faults: ClusterFaults;
  readonly #owned: boolean;
  readonly #scratch: string | null;
  readonly #env: EnvChanges;
  readonly #controlNode: number;
  readonly #nodes = new Set<NodeProcess>();
  #control: Control | null = null;
  #stopped = false;

  /** @internal */
  constructor(dir: string, owned: boolean, topology: string | readonly string[] | undefined, env: EnvChanges | undefined) {
    this.dir = dir;
    this.#owned = owned;
    this.#env = { ...(env ?? {}) };
    const text = topology === undefined ? null : topologyText(topology);
    this.#controlNode = firstNode(text);
    if (owned) watch({ path: dir });
    if (text !== null) {
      // In an owned directory the file goes with it; else in a scratch directory of its own.
      this.#scratch = owned ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'rsmapi-topology-'));
      if (this.#scratch) watch({ path: this.#scratch });
      this.topologyFile = path.join(this.#scratch ?? dir, 'topology');
      fs.writeFileSync(this.topologyFile, text, { mode: 0o600 });
    } else {
      this.#scratch = null;
      this.topologyFile = null;
    }
    const faults: Partial<Record<(typeof FAULT_OPS)[number], (...args: unknown[]) => Promise<unknown>>> = {};
    for (const op of FAULT_OPS) faults[op] = (...args: unknown[]) => this.#call(op, args);
    this.faults = Object.freeze(faults) as unknown as ClusterFaults;
    live.add(this);
  }

  /** The node processes of this cluster that still run. */
  get nodes(): readonly NodeProcess[] {
    return [...this.#nodes].filter((n) => n.running);
  }

  /**
   * The environment of a process that is `node` of this cluster: this
   * process's environment with RSM_SIM_DIR, RSM_SIM_NODE and
   * RSM_SIM_TOPOLOGY set for it, then the cluster's and `changes` applied.
   */
  env(node: number, changes: EnvChanges = {}, { clean = false }: { clean?: boolean } = {}): Record<string, string> {
    checkNode(node);
    const out: Record<string, string | undefined> = clean ? {} : { ...process.env };
    out.RSM_SIM_DIR = this.dir;
    out.RSM_SIM_NODE = String(node);
    if (this.topologyFile) out.RSM_SIM_TOPOLOGY = this.topologyFile;
    else delete out.RSM_SIM_TOPOLOGY;
    Object.assign(out, this.#env, changes);
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return out as Record<string, string>;
  }

  /**
   * Starts `node` of the cluster in a child process running `target`. Its
   * stdout and stderr are collected (and readable line by line), its stdin
   * is a pipe, and it has an IPC channel unless it is a command.
   */
  run(node: number, target: NodeTarget, options: RunOptions = {}): NodeProcess {
    if (this.#stopped) throw errorWithCode(new Error('the cluster has been stopped'), 'ERR_RSM_CLUSTER_STOPPED');
    const env = this.env(node, options.env, { clean: options.cleanEnv === true });
    const args = options.args ?? [];
    const t = typeof target === 'string' ? { file: target } : target;
    let child: ChildProcess;
    const stdio = ['pipe', 'pipe', 'pipe', 'ipc'] as const;
    if ('command' in t) {
      child = spawn(t.command, args.map(String), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    } else if ('file' in t) {
      child = fork(path.resolve(t.file), args.map(String), { env, stdio: [...stdio], execArgv: [...(options.execArgv ?? [])] });
    } else if ('module' in t) {
      const description = { kind: 'function', module: path.resolve(t.module), export: t.export ?? 'default', args };
      env.RSMAPI_TESTING_TARGET = JSON.stringify(description);
      child = fork(NODE_PROGRAM, [], { env, stdio: [...stdio], execArgv: [...(options.execArgv ?? [])] });
    } else {
      throw errorWithCode(new TypeError('target must be a file path, { file }, { module, export } or { command }'), 'ERR_INVALID_ARG_TYPE');
    }
    const p = new NodeProcess(node, child, { timeout: options.timeout, echo: options.echo });
    this.#nodes.add(p);
    const pid = child.pid;
    if (pid !== undefined) watch({ pid });
    void p.exited.then(() => {
      this.#nodes.delete(p);
      if (pid !== undefined) unwatch({ pid });
    });
    return p;
  }

  /** The registry of the cluster now (rsm.sim.snapshot(), read by the control process). */
  async snapshot(): Promise<SimSnapshot> {
    return (await this.#call('snapshot', [])) as SimSnapshot;
  }

  async #call(op: string, args: readonly unknown[]): Promise<unknown> {
    if (this.#stopped) throw errorWithCode(new Error('the cluster has been stopped'), 'ERR_RSM_CLUSTER_STOPPED');
    this.#control ??= this.#startControl();
    const control = this.#control;
    await control.ready;
    const id = control.next++;
    return new Promise((resolve, reject) => {
      control.pending.set(id, { resolve, reject });
      control.node.post({ [INTERNAL]: 'call', id, op, args });
    });
  }

  // The control process: a member of the cluster on the built-in simulator
  // that applies faults and reads the registry for this process, which may
  // itself belong to another cluster or none.
  #startControl(): Control {
    const env = this.env(this.#controlNode, { RSM_BACKEND: 'sim', RSM_LIBRARY: undefined, RSM_SIM_FAULTS: undefined });
    env.RSMAPI_TESTING_TARGET = JSON.stringify({ kind: 'control' });
    const child = fork(NODE_PROGRAM, [], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
    const node = new NodeProcess(this.#controlNode, child, {});
    const pending: Control['pending'] = new Map();
    const pid = child.pid;
    if (pid !== undefined) watch({ pid });
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (m: unknown) => {
        if (!isInternal(m)) return;
        if (m[INTERNAL] === 'ready') resolve();
        if (m[INTERNAL] !== 'reply') return;
        const w = pending.get(m.id);
        if (!w) return;
        pending.delete(m.id);
        if (m.error) w.reject(rebuild(m.error));
        else w.resolve(m.value);
      });
      void node.exited.then((r) => {
        if (pid !== undefined) unwatch({ pid });
        const why = new Error(`the cluster's control process ended (${r.signal ?? r.code}): ${r.stderr}`);
        reject(why);
        for (const w of pending.values()) w.reject(why);
        pending.clear();
      });
    });
    ready.catch(() => {});
    return { node, next: 1, pending, ready };
  }

  /**
   * Stops every node still running (SIGTERM, then SIGKILL after `grace`
   * ms) and the control process, and removes what the cluster made: its
   * directory (unless it was joined) and its topology file. Idempotent.
   */
  async stop({ grace = 5000 }: { grace?: number } = {}): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const all = [...this.#nodes];
    if (this.#control) all.push(this.#control.node);
    await Promise.all(all.map((n) => n.stop({ grace })));
    this.#removeFiles();
    live.delete(this);
  }

  /** `await using cluster = await startCluster()` stops it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** @internal At the exit of the test process: no waiting, only kills and removals. */
  killNow(): void {
    this.#stopped = true;
    for (const n of this.#nodes) n.kill('SIGKILL');
    this.#control?.node.kill('SIGKILL');
    this.#removeFiles();
  }

  #removeFiles(): void {
    if (this.#owned) {
      fs.rmSync(this.dir, { recursive: true, force: true });
      unwatch({ path: this.dir });
    }
    if (this.#scratch) {
      fs.rmSync(this.#scratch, { recursive: true, force: true });
      unwatch({ path: this.#scratch });
    }
  }
}

function errorWithCode<E extends Error>(e: E, code: string): E & { code: string } {
  return Object.assign(e, { code });
}

function checkNode(node: number): void {
  if (!Number.isInteger(node) || node < 0 || node > 63) {
    throw errorWithCode(new RangeError(`node must be an integer from 0 to 63, got ${String(node)}`), 'ERR_OUT_OF_RANGE');
  }
}

/**
 * Where fresh cluster directories go by default: RSMAPI_TEST_ROOT when set
 * (so a CI job can keep all of its clusters under one directory and check
 * it is empty afterwards), else /dev/shm if usable, else the temp dir.
 */
function defaultParent(): string {
  if (process.env.RSMAPI_TEST_ROOT) return process.env.RSMAPI_TEST_ROOT;
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK | fs.constants.X_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

/**
 * Makes a simulated cluster in a fresh private directory (mode 0700) under
 * `options.parentDir`. Nothing runs until {@link Cluster.run}. Call
 * {@link Cluster.stop} when done (an `after`/`afterEach` hook, or
 * `await using`); a cluster still running when the process exits, or is
 * killed, is cleaned up anyway.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const parent = options.parentDir ?? defaultParent();
  const dir = fs.mkdtempSync(path.join(parent, 'rsmapi-cluster-'));
  fs.chmodSync(dir, 0o700);
  return new Cluster(dir, true, options.topology, options.env);
}

/**
 * A {@link Cluster} for a cluster directory that already exists, such as
 * the one this process itself uses as a node: nodes run there are stopped
 * by stop(), and the directory is left alone.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR without `dir` when this
 *   process's backend has no simulator (a real librsm).
 * @throws {RsmError} RSMERR_BAD_CONF without `dir` when this process's
 *   simulator configuration is unusable.
 */
export function joinCluster(options: JoinOptions = {}): Cluster {
  const dir = options.dir === undefined ? thisProcessClusterDir() : path.resolve(options.dir);
  return new Cluster(dir, false, options.topology, options.env);
}

// The simulator says which directory this process's cluster is (RSM_SIM_DIR
// or its default). Loaded only here, so that a test process that never
// joins a cluster never loads the addon.
function thisProcessClusterDir(): string {
  const sim = require('./sim') as typeof import('./sim');
  return sim.clusterDir();
}

// ---- in a node process ----

/**
 * In a node process started by {@link Cluster.run}: sends `value` (JSON)
 * to the test process, where {@link NodeProcess.message} receives it.
 */
export function send(value: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(errorWithCode(new Error('not a node process started by rsmapi/testing (no IPC channel)'), 'ERR_RSM_NOT_A_NODE'));
      return;
    }
    process.send(value as object, undefined, undefined, (e) => (e ? reject(e) : resolve()));
  });
}

/**
 * In a node process started by {@link Cluster.run}: the next message the
 * test process posts ({@link NodeProcess.post}).
 */
export function receive(): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(errorWithCode(new Error('not a node process started by rsmapi/testing (no IPC channel)'), 'ERR_RSM_NOT_A_NODE'));
      return;
    }
    const onMessage = (m: unknown) => {
      if (isInternal(m)) return;
      process.off('message', onMessage);
      resolve(m);
    };
    process.on('message', onMessage);
  });
}

// ---- cleanup when the test process ends ----

const live = new Set<Cluster>();
process.once('exit', () => {
  for (const c of live) c.killNow();
});

let reaper: ChildProcess | null = null;

function toReaper(message: InternalMessage): void {
  if (!reaper) {
    reaper = fork(REAPER_PROGRAM, [], { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'ipc'], execArgv: [] });
    reaper.unref();
    (reaper.channel as unknown as { unref(): void } | undefined)?.unref();
    reaper.on('error', () => {});
  }
  if (reaper.connected) reaper.send(message);
}

function watch(what: { pid?: number; path?: string }): void {
  toReaper({ [INTERNAL]: 'watch', ...what });
}

function unwatch(what: { pid?: number; path?: string }): void {
  if (reaper) toReaper({ [INTERNAL]: 'unwatch', ...what });
}
