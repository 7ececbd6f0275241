// The simulator's view of its cluster: which processes (nodes) use it and
// which segments exist there, with owners, access lists and importers. What
// `ipcs` is for System V IPC, and what `rsm segments` prints.

import { binding } from './binding';
import type { AccessEntry } from './export-segment';
import { boolean } from './validate';

/** Fault injection: rsm.sim.faults (faults.ts). */
export * as faults from './faults';
export type { NodeFaults } from './faults';

/** A process that has joined the simulated cluster. */
export interface SimProcess {
  /** Its slot in the cluster registry. */
  readonly slot: number;
  /** Its process id. */
  readonly pid: number;
  /** The node it is (RSM_SIM_NODE). */
  readonly node: number;
  /** False for a process that died and has not been cleaned up after yet. */
  readonly alive: boolean;
}

/** A connection to a segment (rsm_memseg_import_connect). */
export interface SimImporter {
  /** The importing node. */
  readonly node: number;
  /** The importing process (0 when its registry slot was taken over). */
  readonly pid: number;
  /**
   * The connection's mode, as the driver stores it: the access it asked for
   * in every class (read 0o444, write 0o222), masked by the mode the access
   * list grants its node; e.g. read access under a grant of 0o640 is 0o440.
   */
  readonly permission: number;
  /** False once the exporter unpublished or destroyed the segment under it. */
  readonly connected: boolean;
  /** Interrupt signals the exporter posted to this connection that its process has not yet consumed. */
  readonly pendingSignals: number;
}

/** An export segment (rsm_memseg_export_create), published or not. */
export interface SimSegment {
  /** 'bound': created (or unpublished), not importable; 'published': importable. */
  readonly state: 'bound' | 'published';
  /** The exporting node. */
  readonly node: number;
  /** The segment id it is published under; null while not published. */
  readonly segmentId: number | null;
  /** The controller it was created on, e.g. 'sci0'. */
  readonly controller: string;
  /** Length in bytes. */
  readonly length: number;
  /** The exporting process (0 when its registry slot was taken over). */
  readonly pid: number;
  /** False when the exporting process died and the segment awaits cleanup. */
  readonly ownerAlive: boolean;
  /** The exporter's user id: importers running as this user get the owner part of a mode. */
  readonly uid: number;
  /** The exporter's group id: importers in this group get the group part of a mode. */
  readonly gid: number;
  /** The permission every node gets when the segment is published without an access list (0777 & ~umask). */
  readonly mode: number;
  /** Created with RSM_ALLOW_REBIND. */
  readonly allowRebind: boolean;
  /** Interrupt signals importers posted to it that its exporter has not yet consumed. */
  readonly pendingSignals: number;
  /** The access list it is published with; null when there is none (or it is not published). */
  readonly accessList: readonly AccessEntry[] | null;
  /** The connections to it. */
  readonly importers: readonly SimImporter[];
}

/** The registry of a simulated cluster at one moment. */
export interface SimSnapshot {
  /** The cluster directory (RSM_SIM_DIR). */
  readonly dir: string;
  /** The processes registered in the cluster, live or awaiting cleanup. */
  readonly processes: readonly SimProcess[];
  /** Every export segment of the cluster, published or not. */
  readonly segments: readonly SimSegment[];
}

/**
 * A consistent snapshot of the simulated cluster this process belongs to
 * (RSM_SIM_DIR): its processes and its segments. Only reads the registry;
 * opening it creates the cluster directory if it does not exist yet.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR when the live backend has no
 *   simulator extensions: a real librsm (the built-in simulator and
 *   librsmsim.so through the native backend have them).
 * @throws {RsmError} RSMERR_BAD_CONF when RSM_SIM_DIR or RSM_SIM_NODE is
 *   unusable or the cluster registry cannot be opened.
 */
export function snapshot(): SimSnapshot {
  return deepFreeze(JSON.parse(binding.simSnapshot()) as SimSnapshot);
}

/**
 * The segments of the simulated cluster, as {@link snapshot} reports them.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR when the live backend has no simulator extensions.
 * @throws {RsmError} RSMERR_BAD_CONF when the cluster registry cannot be opened.
 */
