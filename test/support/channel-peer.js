'use strict';
// The other end of a channel test, in its own process (or a worker thread):
// opens a channel to CHANNEL_PEER at CHANNEL_ID, runs pump() with the
// settings in CHANNEL_JOB (JSON), closes, and reports { stats, bytes } or
// { error } on stdout / to the parent port. With job.hold it then waits to be
// killed instead of closing.
const { parentPort, workerData, isMainThread } = require('node:worker_threads');
const { check, jittered, message, pump, rsm } = require('./channel-traffic');

const env = isMainThread ? process.env : workerData;
const job = JSON.parse(env.CHANNEL_JOB);

function report(value) {
  if (parentPort) parentPort.postMessage(value);
  else process.stdout.write(`${JSON.stringify(value)}\n`);
}

(async () => {
  const ctl = rsm.getController(job.controller ?? null);
  try {
    const ch = await rsm.openChannel(ctl, { peer: Number(env.CHANNEL_PEER), segmentId: Number(env.CHANNEL_ID), capacity: job.capacity, spin: job.spin, timeout: 20000, peerCheckInterval: job.peerCheckInterval });
    report({ opened: true });
    if (job.delay) await new Promise((resolve) => setTimeout(resolve, job.delay));
    if (job.faultsAt !== undefined) rsm.sim.faults.failBarrierClose(job.faultsAt, job.faults);
    const max = Math.min(ch.maxMessageSize, job.max ?? Infinity);
    const streams = { count: job.count, sendSeed: job.sendSeed, recvSeed: job.recvSeed, max };
    let bytes = 0;
    if (job.sendOnly) {
      for (let i = 0; i < job.count; i++) await ch.send(message(job.sendSeed, i, max));
    } else if (job.receiveOnly !== undefined) {
      for (let i = 0; i < job.receiveOnly; i++) check(await ch.receive(), job.recvSeed, i, job.max);
      if ((await ch.receive()) !== null) throw new Error('expected the end of the stream');
    } else if (job.echo) {
      for (let m = await ch.receive(); m !== null; m = await ch.receive()) await ch.send(m);
    } else {
      ({ bytes } = await (job.jitter ? jittered(ch, streams) : pump(ch, streams)));
    }
    if (job.hold) {
      report({ holding: true, stats: ch.stats });
      await new Promise(() => setInterval(() => undefined, 1000));
    }
    await ch.close();
    report({ stats: ch.stats, bytes });
  } catch (e) {
    report({ error: { message: e.message, code: e.code, stack: e.stack } });
    process.exitCode = 1;
  } finally {
    ctl.release();
  }
})();
