// The simulator's view of its cluster: which processes (nodes) use it and
// which segments exist there, with owners, access lists and importers. What
// `ipcs` is for System V IPC, and what `rsm segments` prints.

import { binding } from './binding';
import type { AccessEntry } from './export-segment';

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
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR when the live backend is not the
 *   built-in simulator (see backend()).
 * @throws {RsmError} RSMERR_BAD_CONF when RSM_SIM_DIR or RSM_SIM_NODE is
 *   unusable or the cluster registry cannot be opened.
 */
export function snapshot(): SimSnapshot {
  return deepFreeze(JSON.parse(binding.simSegments()) as SimSnapshot);
}

/**
 * The segments of the simulated cluster, as {@link snapshot} reports them.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR when the live backend is not the built-in simulator.
 * @throws {RsmError} RSMERR_BAD_CONF when the cluster registry cannot be opened.
 */
export function segments(): readonly SimSegment[] {
  return snapshot().segments;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