export function segments(): readonly SimSegment[] {
  return snapshot().segments;
}

/** A file the simulator made in its cluster directory. */
export interface SimFile {
  /** Its name in the cluster directory. */
  readonly name: string;
  /** 'registry': the cluster registry; 'doorbell': a handle's signal FIFO. */
  readonly kind: 'registry' | 'doorbell';
}

/** What a cluster directory holds, as {@link describe} reports it. */
export interface SimDescription {
  /** The cluster directory (RSM_SIM_DIR, or the simulator's default), resolved. */
  readonly dir: string;
  /** The registry's file name in it. */
  readonly registryFile: string;
  /**
   * 'registry': the file is a simulator registry; 'absent': there is none
   * (no cluster here yet); 'foreign': a file of that name that is no
   * registry; 'unreadable': it cannot be read.
   */
  readonly registry: 'registry' | 'absent' | 'foreign' | 'unreadable';
  /** The simulator's files present in the directory. */
  readonly files: readonly SimFile[];
}

/** What {@link reset} did. */
export interface SimResetReport {
  /** The cluster directory. */
  readonly dir: string;
  /** The other live processes that used the cluster (removed anyway with `force`). */
  readonly liveProcesses: readonly SimProcess[];
  /** The files removed. */
  readonly removed: readonly string[];
  /** How many more were removed than `removed` names (a very long list is cut). */
  readonly more?: number;
}

/**
 * The cluster directory of this process's simulated cluster: RSM_SIM_DIR, or
 * the simulator's default (/dev/shm/rsmsim-<uid>, or $TMPDIR/rsmsim-<uid>
 * without a usable /dev/shm), as the simulator resolved and checked it.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR when the live backend has no
 *   simulator extensions (a real librsm).
 * @throws {RsmError} RSMERR_BAD_CONF when the simulator's configuration is unusable.
 */
export function clusterDir(): string {
  return binding.simClusterDir();
}

/**
 * What the cluster directory holds: whether it has a registry, and the
 * simulator's files in it. Never creates the registry.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR when the live backend has no simulator extensions.
 * @throws {RsmError} RSMERR_BAD_CONF when the simulator's configuration is unusable.
 */
export function describe(): SimDescription {
  return deepFreeze(JSON.parse(binding.simDescribe()) as SimDescription);
}

/** Options of {@link reset}. */
export interface SimResetOptions {
  /** Remove the files even while other live processes use the cluster, or its registry is damaged. */
  readonly force?: boolean;
}

/**
 * Removes the simulated cluster's state: the registry, the doorbells and
 * every other file the simulator made in the cluster directory (never a
 * file of another name or type). A directory without a registry is reset
 * already, but for the doorbells a killed process may have left there,
 * which are removed. Meant for a tool, or a test's own cluster; this process
 * should not use the cluster afterwards.
 *
 * @throws {Error} code ERR_RSM_CLUSTER_IN_USE (with `liveProcesses`) when
 *   other live processes use the cluster and `force` is not set; nothing is
 *   removed then.
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR when the live backend has no simulator extensions.
 * @throws {RsmError} RSMERR_BAD_CONF when the directory holds a file named
 *   like the registry that is none (nothing is removed then), or a damaged
 *   registry (without `force`).
 */
export function reset(options: SimResetOptions = {}): SimResetReport {
  const force = boolean(options.force ?? false, 'force');
  const report = JSON.parse(binding.simReset(force)) as SimResetReport & { reset: boolean };
  const { reset: done, ...rest } = report;
  if (!done) {
    const who = rest.liveProcesses.map((p) => `pid ${p.pid} (node ${p.node})`).join(', ');
    throw Object.assign(
      new Error(`${rest.dir} is in use by ${rest.liveProcesses.length} live process(es): ${who}; stop them or use force`),
      { code: 'ERR_RSM_CLUSTER_IN_USE', liveProcesses: deepFreeze(rest.liveProcesses) },
    );
  }
  return deepFreeze(rest);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
