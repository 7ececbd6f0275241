'use strict';
// A connect or publish blocked in the library (an unresponsive node, a
// driver out of resources) does not hold up the end of its process or
// worker: process.exit() and worker.terminate() return at once, the call is
// interrupted (RSMERR_INTERRUPTED, as a Unix signal interrupts the driver's
// wait), and nothing of the process is left in the cluster.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const rsm = require('..');
const { makeClusterDir, removeClusterDir, leftovers } = require('./support/cluster-dir');
const { runChild } = require('./support/child');

const root = path.join(__dirname, '..');
// Far beyond what a prompt exit takes; only a hang reaches it.
const HANG_MS = 8000;
const C_PROGRAM = path.join(process.env.RSMAPI_TEST_C_PROGRAMS || path.join(root, 'build', 'Release'), 'rsm_c_blocking_calls');

// Starts the blocking call, waits until it is surely blocked, then exits.
const BLOCKED = {
  publish: `
    const exp = ctl.createExport(rsm.pageSize);
    await exp.publish({ segmentId: 0x7a0001 }).then(() => exp.unpublish());
    rsm.sim.faults.setOutOfResources(1);
    let settled = false;
    exp.publish().then(() => (settled = true), () => (settled = true));`,
  connect: `
    const exp = ctl.createExport(rsm.pageSize);
    await exp.publish({ segmentId: 0x7a0002 });
    rsm.sim.faults.setUnresponsive(2);
    let settled = false;
    ctl.connect(2, 0x7a0003).then(() => (settled = true), () => (settled = true));`,
};

function exitWhileBlocked(kind, dir) {
  const script = `
    const rsm = require(${JSON.stringify(root)});
    (async () => {
      const ctl = rsm.getController('sci0');
      ${BLOCKED[kind]}
      await new Promise((r) => setTimeout(r, 200));
      if (settled) { process.stdout.write('not blocked'); process.exit(2); }
      process.stdout.write('exiting');
      process.exit(0);
    })();`;
  return spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: '1' },
    encoding: 'utf8',
    timeout: HANG_MS,
  });
}

/** The cluster's registry, read by a fresh process (under either backend). */
function snapshot(dir) {
  const r = runChild('return rsm.sim.snapshot();', { RSM_SIM_DIR: dir, RSM_SIM_NODE: '3', RSM_BACKEND: 'sim' });
  if (r.error) throw new Error(`snapshot failed: ${r.error.message}`);
  return r.value;
}

describe('exit while a call is blocked', function () {
  this.timeout(30000);

  for (const kind of ['publish', 'connect']) {
    it(`process.exit() during a blocked ${kind} returns at once and leaves no segment, entry or file`, () => {
      const dir = makeClusterDir('rsmapi-exit-');
      try {
        const r = exitWhileBlocked(kind, dir);
        assert.equal(r.signal, null, `the process hung in exit (killed after ${HANG_MS} ms): ${r.stdout} ${r.stderr}`);
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.equal(r.stdout, 'exiting');
        assert.deepEqual(leftovers(dir), []);
        assert.deepEqual(snapshot(dir).segments, []);
      } finally {
        removeClusterDir(dir);
      }
    });
  }

  for (const kind of ['publish', 'connect']) {
    it(`worker.terminate() during a blocked ${kind} resolves at once and releases the worker's segments`, async () => {
      const ours = () => snapshot(process.env.RSM_SIM_DIR).segments.filter((g) => g.pid === process.pid).length;
      const before = ours();
      const worker = new Worker(
        `
        const rsm = require(${JSON.stringify(root)});
        const { parentPort } = require('node:worker_threads');
        (async () => {
          const ctl = rsm.getController('sci0');
          ${BLOCKED[kind].replace(/0x7a00/g, '0x7b00')}
          await new Promise((r) => setTimeout(r, 200));
          parentPort.postMessage({ settled });
        })();`,
        { eval: true },
      );
      try {
        const report = await new Promise((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        });
        assert.equal(report.settled, false, `the ${kind} did not block`);
        assert.equal(ours(), before + 1, "the worker's export is registered");
        let timer;
        const outcome = await Promise.race([
          worker.terminate().then(() => 'terminated'),
          new Promise((r) => (timer = setTimeout(() => r('hung'), HANG_MS))),
        ]);
        clearTimeout(timer);
        assert.equal(outcome, 'terminated', `worker.terminate() hung (waited ${HANG_MS} ms)`);
        assert.equal(ours(), before, "the worker's export is gone");
      } finally {
        rsm.sim.faults.clear();
      }
    });
  }

  describe('in C: a signal interrupts the blocked call', () => {
    for (const [mode, faults] of [
      ['interrupt-connect', 'unresponsive=2'],
      ['interrupt-publish', ''],
    ]) {
      it(`${mode.replace('interrupt-', '')} returns RSMERR_INTERRUPTED`, () => {
        const dir = makeClusterDir('rsmapi-c-');
        try {
          const r = spawnSync(C_PROGRAM, [mode], {
            env: { ...process.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: '1', RSM_SIM_FAULTS: faults },
            encoding: 'utf8',
            timeout: HANG_MS,
          });
          assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`);
          assert.equal(r.stdout.trim(), `${mode} ${rsm.codes.RSMERR_INTERRUPTED}`);
          assert.deepEqual(leftovers(dir), []);
        } finally {
          removeClusterDir(dir);
        }
      });
    }
  });
});
