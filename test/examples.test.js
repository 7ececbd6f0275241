'use strict';
// The programs in examples/, each run as a user would (`node examples/x.js N`)
// in a cluster directory of its own, on the backend this run uses.
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { makeClusterDir, removeClusterDir, leftovers } = require('./support/cluster-dir');

const examples = path.join(__dirname, '..', 'examples');

/** Runs an example to its end; resolves to { code, lines } (stdout lines). */
function run(name, args, dir, { env = {}, nodeArgs = [] } = {}) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs, path.resolve(examples, name), ...args],
      { env: { ...process.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: '1', ...env }, timeout: 60000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? error.code ?? error.signal : 0, lines: stdout.trim().split('\n'), stdout, stderr });
      },
    );
  });
}

describe('examples', () => {
  let dir;
  beforeEach(() => {
    dir = makeClusterDir('rsmapi-examples-');
  });
  afterEach(() => {
    removeClusterDir(dir);
  });

  /** Runs the example, expects success and a clean cluster directory; returns its last line. */
  async function finalLine(name, args) {
    const r = await run(name, args, dir);
    assert.equal(r.code, 0, `${name} failed:\n${r.stdout}${r.stderr}`);
    assert.deepEqual(leftovers(dir), [], `${name} left files in the cluster directory`);
    return r.lines[r.lines.length - 1];
  }

  it('hello.js: node 2 reads node 1\'s greeting and node 1 finds the reply', async () => {
    const r = await run('hello.js', [], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.lines.includes('node 2: read "hello from node 1"'), r.stdout);
    assert.equal(r.lines[r.lines.length - 1], 'node 1: found "hello from node 2" at offset 100');
    assert.deepEqual(leftovers(dir), []);
  });

  it('ping-pong.js: 200 round trips carry the counter to 400 and report a median', async () => {
    const line = await finalLine('ping-pong.js', ['200']);
    const m = /^ping-pong: (\d+) round trips, counter (\d+), median (\d+\.\d) µs$/.exec(line);
    assert.ok(m, line);
    assert.equal(Number(m[1]), 200);
    assert.equal(Number(m[2]), 400);
    assert.ok(Number(m[3]) > 0, line);
  });

  it('shared-counter.js: 3 importers × 25 increments leave the counter at 75', async () => {
    const line = await finalLine('shared-counter.js', ['25']);
    assert.equal(line, 'shared-counter: 3 nodes × 25 increments, counter 75');
  });

  it('ring-queue.js: 500 messages of varying length arrive in order through the ring', async () => {
    const r = await run('ring-queue.js', ['500'], dir);
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.deepEqual(leftovers(dir), []);
    // Messages 0..499 as the example builds them: "#i " and (i * 37) % 300 bytes of text.
    let bytes = 0;
    for (let i = 0; i < 500; i++) bytes += `#${i} `.length + ((i * 37) % 300);
    assert.match(r.stdout, /^node 2: sent 500 messages, waited for room \d+ times$/m);
    const m = /^ring-queue: (\d+) messages, (\d+) bytes through a 2048-byte ring, in order and intact \(consumer slept (\d+) times\)$/.exec(
      r.lines[r.lines.length - 1],
    );
    assert.ok(m, r.stdout);
    assert.equal(Number(m[1]), 500);
    assert.equal(Number(m[2]), bytes);
    // So the data went round the ring many times: records split at its end were read back intact.
    assert.ok(bytes > 10 * 2048);
  });

  it('hello.js exits non-zero, naming node 2, when node 2 fails', async () => {
    const failNode2 = path.join(dir, 'fail-node-2.js');
    fs.writeFileSync(failNode2, "if (process.env.RSM_SIM_NODE === '2') process.exit(3);\n");
    const r = await run('hello.js', [], dir, { env: { NODE_OPTIONS: `--require ${failNode2}` } });
    fs.rmSync(failNode2);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /node 2 exited with code 3/);
    assert.doesNotMatch(r.stdout, /node 1: found/);
    assert.deepEqual(leftovers(dir), []);
  });

  it('test-with-mocha.js: the mocha example of testing a cluster application passes', async function () {
    this.timeout(120000);
    const mocha = require.resolve('mocha/bin/mocha.js');
    const r = await run(mocha, ['--no-config', '--reporter', 'dot', path.join(examples, 'test-with-mocha.js')], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /3 passing/);
    assert.doesNotMatch(r.stdout, /failing|pending/);
  });

  it('test-with-node-test.js: the node:test example of testing a cluster application passes', async function () {
    this.timeout(120000);
    const r = await run('test-with-node-test.js', [], dir, { nodeArgs: ['--test', '--test-reporter=tap'] });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^# pass 3$/m);
    assert.match(r.stdout, /^# fail 0$/m);
  });

  it('channel-service.js: 3 client nodes, each on its own channel, get 300 answers each, checked', async () => {
    const r = await run('channel-service.js', ['300', '3'], dir);
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.deepEqual(leftovers(dir), []);
    for (const node of [2, 3, 4]) assert.match(r.stdout, new RegExp(`^node ${node}: 300 answers checked$`, 'm'));
    assert.equal(r.lines[r.lines.length - 1], 'channel-service: 3 clients × 300 requests, 900 answered, all correct');
  });

  it('an example given a bad argument exits non-zero and leaves nothing behind', async () => {
    const r = await run('ring-queue.js', ['0'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /positive integer/);
    assert.deepEqual(leftovers(dir), []);
  });
});
