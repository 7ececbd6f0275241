'use strict';
// Handles that are never released: collected by GC, or still live when the
// process or a worker thread ends. Native resources must be released in a
// safe order, with nothing left in the cluster directory.
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const rsm = require('..');
const { CONTROLLER, PAGE } = require('./support/fixtures');
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
  it('releases handles collected by GC, children before parents', async function () {
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
      refs = [new WeakRef(ctl), new WeakRef(exp), new WeakRef(imp)];
    })();
    await collectGarbage();
    assert.deepEqual(refs.map((r) => r.deref() === undefined), [true, true, true]);
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
});
