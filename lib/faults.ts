// Fault injection for the simulator (rsm.sim.faults): the failures a real
// interconnect produces and one host cannot otherwise provoke, so recovery
// code can be tested. Faults are per node and kept in the cluster registry:
// injected from one process (a test), they affect every process of the
// cluster that is, or talks to, that node. The same faults can be set for C
// programs with RSM_SIM_FAULTS (see the README).

import { binding } from './binding';
import { boolean, integer } from './validate';

/** The faults set on one node, as {@link list} reports them. */
export interface NodeFaults {
  /** The node id. */
  readonly node: number;
  /** How many of the next barrier opens of its importers fail (RSMERR_BARRIER_OPEN_FAILED). */
  readonly barrierOpenFail: number;
  /** How many of the next barrier closes of its importers fail (RSMERR_BARRIER_FAILURE). */
  readonly barrierCloseFail: number;
  /** No path between it and any other node. */
  readonly unreachable: boolean;
  /** Reachable, but connect requests to it are not answered. */
  readonly unresponsive: boolean;
  /** Its driver is out of resources. */
  readonly noResources: boolean;
  /** It is out of exportable memory. */
  readonly noMemory: boolean;
}

const MAX_NODE = 63;
const MAX_COUNT = 1_000_000;

function node(value: unknown): number {
  return integer(value, 'node', 0, MAX_NODE);
}

function set(name: string, n: number, value: number): void {
  binding.simFault(name, n, value);
}

/**
 * Makes the next `count` barrier closes of importers on `node` fail with
 * RSMERR_BARRIER_FAILURE: closeBarrier(), the close of a transaction(), and
 * the implicit close of put/get in IMPLICIT mode, on interconnect
 * controllers (loopback barriers never fail). A forced disconnect is still
 * reported first, as RSMERR_CONN_ABORTED, without using up a failure.
 * A count of 0 removes the fault.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR unless a simulator is the live backend.
 */
export function failBarrierClose(atNode: number, count = 1): void {
  set('barrier_close_fail', node(atNode), integer(count, 'count', 0, MAX_COUNT));
}

/**
 * Makes the next `count` barrier opens of importers on `node` fail with
 * RSMERR_BARRIER_OPEN_FAILED (openBarrier(), and the implicit open of
 * put/get in IMPLICIT mode, which then moves no data). 0 removes the fault.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR unless a simulator is the live backend.
 */
export function failBarrierOpen(atNode: number, count = 1): void {
  set('barrier_open_fail', node(atNode), integer(count, 'count', 0, MAX_COUNT));
}

/**
 * Cuts (or, with `on` false, restores) every path between `node` and the
 * other nodes. While cut, connects between them and signals sent from an
 * import across the cut fail with RSMERR_REMOTE_NODE_UNREACHABLE. Cutting
 * also tears down the connections that cross it, as the driver does when a
 * path fails: their importers see RSMERR_CONN_ABORTED (put/get in IMPLICIT
 * mode, closeBarrier()) and must reconnect once the path is back.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR unless a simulator is the live backend.
 */
export function setUnreachable(atNode: number, on = true): void {
  set('unreachable', node(atNode), boolean(on, 'on') ? 1 : 0);
}

/**
 * Makes `node` stop answering connect requests (or answer again). A
 * connect() to it stays pending until the fault is removed (it then
 * completes), the node is made unreachable (RSMERR_REMOTE_NODE_UNREACHABLE),
 * or the connecting node is interrupted (RSMERR_INTERRUPTED).
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR unless a simulator is the live backend.
 */
export function setUnresponsive(atNode: number, on = true): void {
  set('unresponsive', node(atNode), boolean(on, 'on') ? 1 : 0);
}

/**
 * Runs `node`'s driver out of resources (or gives them back): createExport()
 * and connect() there fail with RSMERR_INSUFFICIENT_RESOURCES; publish() of
 * an export created with `dontWait` fails the same way, while one created
 * without it stays pending until resources return (or RSMERR_INTERRUPTED
 * after {@link interrupt}).
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR unless a simulator is the live backend.
 */
export function setOutOfResources(atNode: number, on = true): void {
  set('no_resources', node(atNode), boolean(on, 'on') ? 1 : 0);
}

/**
 * Runs `node` out of exportable memory (or gives it back): createExport()
 * and connect() there fail with RSMERR_INSUFFICIENT_MEM.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR unless a simulator is the live backend.
 */
export function setOutOfMemory(atNode: number, on = true): void {
  set('no_memory', node(atNode), boolean(on, 'on') ? 1 : 0);
}

/**
 * Makes `node`'s export segments vanish as if the node had crashed: their
 * importers are disconnected (RSMERR_CONN_ABORTED), their shared memory and
 * doorbells are removed, their segment ids are free for a new exporter; the
 * node's own imports lose their connections too. The processes of the node
 * go on running; their export handles should be destroyed.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR unless a simulator is the live backend.
 */
export function crashNode(atNode: number): void {
  set('crash', node(atNode), 1);
}

/**
 * Interrupts every blocking call in progress on `node`, as a Unix signal
 * would: a publish() waiting for resources, a connect() waiting for an
 * answer, and signal waits (waitForSignal(), signals(), pollSignals() and
 * waits on poll descriptors the node holds) reject with RSMERR_INTERRUPTED.
 * Calls that are not blocked are not affected.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR unless a simulator is the live backend.
 */
export function interrupt(atNode: number): void {
  set('interrupt', node(atNode), 1);
}

/**
 * Removes every fault from every node of the cluster.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR unless a simulator is the live backend.
 */
export function clear(): void {
  set('clear', 0, 0);
}

/**
 * The nodes that have a fault set, with their faults.
 *
 * @throws {Error} code ERR_RSM_NOT_SIMULATOR unless a simulator is the live backend.
 */
export function list(): readonly NodeFaults[] {
  const parsed = JSON.parse(binding.simFaults()) as { nodes: NodeFaults[] };
  return Object.freeze(parsed.nodes.map((n) => Object.freeze(n)));
}
