'use strict';
// What the benchmarks share: the report line, statistics, a private
// simulated cluster per process, the C floor program, and a child process
// per (operation × implementation) so one's JIT state never colours another.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const RELEASE = path.join(ROOT, 'build', 'Release');

function stats(samples) {
  const s = Float64Array.from(samples).sort();
  return { median: s[Math.floor(s.length / 2)], p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] };
}

/**
 * One result line for bench/run.js. `time_us` is the median and p99 of the
 * per-operation time; `bytes`, when given, turns it into GB/s as well.
 */
function report(bench, implementation, time, note, bytes) {
  const line = { bench, implementation, median_us: time.median, p99_us: time.p99, note };
  if (bytes) {
    line.bytes = bytes;
    line.median_gbs = bytes / (time.median * 1000);
  }
  console.log(JSON.stringify(line));
}

function clusterDir() {
  const root = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  return fs.mkdtempSync(path.join(root, 'rsmapi-bench-'));
}

/**
 * Runs this file again as `node <file> <args...>` in a private cluster and
 * passes its result lines through; a failure is reported, not fatal.
 */
function inChild(file, args, env = {}) {
  const dir = clusterDir();
  try {
    const r = spawnSync(process.execPath, [file, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, RSM_BACKEND: 'sim', RSM_SIM_DIR: dir, ...env },
    });
    process.stdout.write(r.stdout);
    if (r.status !== 0) {
      process.stderr.write(`${path.basename(file)} ${args.join(' ')}: exit ${r.status} ${r.signal ?? ''}\n`);
      process.exitCode = 1;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Compiles bench/c/<name>.c against librsmsim.so; null when that cannot be done. */
function buildC(name) {
  if (!fs.existsSync(path.join(RELEASE, 'librsmsim.so'))) return null;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rsmapi-bench-c-'));
  const exe = path.join(work, name);
  try {
    execFileSync('cc', ['-O2', '-std=c11', `-I${path.join(ROOT, 'src-native', 'abi')}`, path.join(ROOT, 'bench', 'c', `${name}.c`),
      `-L${RELEASE}`, '-lrsmsim', `-Wl,-rpath,${RELEASE}`, '-o', exe], { stdio: 'inherit' });
  } catch {
    fs.rmSync(work, { recursive: true, force: true });
    return null;
  }
  return { exe, dispose: () => fs.rmSync(work, { recursive: true, force: true }) };
}

/** Runs a C floor program in a private cluster; its JSON lines, parsed. */
function runC(exe, args) {
  const dir = clusterDir();
  try {
    const out = execFileSync(exe, args, { env: { ...process.env, RSM_SIM_DIR: dir }, encoding: 'utf8' });
    return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Times `run(n)` (n operations) over `rounds` rounds after a warm-up;
 * median and p99 of the per-operation time in µs.
 */
function timeLoop(run, n, rounds, warmup = 3) {
  for (let i = 0; i < warmup; i++) run(n);
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    run(n);
    samples.push(Number(process.hrtime.bigint() - t0) / 1000 / n);
  }
  return stats(samples);
}

/** The empty-call addon (bench/native/empty.cc), loaded from its .so. */
function emptyAddon() {
  const m = { exports: {} };
  process.dlopen(m, path.join(RELEASE, 'rsm_bench_empty.so'));
  return m.exports;
}

/**
 * librsmsim.so through koffi: the entry points the benchmarks call, and a
 * connection to a fresh segment of `size` bytes exported by this process on
 * sci0, in implicit barrier mode with a barrier registered (as the addon
 * connects), every step a koffi call.
 */
function koffiSegment(size) {
  const koffi = require('koffi');
  const lib = koffi.load(path.join(RELEASE, 'librsmsim.so'));
  const libc = koffi.load('libc.so.6');
  koffi.pointer('rsm_handle', koffi.opaque());
  const f = (proto) => lib.func(proto);
  const api = {
    getController: f('int rsm_get_controller(const char *name, _Out_ rsm_handle *controller)'),
    exportCreate: f('int rsm_memseg_export_create(rsm_handle c, _Out_ rsm_handle *seg, void *vaddr, size_t size, unsigned int flags)'),
    publish: f('int rsm_memseg_export_publish(rsm_handle seg, _Inout_ uint32_t *id, void *acl, unsigned int n)'),
    connect: f('int rsm_memseg_import_connect(rsm_handle c, uint32_t node, uint32_t id, uint32_t perm, _Out_ rsm_handle *seg)'),
    initBarrier: f('int rsm_memseg_import_init_barrier(rsm_handle seg, int type, void *barrier)'),
    disconnect: f('int rsm_memseg_import_disconnect(rsm_handle seg)'),
    destroyBarrier: f('int rsm_memseg_import_destroy_barrier(void *barrier)'),
    unpublish: f('int rsm_memseg_export_unpublish(rsm_handle seg)'),
    destroy: f('int rsm_memseg_export_destroy(rsm_handle seg)'),
    release: f('int rsm_release_controller(rsm_handle c)'),
    mmap: libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)'),
    munmap: libc.func('int munmap(void *addr, size_t length)'),
  };
  for (const bits of [8, 16, 32, 64]) {
    api[`put${bits}`] = f(`int rsm_memseg_import_put${bits}(rsm_handle seg, int64_t offset, uint${bits}_t *data, unsigned long count)`);
    api[`get${bits}`] = f(`int rsm_memseg_import_get${bits}(rsm_handle seg, int64_t offset, uint${bits}_t *data, unsigned long count)`);
  }
  const ok = (rc, what) => {
    if (rc !== 0) throw new Error(`${what}: ${rc}`);
  };
  const out = () => [null];
  const ctl = out();
  ok(api.getController('sci0', ctl), 'rsm_get_controller');
  const PROT_RW = 3;
  const MAP_PRIVATE_ANON = 0x22;
  const memory = api.mmap(null, size, PROT_RW, MAP_PRIVATE_ANON, -1, 0);
  const exp = out();
  ok(api.exportCreate(ctl[0], exp, memory, size, 0), 'rsm_memseg_export_create');
  const id = new Uint32Array(1);
  ok(api.publish(exp[0], id, null, 0), 'rsm_memseg_export_publish');
  const imp = out();
  const RSM_PERM_RDWR = 0o600;
  ok(api.connect(ctl[0], 1, id[0], RSM_PERM_RDWR, imp), 'rsm_memseg_import_connect');
  // The library keeps this struct's address while it is registered:
  // Buffer.alloc memory never moves and is held until close().
  const barrier = Buffer.alloc(64);
  const RSM_BARRIER_SEGMENT = 1;
  ok(api.initBarrier(imp[0], RSM_BARRIER_SEGMENT, barrier), 'rsm_memseg_import_init_barrier');
  return {
    api,
    handle: imp[0],
    close() {
      api.destroyBarrier(barrier);
      api.disconnect(imp[0]);
      api.unpublish(exp[0]);
      api.destroy(exp[0]);
      api.release(ctl[0]);
      api.munmap(memory, size);
    },
  };
}

/** A segment of `size` bytes exported and imported by this process through the facade. */
async function rsmapiSegment(size, options) {
  const rsm = require(ROOT);
  const ctl = rsm.getController('sci0');
  const exp = ctl.createExport(size);
  const id = await exp.publish();
  const imp = await ctl.connect(rsm.getTopology().localNode, id, options);
  return {
    rsm,
    ctl,
    exp,
    imp,
    close() {
      if (imp.mapping) imp.mapping.unmap();
      imp.disconnect();
      exp.destroy();
      ctl.release();
    },
  };
}

module.exports = { ROOT, RELEASE, stats, report, clusterDir, inChild, buildC, runC, timeLoop, emptyAddon, koffiSegment, rsmapiSegment };
