'use strict';
// Handles that are never released: collected by GC, or still live when the
// process or a worker thread ends. Native resources must be released in a
// safe order, with nothing left in the cluster directory.
const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const rsm = require('..');
const { CONTROLLER, PAGE, freshSegmentId } = require('./support/fixtures');
const { rejectsRsm, throwsRsm } = require('./support/expect');
const { makeClusterDir, removeClusterDir, leftovers } = require('./support/cluster-dir');

const root = path.join(__dirname, '..');

async function collectGarbage() {
  for (let i = 0; i < 6; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Runs `body` in a fresh process on a cluster directory of its own; returns its stdout and the files left there. */
function inOwnCluster(body, nodeArgs = []) {
  const dir = makeClusterDir('rsmapi-life-');
  try {
    const script = `const rsm = require(${JSON.stringify(root)}); (async () => { ${body} })().catch((e) => { console.error(e); process.exit(3); });`;
    const stdout = execFileSync(process.execPath, [...nodeArgs, '-e', script], {
      env: { ...process.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: '1' },
      encoding: 'utf8',
    });
    return { stdout, left: leftovers(dir) };
  } finally {
    removeClusterDir(dir);
  }
}

describe('handle lifetimes', () => {
  it('releases handles collected by GC, children before parents (an export no longer published)', async function () {
    if (typeof global.gc !== 'function') this.skip(); // needs node --expose-gc (npm test gives it)
    const dir = process.env.RSM_SIM_DIR;
    const before = leftovers(dir).length;
    let refs;
    await (async () => {
      const ctl = rsm.getController(CONTROLLER);
      const exp = ctl.createExport(PAGE);
      const id = await exp.publish();
      const imp = await ctl.connect(1, id);
      imp.read(0, 8);
      const bound = ctl.createExport(PAGE);
      exp.unpublish();
      refs = [new WeakRef(ctl), new WeakRef(exp), new WeakRef(imp), new WeakRef(bound)];
    })();
    await collectGarbage();
    assert.deepEqual(refs.map((r) => r.deref() === undefined), [true, true, true, true]);
    assert.equal(leftovers(dir).length, before, 'the collected export released its shared memory');
  });

  it('releases everything when the process exits with live handles', () => {
    const { stdout, left } = inOwnCluster(`
      const ctl = rsm.getController('${CONTROLLER}');
      const exp = ctl.createExport(${PAGE});
      const id = await exp.publish();
      const imp = await ctl.connect(1, id);
      const m = imp.map({ length: ${PAGE} });
      m.bytes[0] = 1;
      globalThis.keep = [ctl, exp, imp, m];
      console.log('live');
      process.exit(0);`);
    assert.match(stdout, /live/);
    assert.deepEqual(left, []);
  });

  it('works in several worker threads at once, and cleans up when they end', async () => {
    const body = `
      const { parentPort, workerData } = require('node:worker_threads');
      const rsm = require(${JSON.stringify(root)});
      (async () => {
        const ctl = rsm.getController('${CONTROLLER}');
        const exp = ctl.createExport(${PAGE});
        exp.bytes.fill(workerData);
        const id = await exp.publish();
        const imp = await ctl.connect(1, id);
        const got = imp.read(0, 16);
        // Leave everything live: the worker's teardown must release it.
        globalThis.keep = [ctl, exp, imp];
        parentPort.postMessage(Array.from(got));
      })();`;
    const runOne = (n) =>
      new Promise((resolve, reject) => {
        const w = new Worker(body, { eval: true, workerData: n });
        let got;
        w.on('message', (m) => (got = m));
        w.on('error', reject);
        w.on('exit', (code) => (code === 0 ? resolve(got) : reject(new Error(`worker exit ${code}`))));
      });
    const before = leftovers(process.env.RSM_SIM_DIR).length;
    const results = await Promise.all([1, 2, 3].map(runOne));
    results.forEach((bytes, i) => assert.deepEqual(bytes, new Array(16).fill(i + 1)));
    assert.equal(leftovers(process.env.RSM_SIM_DIR).length, before, 'worker teardown released their segments');
  });
  it('never unpublishes by GC: an importer on another node keeps working after the exporter\'s objects are collected', async () => {
    // The exporter is node 2 in a child process run with --expose-gc; it
    // drops every reference to its controller and segment and collects them.
    const script = `
      const rsm = require(${JSON.stringify(root)});
      const settle = () => new Promise((resolve) => setImmediate(resolve));
      (async () => {
        let refs;
        const id = await (async () => {
          const ctl = rsm.getController('${CONTROLLER}');
          const exp = ctl.createExport(${PAGE});
          exp.bytes.fill(0x33);
          const id = await exp.publish();
          refs = [new WeakRef(ctl), new WeakRef(exp)];
          return id;
        })();
        process.on('message', async (m) => {
          if (m === 'exit') process.exit(0);
          for (let i = 0; i < 8; i++) { global.gc(); await settle(); }
          process.send({ collected: refs.map((r) => r.deref() === undefined) });
        });
        process.send({ id });
      })().catch((e) => { console.error(e); process.exit(3); });`;
    const child = spawn(process.execPath, ['--expose-gc', '-e', script], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, RSM_SIM_NODE: '2' },
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const next = () => new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`the exporter exited (${code})`)));
    });
    const ctl = rsm.getController(CONTROLLER);
    try {
      const { id } = await next();
      const imp = await ctl.connect(2, id);
      assert.deepEqual(imp.read(0, 4), Uint8Array.of(0x33, 0x33, 0x33, 0x33));
      child.send('gc');
      const { collected } = await next();
      assert.deepEqual(collected, [true, true], 'the exporter\'s Controller and ExportSegment objects were collected');
      // Still published and bound: reads, writes, and new connections work.
      assert.deepEqual(imp.read(PAGE - 4, 4), Uint8Array.of(0x33, 0x33, 0x33, 0x33));
      imp.put(8, Uint8Array.of(1, 2, 3));
      const again = await ctl.connect(2, id);
      assert.deepEqual(again.read(8, 3), Uint8Array.of(1, 2, 3));
      again.disconnect();
      // The end of the process is what destroys it.
      child.send('exit');
      assert.equal(await exited, 0);
      throwsRsm(() => imp.read(0, 4), 'RSMERR_CONN_ABORTED');
      await rejectsRsm(ctl.connect(2, id), 'RSMERR_SEG_NOT_PUBLISHED', 'rsm_memseg_import_connect');
    } finally {
      child.kill();
      ctl.release();
    }
  });

  it('reports published and segmentId from the segment itself: unpublish, destroy and controller release clear them', async () => {
    const ctl = rsm.getController(CONTROLLER);
    try {
      const exp = ctl.createExport(PAGE);
      assert.equal(exp.published, false);
      const id = await exp.publish({ segmentId: freshSegmentId() });
      assert.equal(exp.segmentId, id);
      assert.equal(exp.native.segmentId, id);
      exp.unpublish();
      assert.equal(exp.segmentId, undefined);
      await exp.publish({ segmentId: id });
      assert.equal(exp.published, true);
      ctl.release();
      assert.equal(exp.published, false);
      assert.equal(exp.segmentId, undefined);
      const other = rsm.getController(CONTROLLER);
      await rejectsRsm(other.connect(1, id), 'RSMERR_SEG_NOT_PUBLISHED', 'rsm_memseg_import_connect');
      other.release();
    } finally {
      ctl.release();
    }
  });
});
