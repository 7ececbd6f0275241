'use strict';
// Long runs of the channel tests (the suite runs bounded versions):
//   node scripts/channel-soak.js [--messages N] [--wakeups N] [--kills N] [--faults N]
//   --messages  messages each way between two processes, random sizes (default 2,000,000)
//   --faults    barrier closes failed on each node while they run (default 1000)
//   --wakeups   messages each way with random pauses, no spinning, and a 10 s
//               peer check: any lost wake-up shows as a sleep that timed out (default 100,000)
//   --kills     rounds where the peer is SIGKILLed mid-stream: the survivor must
//               report ERR_RSM_CHANNEL_PEER_LOST and leave nothing behind (default 50)
// Exits non-zero on the first failure. Runs in a cluster directory of its own.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const root = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
const dir = fs.mkdtempSync(path.join(root, 'rsmapi-channel-soak-'));
process.env.RSM_SIM_DIR = dir;
process.env.RSM_SIM_NODE = '1';

const rsm = require('..');
const { jittered, pump } = require('../test/support/channel-traffic');
const { startPeer } = require('../test/support/channel-child');

let nextId = 0x700000;

async function both(label, count, job, run, ours = {}) {
  const id = nextId++;
  const ctl = rsm.getController();
  try {
    const peer = startPeer({ node: 2, peer: 1, segmentId: id, job: { count, sendSeed: 2, recvSeed: 1, ...job } });
    const ch = await rsm.openChannel(ctl, { peer: 2, segmentId: id, capacity: job.capacity, spin: job.spin, peerCheckInterval: job.peerCheckInterval, ...ours });
    if (job.faults) rsm.sim.faults.failBarrierClose(1, job.faults);
    const t0 = Date.now();
    await run(ch, { count, sendSeed: 1, recvSeed: 2, max: Math.min(ch.maxMessageSize, job.max ?? Infinity) });
    await ch.close();
    const theirs = await peer.report('stats');
    if (theirs.error) throw new Error(`peer: ${theirs.error.stack}`);
    console.log(`${label}: ${count} messages each way in ${Date.now() - t0} ms; here ${JSON.stringify(ch.stats)}; peer ${JSON.stringify(theirs.stats)}`);
    return { ours: ch.stats, theirs: theirs.stats };
  } finally {
    rsm.sim.faults.clear();
    ctl.release();
  }
}

async function kills(rounds) {
  for (let r = 0; r < rounds; r++) {
    const id = nextId++;
    const ctl = rsm.getController();
    try {
      const peer = startPeer({ node: 2, peer: 1, segmentId: id, job: { count: 1e9, sendSeed: 2, recvSeed: 1, capacity: 16384, peerCheckInterval: 20 } });
      const ch = await rsm.openChannel(ctl, { peer: 2, segmentId: id, capacity: 16384, peerCheckInterval: 20 });
      const running = pump(ch, { count: 1e9, sendSeed: 1, recvSeed: 2, max: ch.maxMessageSize });
      setTimeout(() => peer.child.kill('SIGKILL'), 20 + (r * 37) % 200);
      const outcome = await running.then(() => 'finished', (e) => e.code);
      if (outcome !== 'ERR_RSM_CHANNEL_PEER_LOST') throw new Error(`round ${r}: ${outcome}`);
      await peer.exited;
    } finally {
      ctl.release();
    }
    const left = fs.readdirSync(dir).filter((f) => f !== 'fabric');
    if (left.length) throw new Error(`round ${r}: left in the cluster directory: ${left.join(', ')}`);
  }
  console.log(`kills: ${rounds} peers SIGKILLed mid-stream, each reported as ERR_RSM_CHANNEL_PEER_LOST, nothing left behind`);
}

(async () => {
  const messages = opt('messages', 2_000_000);
  const faults = opt('faults', 1000);
  const wakeups = opt('wakeups', 100_000);
  if (messages > 0) await both('random sizes', messages, { capacity: 65536 }, pump);
  if (faults > 0) {
    const r = await both('barrier faults', Math.min(messages || 200_000, 200_000), { capacity: 16384, faultsAt: 2, faults }, pump);
    if (r.ours.resends === 0 || r.theirs.resends === 0) throw new Error('no barrier failure was injected');
  }
  if (wakeups > 0) {
    const r = await both('wake-ups', wakeups, { capacity: 4096, spin: 0, peerCheckInterval: 10000, max: 3000, jitter: true }, jittered);
    if (r.ours.timedOutSleeps || r.theirs.timedOutSleeps) throw new Error('a sleep ended by its timeout: a wake-up was lost');
  }
  await kills(opt('kills', 50));
})().then(
  () => fs.rmSync(dir, { recursive: true, force: true }),
  (e) => {
    console.error(e);
    fs.rmSync(dir, { recursive: true, force: true });
    process.exitCode = 1;
  },
);
