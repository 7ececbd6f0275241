'use strict';
// Channels against what a Node program would use otherwise, each measured in
// this run, each side in a process of its own:
//   - messages one way at 64 B, 1 KiB, 64 KiB: rsmapi Channel; Node `net` over
//     a Unix domain socket, one write per message and 256 messages copied
//     into one write; child_process IPC (64 B);
//   - bandwidth at 1 MiB: Channel against one memcpy of the same size
//     (TypedArray.set between two buffers in one process);
//   - one-way latency (ping-pong / 2): Channel spinning and sleeping, the
//     Unix socket, child_process IPC;
//   - everywhere, the floor: the channel's ring in C over the same shared
//     memory (bench/c/channel_ring.c), and at 64 B the Channel drained with
//     receiveBatch.
// A row's time is per message (one way) or per one-way trip; the note gives
// messages/s. Every cross-process figure is taken after a warm-up of
// WARMUP_MS from the first message (the JIT settles, and the scheduler has
// spread the two processes over the cores: on a 2-vCPU VM it first runs two
// processes that sleep now and then on one vCPU, which costs the channel's
// wake-ups up to milliseconds and can halve a short run's rate); a row whose
// run was over before the warm-up was times the whole run instead.
// Environment: BENCH_SCALE (default 1) scales message counts and rounds;
// BENCH_WARMUP_MS (default 600) sets the warm-up; BENCH_PARTS=messages,
// bandwidth,latency picks parts (default all).
const { fork } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { ROOT, buildC, clusterDir, report, runC, stats: median } = require('./support/common');
const SCALE = Number(process.env.BENCH_SCALE || 1);
const RUNS = 5;
const SIZES = [64, 1024, 65536];
// Counts sized for a second or two per run on a 2-core machine, warm-up included.
const count = (size) => Math.max(200, Math.round((size <= 64 ? 12_000_000 : size <= 1024 ? 4_000_000 : 100_000) * SCALE));
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 600);
const ROUNDS = Math.round(20000 * SCALE);
const BATCH = 256;
const SEGMENT = 0x600000;

const rate = (us) => `${(1 / us).toFixed(2)} M msg/s`;

/**
 * Times the messages a sink sees after the warm-up. Call at(i) with the
 * number of messages seen so far, as often as is cheap (every message, or
 * every 1024 at high rates); end(n) gives µs per message over the timed part.
 */
function steadyClock() {
  let first = 0n;
  let t0 = 0n;
  let i0 = -1;
  let firstCount = 0;
  return {
    at(i) {
      if (i0 >= 0) return;
      const now = process.hrtime.bigint();
      if (first === 0n) {
        first = now;
        firstCount = i;
      } else if (Number(now - first) >= WARMUP_MS * 1e6) {
        i0 = i;
        t0 = now;
      }
    },
    end(n) {
      const now = process.hrtime.bigint();
      // Too little left after the warm-up: the whole run, from the first message.
      if (i0 < 0 || n - i0 < Math.max(1, n / 10)) return Number(now - first) / 1000 / Math.max(1, n - firstCount);
      return Number(now - t0) / 1000 / (n - i0);
    },
  };
}

/** Runs `round` (one timed ping-pong, µs one way) for WARMUP_MS untimed, then `rounds` times; the median. */
async function pingRounds(rounds, round) {
  const start = performance.now();
  while (performance.now() - start < WARMUP_MS) await round();
  const samples = [];
  for (let i = 0; i < rounds; i++) samples.push(await round());
  return median(samples).median;
}

// ---------- roles (child processes) ----------

function payload(size) {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = i & 0xff;
  return b;
}

async function openEnd(me, other, spin) {
  const rsm = require(ROOT);
  const ctl = rsm.getController();
  const ch = await rsm.openChannel(ctl, { peer: other, segmentId: SEGMENT, capacity: 4 * 1024 * 1024, spin, timeout: 30000 });
  return { rsm, ctl, ch };
}

/** Node 2 sends `n` messages of `size`; node 1 times them from first to last. */
async function channelSource(size, n) {
  const { ctl, ch } = await openEnd(2, 1, 50);
  const m = payload(size);
  for (let i = 0; i < n; i++) if (!ch.trySend(m)) await ch.send(m);
  ch.flush();
  await ch.receive(); // the sink's "done"
  await ch.close();
  ctl.release();
}

