'use strict';
// One-way interrupt-signal latency between two processes, on the built-in
// simulator: Node to Node through the facade (waitForSignal is a uv_poll on
// the segment's poll descriptor), the same exchange in C over librsmsim.so
// (bench/c/signal_latency.c), and one event-loop turn (setImmediate) as the
// floor any Node wake-up pays.
//
// Ping-pong: the importer posts to the exporter and waits; the exporter
// waits and posts back. Half of each round trip is one one-way latency.
// The two-process rows are timed after a warm-up of WARMUP rounds and at
// least BENCH_WARMUP_MS (default 600) milliseconds, as in channel.bench.js:
// the scheduler of a 2-vCPU VM may first run both processes on one vCPU.
const { execFileSync, fork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 20000);
const WARMUP = Math.floor(ROUNDS / 10) + 10;
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 600);

function stats(samples) {
  const s = Float64Array.from(samples).sort();
  return { median_us: s[Math.floor(s.length / 2)], p99_us: s[Math.floor(s.length * 0.99)] };
}

function report(implementation, result, note) {
  console.log(JSON.stringify({ bench: 'signal one-way latency', implementation, ...result, note }));
}

function clusterDir() {
  const root = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  return fs.mkdtempSync(path.join(root, 'rsmapi-bench-'));
}

// ---- roles of the child processes ----

async function importer() {
  const rsm = require(ROOT);
  const ctl = rsm.getController('sci0');
  const imp = await ctl.connect(1, Number(process.env.BENCH_SEGMENT));
  const samples = [];
  const start = performance.now();
  for (let i = 0; samples.length < ROUNDS; i++) {
    const warm = i >= WARMUP && performance.now() - start >= WARMUP_MS;
    const t0 = process.hrtime.bigint();
    imp.signal();
    await imp.waitForSignal({ timeout: 10000 });
    if (warm) samples.push(Number(process.hrtime.bigint() - t0) / 2000);
  }
  imp.disconnect();
  ctl.release();
  process.send(stats(samples));
}

async function nodeToNode() {
  const dir = clusterDir();
  const env = { ...process.env, RSM_SIM_DIR: dir, RSM_BACKEND: 'sim' };
  try {
    const exporter = fork(__filename, ['exporter'], { env: { ...env, RSM_SIM_NODE: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const id = await new Promise((resolve) => exporter.once('message', resolve));
    const child = fork(__filename, ['importer'], {
      env: { ...env, RSM_SIM_NODE: '2', BENCH_SEGMENT: String(id) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const result = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => code && reject(new Error(`importer exited ${code}`)));
    });
    exporter.send('stop');
    await new Promise((resolve) => exporter.once('exit', resolve));
    report('Node ↔ Node (facade, uv_poll)', result, 'two processes, nodes 1 and 2, sci0');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function exporterRole() {
  const rsm = require(ROOT);
  const ctl = rsm.getController('sci0');
  const exp = ctl.createExport(rsm.pageSize);
  const id = await exp.publish();
  let stop = false;
  process.on('message', (m) => {
    if (m === 'stop') stop = true;
    exp.native.cancelWait();
  });
  process.send(id);
  for (;;) {
    try {
      await exp.waitForSignal();
    } catch {
      break;
    }
    if (stop) break;
    exp.signal();
  }
  exp.destroy();
  ctl.release();
  process.disconnect();
}

function cProgram() {
  const lib = path.join(ROOT, 'build', 'Release');
  if (!fs.existsSync(path.join(lib, 'librsmsim.so'))) return report('C (librsmsim.so)', {}, 'skipped: build/Release/librsmsim.so is missing');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rsmapi-bench-c-'));
  const dir = clusterDir();
  try {
    const exe = path.join(work, 'signal_latency');
    try {
      execFileSync('cc', ['-O2', '-std=c11', `-I${path.join(ROOT, 'src-native', 'abi')}`, path.join(__dirname, 'c', 'signal_latency.c'),
        `-L${lib}`, '-lrsmsim', `-Wl,-rpath,${lib}`, '-o', exe], { stdio: 'inherit' });
    } catch {
      return report('C (librsmsim.so)', {}, 'skipped: no C compiler');
    }
    const out = execFileSync(exe, [String(ROUNDS), String(WARMUP_MS)], { env: { ...process.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: '1' }, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop());
    report('C ↔ C (librsmsim.so, poll)', { median_us: r.median_us, p99_us: r.p99_us }, 'two processes, loopback');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function eventLoopTurn() {
  const samples = [];
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise((resolve) => setImmediate(resolve));
    if (i >= WARMUP) samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  report('setImmediate round trip', stats(samples), 'one event-loop turn, one process (reference)');
}

const role = process.argv[2];
if (role === 'importer') importer().catch((e) => { console.error(e); process.exit(1); });
else if (role === 'exporter') exporterRole().catch((e) => { console.error(e); process.exit(1); });
else {
  (async () => {
    await nodeToNode();
    cProgram();
    await eventLoopTurn();
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
