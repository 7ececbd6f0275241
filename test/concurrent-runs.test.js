'use strict';
// Two runs of the suite at once on one machine pass: each run keeps its
// cluster directories under a private root and checks only that root for
// leftovers. Two short runs of a few multi-process test files, through
// test/run-suites.js as `npm test` uses it, started together.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { shmRoot } = require('./support/cluster-dir');

const root = path.join(__dirname, '..');
const FILES = ['test/multiprocess.test.js', 'test/testing.test.js', 'test/readme.test.js'];

function suiteRun() {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'run-suites.js'), ...FILES], {
      cwd: root,
      env: { ...process.env, RSMAPI_TEST_BACKENDS: 'sim' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

describe('two suite runs at once', function () {
  this.timeout(300000);

  it('both pass, each checking only its own root for leftovers', async function () {
    // What is checked is the runner's, not a backend's: the simulator run is enough.
    if (process.env.RSM_BACKEND === 'native') this.skip();
    const before = new Set(fs.readdirSync(shmRoot()));
    const [a, b] = await Promise.all([suiteRun(), suiteRun()]);
    for (const r of [a, b]) {
      assert.equal(r.code, 0, r.out.slice(-3000));
      const m = /^rsmapi: (\d+) passed, 0 failed, \d+ skipped$/m.exec(r.out);
      assert.ok(m && Number(m[1]) > 10, r.out.slice(-2000));
      assert.doesNotMatch(r.out, /^problem: /m);
    }
    const left = fs.readdirSync(shmRoot()).filter((f) => !before.has(f) && f.startsWith('rsmapi-run-'));
    assert.deepEqual(left, [], 'each run removed its root');
  });
});