async function channelSink(size, n) {
  const { ctl, ch } = await openEnd(1, 2, 50);
  const clock = steadyClock();
  const every = size <= 1024 ? 1023 : 0;
  let bytes = 0;
  for (let i = 0; i < n; ) {
    const m = ch.tryReceive() ?? (await ch.receive());
    bytes += m.length;
    if ((i++ & every) === 0) clock.at(i);
  }
  const us = clock.end(n);
  if (bytes !== size * n) throw new Error(`received ${bytes} bytes, expected ${size * n}`);
  await ch.send(new Uint8Array(1));
  await ch.close();
  ctl.release();
  return us;
}

/** channelSink, draining with receiveBatch: one Promise per batch. */
async function channelBatchSink(size, n) {
  const { ctl, ch } = await openEnd(1, 2, 50);
  const clock = steadyClock();
  let bytes = 0;
  let i = 0;
  const onMessage = (m) => {
    bytes += m.length;
    i++;
  };
  while (i < n) {
    await ch.receiveBatch(onMessage, { max: n - i });
    clock.at(i);
  }
  const us = clock.end(n);
  if (bytes !== size * n) throw new Error(`received ${bytes} bytes, expected ${size * n}`);
  await ch.send(new Uint8Array(1));
  await ch.close();
  ctl.release();
  return us;
}

async function channelPing(rounds, spin) {
  const { ctl, ch } = await openEnd(2, 1, spin);
  const m = payload(8);
  const us = await pingRounds(rounds, async () => {
    const t0 = process.hrtime.bigint();
    ch.trySend(m);
    await ch.receive();
    return Number(process.hrtime.bigint() - t0) / 2000;
  });
  await ch.close();
  ctl.release();
  return us;
}

async function channelPong(spin) {
  const { ctl, ch } = await openEnd(1, 2, spin);
  for (let m = await ch.receive(); m !== null; m = await ch.receive()) ch.trySend(m);
  await ch.close();
  ctl.release();
}

function frames(size, n) {
  const one = Buffer.alloc(4 + size);
  one.writeUInt32LE(size, 0);
  payload(size).copy(one, 4);
  return one;
}

/** Counts length-prefixed frames on a socket; resolves with µs per message after the warm-up, to the n-th. */
function countFrames(sock, n, onMessage) {
  return new Promise((resolve) => {
    const clock = steadyClock();
    let got = 0;
    let pending = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      clock.at(got);
      let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      while (buf.length - at >= 4) {
        const len = buf.readUInt32LE(at);
        if (buf.length - at < 4 + len) break;
        at += 4 + len;
        got++;
        if (onMessage) onMessage();
      }
      pending = buf.subarray(at);
      if (got >= n) resolve(clock.end(got));
    });
  });
}

async function unixSink(sockPath, size, n) {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(sockPath, resolve));
  process.send('listening');
  const sock = await new Promise((resolve) => server.once('connection', resolve));
  const us = await countFrames(sock, n);
  sock.end();
  server.close();
  return us;
}

async function unixSource(sockPath, size, n, batched) {
  const sock = net.connect(sockPath);
  await new Promise((resolve) => sock.once('connect', resolve));
  const frame = frames(size, n);
  const write = (b) => (sock.write(b) ? undefined : new Promise((resolve) => sock.once('drain', resolve)));
  if (batched) {
    const batch = Buffer.alloc(frame.length * BATCH);
    for (let i = 0; i < n; i += BATCH) {
      const k = Math.min(BATCH, n - i);
      for (let j = 0; j < k; j++) frame.copy(batch, j * frame.length); // the copy a real program makes
      await write(k === BATCH ? batch : batch.subarray(0, k * frame.length));
    }
  } else {
    for (let i = 0; i < n; i++) await write(frame);
  }
  await new Promise((resolve) => sock.once('end', resolve));
  sock.destroy();
}

async function unixPong(sockPath) {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(sockPath, resolve));
  process.send('listening');
  const sock = await new Promise((resolve) => server.once('connection', resolve));
  sock.setNoDelay(true);
  sock.on('data', (d) => sock.write(d));
  await new Promise((resolve) => sock.once('end', resolve));
  server.close();
}

