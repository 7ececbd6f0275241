'use strict';
// Liveness as Node has it: a pending wait for a signal, a running signals()
// loop and a pending connect keep their process alive, like a listening
// socket; unref() on the segment opts out and ref() back in; a wait still
// pending when the process exits rejects with ERR_RSM_EXITING, not with the
// ERR_RSM_RELEASED of a release the program never made. Each case is a real
// program run in its own process (docs/semantics.md §8).
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { makeClusterDir, removeClusterDir } = require('./support/cluster-dir');
const { runChild } = require('./support/child');

const root = path.join(__dirname, '..');
// Only a hang reaches it.
const HANG_MS = 15000;
// How long a program that should stay alive is watched before a peer acts.
const WATCH_MS = 300;

/** Starts `body` as the whole of an ES module program (top-level await) at `node`. */
function start(body, dir, node) {
  const script = `
    import { createRequire } from 'node:module';
    const rsm = createRequire(${JSON.stringify(path.join(root, 'package.json'))})(${JSON.stringify(root)});
    const ctl = rsm.getController('sci0');
    ${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: String(node) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run = { child, stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (run.stdout += d));
  child.stderr.on('data', (d) => (run.stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
  run.exited = new Promise((resolve) => {
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout: run.stdout, stderr: run.stderr });
    });
  });
  return run;
}

/** Resolves once the program printed `line`; rejects if it ended first. */
function printed(run, line) {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (run.stdout.split('\n').includes(line)) {
        run.child.stdout.off('data', check);
        resolve();
      }
    };
    run.child.stdout.on('data', check);
    check();
    run.exited.then((r) => reject(new Error(`ended before printing ${line}: ${JSON.stringify(r)}`)));
  });
}

/** Asserts the program is still running after WATCH_MS. */
async function stillAlive(run) {
  let ended = null;
  run.exited.then((r) => (ended = r));
  await new Promise((r) => setTimeout(r, WATCH_MS));
  assert.equal(ended, null, `the program ended while it had work pending: ${JSON.stringify(ended)}`);
}

function peer(body, dir, node) {
  const r = runChild(`const ctl = rsm.getController('sci0'); ${body}`, { RSM_SIM_DIR: dir, RSM_SIM_NODE: String(node) });
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  return r.value;
}

function lines(r) {
  return r.stdout.split('\n').filter(Boolean);
}

describe('liveness', function () {
  this.timeout(60000);
  let dir;
  beforeEach(() => {
    dir = makeClusterDir('rsmapi-live-');
  });
  afterEach(() => {
    removeClusterDir(dir);
  });

  it('a signals() loop as the whole program stays alive until a peer posts, then exits 0', async () => {
    const run = start(
      `const exp = ctl.createExport(rsm.pageSize);
      await exp.publish({ segmentId: 0x7b0001 });
      console.log('ready');
      for await (const _ of exp.signals()) { console.log('signal'); break; }`,
      dir,
      1,
    );
    await printed(run, 'ready');
    await stillAlive(run);
    peer('const imp = await ctl.connect(1, 0x7b0001); imp.signal(); imp.disconnect();', dir, 2);
    const r = await run.exited;
    assert.equal(r.status, 0, JSON.stringify(r));
    assert.deepEqual(lines(r), ['ready', 'signal']);
  });

  it('waitForSignal() with AbortSignal.timeout(50) rejects with an AbortError and the program goes on', async () => {
    const run = start(
      `const exp = ctl.createExport(rsm.pageSize);
      try {
        await exp.waitForSignal({ signal: AbortSignal.timeout(50) });
        console.log('resolved');
      } catch (e) {
        console.log(e.name, e.code, e.cause.name);
      }
      console.log('after');`,
      dir,
      1,
    );
    const r = await run.exited;
    assert.equal(r.status, 0, JSON.stringify(r));
    assert.deepEqual(lines(r), ['AbortError ABORT_ERR TimeoutError', 'after']);
  });

  it('an import keeps its process alive while waiting, like an export', async () => {
    // The exporter answers the import's signal with one of its own.
    const exporter = start(
      `const exp = ctl.createExport(rsm.pageSize);
      await exp.publish({ segmentId: 0x7b0003 });
      console.log('ready');
      await exp.waitForSignal();
      exp.signal();`,
      dir,
      2,
    );
    await printed(exporter, 'ready');
    const run = start(
      `const imp = await ctl.connect(2, 0x7b0003);
      console.log('connected');
      const wait = imp.waitForSignal();
      imp.signal();
      await wait;
      console.log('signal');`,
      dir,
      1,
    );
    const r = await run.exited;
    assert.equal(r.status, 0, JSON.stringify(r));
    assert.deepEqual(lines(r), ['connected', 'signal']);
    assert.equal((await exporter.exited).status, 0);
  });

  for (const when of ['before the wait', 'while it is pending']) {
    it(`unref() ${when} lets the process exit; the wait rejects with ERR_RSM_EXITING`, async () => {
      const wait = `exp.waitForSignal().then(() => console.log('resolved'), (e) => console.log(e.code, e.message));`;
      const run = start(
        `const exp = ctl.createExport(rsm.pageSize);
        ${when === 'before the wait' ? `assert(exp.unref() === exp); ${wait}` : `${wait} exp.unref();`}
        function assert(ok) { if (!ok) throw new Error('unref() did not return the segment'); }`,
        dir,
        1,
      );
      const r = await run.exited;
      assert.equal(r.status, 0, JSON.stringify(r));
      assert.deepEqual(lines(r), ['ERR_RSM_EXITING the process is exiting']);
    });
  }

  it('an unref()\'d wait nobody handles is reported at exit as ERR_RSM_EXITING, not as a release', async () => {
    const run = start(`ctl.createExport(rsm.pageSize).unref().waitForSignal();`, dir, 1);
    const r = await run.exited;
    assert.equal(r.status, 1, JSON.stringify(r));
    assert.match(r.stderr, /the process is exiting/);
    assert.match(r.stderr, /code: 'ERR_RSM_EXITING'/);
    assert.doesNotMatch(r.stderr, /ERR_RSM_RELEASED|released/);
  });

  it('process.exit() during a pending wait exits at once with its code, quietly', async () => {
    // No continuation runs after process.exit(), so the ERR_RSM_EXITING
    // rejection is not seen; it must not hold up or disturb the exit.
    const run = start(
      `const exp = ctl.createExport(rsm.pageSize);
      exp.waitForSignal().then(() => console.log('resolved'), (e) => console.log(e.code));
      setTimeout(() => { console.log('exiting'); process.exit(3); }, 50);`,
      dir,
      1,
    );
    const r = await run.exited;
    assert.equal(r.signal, null, JSON.stringify(r));
    assert.equal(r.status, 3, JSON.stringify(r));
    assert.deepEqual(lines(r), ['exiting']);
    assert.equal(r.stderr, '');
  });

  it('ref() after unref() keeps the process alive again, also for a wait already pending', async () => {
    const run = start(
      `const exp = ctl.createExport(rsm.pageSize).unref();
      await exp.publish({ segmentId: 0x7b0004 });
      const wait = exp.waitForSignal();
      if (exp.ref() !== exp) throw new Error('ref() did not return the segment');
      console.log('ready');
      await wait;
      console.log('signal');`,
      dir,
      1,
    );
    await printed(run, 'ready');
    await stillAlive(run);
    peer('const imp = await ctl.connect(1, 0x7b0004); imp.signal(); imp.disconnect();', dir, 2);
    const r = await run.exited;
    assert.equal(r.status, 0, JSON.stringify(r));
    assert.deepEqual(lines(r), ['ready', 'signal']);
  });

  it('a pending connect keeps the process alive until the peer answers', async () => {
    const exporter = start(
      `const exp = ctl.createExport(rsm.pageSize);
      await exp.publish({ segmentId: 0x7b0005 });
      console.log('ready');
      await exp.waitForSignal();
      console.log('signal');`,
      dir,
      2,
    );
    await printed(exporter, 'ready');
    peer('rsm.sim.faults.setUnresponsive(2);', dir, 3);
    const run = start(
      `console.log('connecting');
      const imp = await ctl.connect(2, 0x7b0005);
      imp.signal();
      console.log('connected');`,
      dir,
      1,
    );
    try {
      await printed(run, 'connecting');
      await stillAlive(run);
    } finally {
      peer('rsm.sim.faults.setUnresponsive(2, false);', dir, 3);
    }
    const r = await run.exited;
    assert.equal(r.status, 0, JSON.stringify(r));
    assert.deepEqual(lines(r), ['connecting', 'connected']);
    const e = await exporter.exited;
    assert.equal(e.status, 0, JSON.stringify(e));
    assert.deepEqual(lines(e), ['ready', 'signal']);
  });
});
