// rsmapi: the illumos/Solaris Remote Shared Memory API for Node.js.
// Everything public is exported from here.

export { backend, pageSize } from './backend';
export type { BackendInfo } from './backend';
export { codes, codeName, codeNumber } from './codes';
export { BarrierMode, BarrierType, ExportFlags, Limits, MapAttribute, Permission, SegmentIds } from './constants';
export { Controller, getController } from './controller';
export type { ConnectOptions, ControllerAttributes, ExportOptions } from './controller';
export { RsmError } from './errors';
export { ExportSegment } from './export-segment';
export type { AccessEntry, PublishOptions } from './export-segment';
export { ImportSegment } from './import-segment';
export type { IoEntry, MapOptions, ScatterGatherOptions } from './import-segment';
export type { ImportState, ProbeOptions } from './segment-lifecycle';
export { Mapping } from './mapping';
export { Barrier } from './barrier';
export { LocalMemory } from './local-memory';
export type { ViewClass } from './memory-views';
export { getTopology, segmentIdRange } from './topology';
export type { RemoteController, SegmentIdRange, Topology, TopologyController } from './topology';
// Simulator-only inspection (rsm.sim.snapshot(), rsm.sim.segments()).
export * as sim from './sim';
export { AbortError, POLLRDNORM, pollSignals } from './signals';
export type { PollEntry, SignalIteratorOptions, WaitOptions } from './signals';
export type { SyncResult, TransactionOptions } from './transaction';
export { Channel, openChannel } from './channel';
export type { ChannelBatchOptions, ChannelOptions, ChannelStats, ChannelWaitOptions } from './channel';
export { waitUntil } from './wait-until';
export type { Comparison, IntegerArray, SignalSource, WaitUntilOptions } from './wait-until';
export type { BarrierStats, ExportStats, ImportStats } from './stats';
export { EventChannels, TraceChannels } from './tracing';
export type { BarrierFailureMessage, TraceContext } from './tracing';