async function unixPing(sockPath, rounds) {
  const sock = net.connect(sockPath);
  await new Promise((resolve) => sock.once('connect', resolve));
  sock.setNoDelay(true);
  const m = frames(8);
  const us = await pingRounds(rounds, async () => {
    const t0 = process.hrtime.bigint();
    sock.write(m);
    await new Promise((resolve) => sock.once('data', resolve));
    return Number(process.hrtime.bigint() - t0) / 2000;
  });
  sock.end();
  return us;
}

// ---------- the parent: one measurement per child pair ----------

function child(args, env = {}) {
  const node = args[0] === 'channel-source' || args[0] === 'channel-ping' ? '2' : '1';
  const c = fork(__filename, args, { env: { ...process.env, ...env, RSM_SIM_NODE: node }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = new Promise((resolve, reject) => {
    c.on('message', (m) => {
      if (m && typeof m === 'object' && 'result' in m) resolve(m.result);
    });
    c.once('exit', (code) => (code ? reject(new Error(`${args[0]} exited with ${code}`)) : resolve(undefined)));
  });
  const ready = new Promise((resolve) => c.on('message', (m) => m === 'listening' && resolve()));
  return { c, result, ready };
}

async function pair(first, second, env) {
  const a = child(first, env);
  if (first[0].startsWith('unix')) await a.ready;
  const b = child(second, env);
  const [ra, rb] = await Promise.all([a.result, b.result]);
  return ra ?? rb;
}

async function channelPair(first, second) {
  const dir = clusterDir();
  try {
    return await pair(first, second, { RSM_SIM_DIR: dir, RSM_BACKEND: process.env.RSM_BACKEND || 'sim' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function repeat(fn) {
  const xs = [];
  for (let r = 0; r < RUNS; r++) xs.push(await fn());
  return median(xs);
}

function sockPath() {
  return path.join(os.tmpdir(), `rsmapi-bench-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
}

async function ipcOneWay(n) {
  const c = fork(__filename, ['ipc-sink', String(n)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = new Promise((resolve) => c.on('message', (m) => m && m.result !== undefined && resolve(m.result)));
  await new Promise((resolve) => c.once('message', resolve)); // ready
  const m = 'x'.repeat(64);
  for (let i = 0; i < n; i++) if (!c.send(m)) await new Promise((resolve) => setImmediate(resolve));
  const us = await result;
  c.kill();
  return us;
}

async function ipcPing(rounds) {
  const c = fork(__filename, ['ipc-pong'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve) => c.once('message', resolve));
  const us = await pingRounds(rounds, async () => {
    const t0 = process.hrtime.bigint();
    c.send('p');
    await new Promise((resolve) => c.once('message', resolve));
    return Number(process.hrtime.bigint() - t0) / 2000;
  });
  c.kill();
  return us;
}

function memcpyUs(size) {
  const a = Buffer.alloc(size, 1);
  const b = Buffer.alloc(size);
  const xs = [];
  for (let r = 0; r < 200; r++) {
    const t0 = process.hrtime.bigint();
    b.set(a);
    xs.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return median(xs);
}

let ringProgram;
/** The C ring (bench/c/channel_ring.c) run with `args`: { median, p99 } µs, or undefined when it cannot be built. */
function cRing(args) {
  if (ringProgram === undefined) {
    ringProgram = buildC('channel_ring');
    if (ringProgram) process.once('exit', () => ringProgram.dispose());
  }
  if (!ringProgram) return undefined;
  const [r] = runC(ringProgram.exe, args);
  return r && { median: r.median_us, p99: r.p99_us };
}

const PARTS = (process.env.BENCH_PARTS || 'messages,bandwidth,latency').split(',');

async function main() {
  for (const size of PARTS.includes('messages') ? SIZES : []) {
    const n = count(size);
    const bench = `channel messages one way, ${size >= 1024 ? `${size / 1024} KiB` : `${size} B`}`;
    const ch = await repeat(() => channelPair(['channel-sink', String(size), String(n)], ['channel-source', String(size), String(n)]));
    report(bench, 'rsmapi Channel', ch, rate(ch.median));
    if (size === 64) {
      const batch = await repeat(() => channelPair(['channel-sink-batch', String(size), String(n)], ['channel-source', String(size), String(n)]));
      report(bench, 'rsmapi Channel, receiveBatch', batch, rate(batch.median));
    }
    const floor = cRing(['messages', String(size), String(n), String(RUNS)]);
    if (floor) report(bench, 'C ring (floor)', floor, rate(floor.median));
    // Sockets are slower at 64 KiB: fewer messages keep a run near two seconds.
    const un = Math.min(n, Math.round((size <= 1024 ? 400_000 : 40_000) * SCALE));
    const one = await repeat(() => { const p = sockPath(); return pair(['unix-sink', p, String(size), String(un)], ['unix-source', p, String(size), String(un), '0']); });
    report(bench, 'Unix socket, one write each', one, rate(one.median));
    const bn = size <= 1024 ? n : un;
    const batched = await repeat(() => { const p = sockPath(); return pair(['unix-sink', p, String(size), String(bn)], ['unix-source', p, String(size), String(bn), '1']); });
    report(bench, `Unix socket, ${BATCH} per write`, batched, rate(batched.median));
    if (size === 64) {
      const ipc = await repeat(() => ipcOneWay(Math.round(300_000 * SCALE)));
      report(bench, 'child_process IPC', ipc, rate(ipc.median));
    }
  }
  if (PARTS.includes('bandwidth')) await bandwidth();
  if (PARTS.includes('latency')) await latency();
}

async function bandwidth() {
  const MiB = 1024 * 1024;
  const n = Math.max(50, Math.round(30_000 * SCALE));
  const bw = await repeat(() => channelPair(['channel-sink', String(MiB), String(n)], ['channel-source', String(MiB), String(n)]));
  report('channel bandwidth, 1 MiB messages', 'rsmapi Channel', bw, 'per message, one way', MiB);
  report('channel bandwidth, 1 MiB messages', 'memcpy (TypedArray.set)', memcpyUs(MiB), 'one copy in one process', MiB);
  const floor = cRing(['messages', String(MiB), String(n), String(RUNS)]);
  if (floor) report('channel bandwidth, 1 MiB messages', 'C ring (floor)', floor, 'the same ring in C, same shared memory', MiB);
}

async function latency() {
  const lat = 'channel one-way latency (ping-pong / 2)';
  const spinning = await repeat(() => channelPair(['channel-pong', '1000000'], ['channel-ping', String(ROUNDS), '1000000']));
  report(lat, 'rsmapi Channel, spinning', spinning, 'both sides spin on their own memory');
  const sleeping = await repeat(() => channelPair(['channel-pong', '0'], ['channel-ping', String(Math.round(ROUNDS / 4)), '0']));
  report(lat, 'rsmapi Channel, sleeping', sleeping, 'no spin: every message wakes the other side by a signal');
  const floor = cRing(['latency', String(ROUNDS)]);
  if (floor) report(lat, 'C ring (floor)', floor, 'both sides spin, in C');
  const unix = await repeat(() => { const p = sockPath(); return pair(['unix-pong', p], ['unix-ping', p, String(Math.round(ROUNDS / 4))]); });
  report(lat, 'Unix socket', unix, 'net, setNoDelay');
  const ipc = await repeat(() => ipcPing(Math.round(ROUNDS / 4)));
  report(lat, 'child_process IPC', ipc, 'process.send');
}

const [role, ...args] = process.argv.slice(2);
const roles = {
  'channel-source': () => channelSource(Number(args[0]), Number(args[1])),
  'channel-sink': () => channelSink(Number(args[0]), Number(args[1])),
  'channel-sink-batch': () => channelBatchSink(Number(args[0]), Number(args[1])),
  'channel-ping': () => channelPing(Number(args[0]), Number(args[1])),
  'channel-pong': () => channelPong(Number(args[0])),
  'unix-sink': () => unixSink(args[0], Number(args[1]), Number(args[2])),
  'unix-source': () => unixSource(args[0], Number(args[1]), Number(args[2]), args[3] === '1'),
  'unix-pong': () => unixPong(args[0]),
  'unix-ping': () => unixPing(args[0], Number(args[1])),
  'ipc-sink': () => new Promise((resolve) => {
    const n = Number(args[0]);
    const clock = steadyClock();
    let got = 0;
    process.on('message', () => {
      if ((got & 255) === 0) clock.at(got);
      if (++got === n) resolve(clock.end(n));
    });
    process.send('ready');
  }),
  'ipc-pong': () => new Promise(() => {
    process.on('message', (m) => process.send(m));
    process.send('ready');
  }),
};

if (role === undefined) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  roles[role]().then(
    (result) => {
      if (result !== undefined) process.send({ result });
      process.disconnect?.();
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
