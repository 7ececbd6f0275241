// The interconnect topology (rsm_get_interconnect_topology) and reserved
// segment-id ranges (rsm_get_segmentid_range): questions about the cluster
// that need no controller.

import { binding } from './binding';
import { codedError } from './errors';
import { describe } from './validate';

/** A controller of another node reachable through a local controller. */
export interface RemoteController {
  /** The remote node's id. */
  readonly node: number;
  /**
   * Its controller as the driver names it: the local controller's driver
   * name followed by the remote instance number (through local 'sci0' a
   * remote instance 1 is 'sci1', whatever the remote node calls it).
   */
  readonly name: string;
  /** Its hardware address (rsm_addr_t, 64 bits). */
  readonly hwaddr: bigint;
  /** Path state: 1 down, 2 up (not yet usable), 3 active (ConnectionState.ACTIVE), 4 going down. */
  readonly state: number;
}

/** A controller of the local node and what it reaches. */
export interface TopologyController {
  /** "<type><unit>", e.g. 'sci0'. The loopback controller is never listed. */
  readonly name: string;
  /** Its hardware address (rsm_addr_t, 64 bits). */
  readonly hwaddr: bigint;
  /** The remote controllers it has a path to. */
  readonly remotes: readonly RemoteController[];
}

/** The interconnect as the local node sees it (rsm_topology_t). */
export interface Topology {
  /** This node's id. */
  readonly localNode: number;
  /** Its controllers, each with its connections. */
  readonly controllers: readonly TopologyController[];
  /**
   * For JSON.stringify, which cannot write a bigint: the same tree with each
   * `hwaddr` as a hexadecimal string ('0x…'). Not enumerable.
   */
  toJSON(): unknown;
}

/** rsm_get_interconnect_topology, as a plain object (the library's block is freed at once). */
export function getTopology(): Topology {
  const topology = binding.topology();
  return Object.defineProperty(topology, 'toJSON', { value: topologyJSON, enumerable: false }) as unknown as Topology;
}

function topologyJSON(this: Topology): unknown {
  const hex = (hwaddr: bigint): string => `0x${hwaddr.toString(16)}`;
  return {
    localNode: this.localNode,
    controllers: this.controllers.map((c) => ({
      name: c.name,
      hwaddr: hex(c.hwaddr),
      remotes: c.remotes.map((r) => ({ ...r, hwaddr: hex(r.hwaddr) })),
    })),
  };
}

/** A range of segment ids an administrator reserved for an application. */
export interface SegmentIdRange {
  /** The first id of the range. */
  readonly base: number;
  /** How many ids it has. */
  readonly length: number;
}

/**
 * rsm_get_segmentid_range: the ids reserved for `appid` in
 * /etc/rsm/rsm.segmentid (on the simulator: the file RSM_SIM_SEGMENTID_FILE
 * names). RSMERR_BAD_CONF when the file is missing or malformed,
 * RSMERR_BAD_APPID when it does not list `appid`.
 */
export function segmentIdRange(appid: string): SegmentIdRange {
  if (typeof appid !== 'string') {
    throw codedError(new TypeError(`appid must be a string, got ${describe(appid)}`), 'ERR_INVALID_ARG_TYPE');
  }
  if (appid.includes('\0')) {
    throw codedError(new TypeError('appid must not contain NUL characters'), 'ERR_INVALID_ARG_VALUE');
  }
  return binding.segmentIdRange(appid);
}
