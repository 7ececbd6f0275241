'use strict';
// rsm.sim.snapshot(): the simulator's registry, only where the simulator is
// the live backend.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const rsm = require('..');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');

const root = path.join(__dirname, '..');

function snapshotIn(env) {
  const script = `const r = require(${JSON.stringify(root)});
    try { console.log(JSON.stringify(r.sim.snapshot().dir)); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('simulator inspection (rsm.sim)', () => {
  it('throws ERR_RSM_NOT_SIMULATOR when the native backend is live', () => {
    const library = path.join(root, 'build', 'Release', 'librsmsim.so');
    const result = snapshotIn({ RSM_BACKEND: 'native', RSM_LIBRARY: library });
    assert.equal(result.code, 'ERR_RSM_NOT_SIMULATOR');
    assert.match(result.message, /live backend is native/);
  });

  it('throws RSMERR_BAD_CONF when the cluster cannot be opened', () => {
    const result = snapshotIn({ RSM_BACKEND: 'sim', RSM_SIM_DIR: '/proc/no-such-cluster' });
    assert.equal(result.code, 'RSMERR_BAD_CONF');
  });

  it('returns a frozen snapshot that shows this process and its segments', async function () {
    if (rsm.backend().name !== 'sim') this.skip(); // the case above covers the other backends
    const held = tracker();
    try {
      const ctl = held.add(rsm.getController(CONTROLLER));
      held.add(ctl.createExport(PAGE));
      const snap = rsm.sim.snapshot();
      assert.ok(Object.isFrozen(snap) && Object.isFrozen(snap.segments));
      assert.ok(snap.processes.some((p) => p.pid === process.pid && p.alive && p.node === 1));
      const mine = rsm.sim.segments().filter((s) => s.pid === process.pid);
      assert.deepEqual(mine.map((s) => [s.state, s.length]), [['bound', PAGE]]);
    } finally {
      held.release();
    }
  });
});
