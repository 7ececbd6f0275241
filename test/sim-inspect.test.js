'use strict';
// rsm.sim.snapshot(): the simulator's registry, only where the simulator is
// the live backend.
const assert = require('node:assert/strict');
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const rsm = require('..');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');
const fs = require('node:fs');
const { runChild } = require('./support/child');
const { makeClusterDir, removeClusterDir } = require('./support/cluster-dir');

const root = path.join(__dirname, '..');

function snapshotIn(env) {
  const script = `const r = require(${JSON.stringify(root)});
    try { console.log(JSON.stringify(r.sim.snapshot().dir)); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const programs = process.env.RSMAPI_TEST_C_PROGRAMS || path.join(root, 'build', 'Release');

describe('simulator inspection (rsm.sim)', () => {
  it('reaches librsmsim.so through the native backend', () => {
    const dir = makeClusterDir('rsmapi-inspect-');
    try {
      const library = path.join(root, 'build', 'Release', 'librsmsim.so');
      assert.equal(snapshotIn({ RSM_BACKEND: 'native', RSM_LIBRARY: library, RSM_SIM_DIR: dir }), dir);
    } finally {
      removeClusterDir(dir);
    }
  });

  it('throws ERR_RSM_NOT_SIMULATOR for a library without the simulator extensions, as a real librsm', () => {
    const library = path.join(programs, 'rsm_plain_librsm.so');
    assert.ok(fs.existsSync(library), `${library} was not built`);
    const r = runChild(
      `const out = {};
      for (const [name, call] of Object.entries({
        snapshot: () => rsm.sim.snapshot(), describe: () => rsm.sim.describe(), clusterDir: () => rsm.sim.clusterDir(),
        reset: () => rsm.sim.reset(), faults: () => rsm.sim.faults.list(), fault: () => rsm.sim.faults.crashNode(2),
      })) {
        try { call(); out[name] = 'no error'; } catch (e) { out[name] = e.code + ': ' + e.message; }
      }
      return { backend: rsm.backend().name, out };`,
      { RSM_BACKEND: 'native', RSM_LIBRARY: library },
    );
    assert.equal(r.value.backend, 'native');
    for (const [name, result] of Object.entries(r.value.out)) {
      assert.match(result, /^ERR_RSM_NOT_SIMULATOR: .*live backend native \(.*rsm_plain_librsm\.so\) has no simulator extensions/, name);
    }
  });

  it('throws RSMERR_BAD_CONF when the cluster cannot be opened', () => {
    const result = snapshotIn({ RSM_BACKEND: 'sim', RSM_SIM_DIR: '/proc/no-such-cluster' });
    assert.equal(result.code, 'RSMERR_BAD_CONF');
  });

  it('returns a frozen snapshot that shows this process and its segments', () => {
    // The segment is told apart by its length, so a segment another test
    // of this process is still tearing down cannot be taken for it.
    const LENGTH = 5 * PAGE;
    const ours = () => rsm.sim.segments().filter((s) => s.pid === process.pid && s.length === LENGTH);
    const held = tracker();
    try {
      assert.deepEqual(ours(), []);
      const ctl = held.add(rsm.getController(CONTROLLER));
      const exp = held.add(ctl.createExport(LENGTH));
      const snap = rsm.sim.snapshot();
      assert.ok(Object.isFrozen(snap) && Object.isFrozen(snap.segments));
      assert.ok(snap.processes.some((p) => p.pid === process.pid && p.alive && p.node === 1));
      assert.deepEqual(ours().map((s) => [s.state, s.node, s.controller, s.segmentId, s.ownerAlive]), [['bound', 1, CONTROLLER, null, true]]);
      exp.destroy();
      assert.deepEqual(ours(), [], 'a destroyed segment leaves the snapshot');
    } finally {
      held.release();
    }
  });
});

describe('simulator cluster directory (rsm.sim.clusterDir, describe, reset)', () => {
  const library = path.join(root, 'build', 'Release', 'librsmsim.so');
  // Each case runs in children of its own, on either backend that has the
  // extensions: the built-in simulator, and librsmsim.so opened natively.
  const backends = { sim: { RSM_BACKEND: 'sim' }, 'native over librsmsim.so': { RSM_BACKEND: 'native', RSM_LIBRARY: library } };
  let dir;
  beforeEach(() => {
    dir = makeClusterDir('rsmapi-reset-');
  });
  afterEach(() => removeClusterDir(dir));

  for (const [label, backend] of Object.entries(backends)) {
    const inDir = (body) => runChild(body, { ...backend, RSM_SIM_DIR: dir });

    it(`${label}: clusterDir() is RSM_SIM_DIR as the simulator resolved it`, () => {
      assert.deepEqual(runChild('return rsm.sim.clusterDir();', { ...backend, RSM_SIM_DIR: `${dir}//` }), { value: dir });
    });

    it(`${label}: describe() tells a directory without a registry, then the registry and a doorbell`, () => {
      const before = inDir('return rsm.sim.describe();').value;
      assert.deepEqual(before, { dir, registryFile: 'fabric', registry: 'absent', files: [] });
      assert.deepEqual(fs.readdirSync(dir), [], 'describe() creates no registry');
      const after = inDir(`const ctl = rsm.getController('${CONTROLLER}');
        const seg = ctl.createExport(${PAGE});
        seg.pollDescriptor();
        return rsm.sim.describe();`).value;
      assert.equal(after.registry, 'registry');
      assert.deepEqual(after.files.map((f) => f.kind).sort(), ['doorbell', 'registry']);
      assert.match(after.files.find((f) => f.kind === 'doorbell').name, /^sig-e\d+-\d+$/);
    });

    it(`${label}: reset() removes the registry and what a killed process left, and nothing else`, () => {
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not the simulator\'s');
      // A process killed holding an export and its doorbell leaves both files.
      const killed = spawnSync(process.execPath, ['-e', `const rsm = require(${JSON.stringify(root)});
        const seg = rsm.getController('${CONTROLLER}').createExport(${PAGE});
        seg.pollDescriptor();
        process.kill(process.pid, 'SIGKILL');`], { env: { ...process.env, ...backend, RSM_SIM_DIR: dir } });
      assert.equal(killed.signal, 'SIGKILL', String(killed.stderr));
      const left = fs.readdirSync(dir).sort();
      assert.equal(left.filter((n) => /^sig-e\d+-\d+$/.test(n)).length, 1, left.join(' '));
      const r = inDir('return rsm.sim.reset();');
      assert.deepEqual(r.value, { dir, liveProcesses: [], removed: r.value.removed });
      assert.deepEqual(r.value.removed.slice().sort(), left.filter((n) => n !== 'notes.txt'));
      assert.deepEqual(fs.readdirSync(dir), ['notes.txt']);
    });

    it(`${label}: reset() refuses while another live process uses the cluster, and force removes it anyway`, async () => {
      const holder = spawn(process.execPath, ['-e', `const rsm = require(${JSON.stringify(root)});
        rsm.getController('${CONTROLLER}').createExport(${PAGE});
        process.stdout.write('ready\\n');
        setInterval(() => {}, 1000);`], { env: { ...process.env, ...backend, RSM_SIM_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        await waitForLine(holder);
        const refused = inDir('return rsm.sim.reset();');
        assert.equal(refused.error.code, 'ERR_RSM_CLUSTER_IN_USE', JSON.stringify(refused));
        assert.match(refused.error.message, new RegExp(`pid ${holder.pid} \\(node 1\\)`));
        assert.ok(fs.readdirSync(dir).includes('fabric'), 'nothing removed');
        const forced = inDir('return rsm.sim.reset({ force: true });').value;
        assert.deepEqual(forced.liveProcesses.map((p) => p.pid), [holder.pid]);
        assert.ok(forced.removed.includes('fabric'));
        assert.ok(!fs.readdirSync(dir).includes('fabric'));
      } finally {
        holder.kill('SIGKILL');
        await new Promise((resolve) => (holder.exitCode !== null || holder.signalCode !== null ? resolve() : holder.once('exit', resolve)));
      }
    });

    it(`${label}: reset() without a registry removes only stale doorbells, and with a file that is none touches nothing`, () => {
      assert.deepEqual(inDir('return rsm.sim.reset();').value, { dir, liveProcesses: [], removed: [] });
      // A doorbell FIFO left with no registry beside it goes; a file that only has a doorbell's name stays.
      execFileSync('mkfifo', [path.join(dir, 'sig-i3-7')]);
      fs.writeFileSync(path.join(dir, 'sig-e1-1'), 'not a FIFO');
      assert.deepEqual(inDir('return rsm.sim.describe().files;').value, [{ name: 'sig-i3-7', kind: 'doorbell' }]);
      assert.deepEqual(inDir('return rsm.sim.reset();').value, { dir, liveProcesses: [], removed: ['sig-i3-7'] });
      assert.deepEqual(fs.readdirSync(dir), ['sig-e1-1']);
      fs.rmSync(path.join(dir, 'sig-e1-1'));
      fs.writeFileSync(path.join(dir, 'fabric'), 'something else entirely');
      const foreign = inDir('return rsm.sim.reset({ force: true });');
      assert.equal(foreign.error.code, 'RSMERR_BAD_CONF');
      assert.match(foreign.error.message, /fabric is not a simulator registry/);
      assert.equal(fs.readFileSync(path.join(dir, 'fabric'), 'utf8'), 'something else entirely');
      assert.equal(inDir('return rsm.sim.describe().registry;').value, 'foreign');
    });
  }
});

function waitForLine(child) {
  return new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`holder exited early (${code})`)));
  });
}
