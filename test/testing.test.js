'use strict';
// rsmapi/testing, the entry point a cluster application's tests use: fresh
// clusters, nodes as child processes (files, module functions, commands),
// faults injected from the test process, and cleanup on stop(), at exit
// without stop(), and after the test process is killed with SIGKILL.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const testing = require('rsmapi/testing');
const { eventually } = require('./support/expect');
const { shmRoot } = require('./support/cluster-dir');

const { startCluster, joinCluster, NodeFailedError } = testing;
const NODES = path.join(__dirname, 'support', 'testing-nodes.js');

/** True while `pid` runs (a zombie counts as ended). */
function running(pid) {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('rsmapi/testing', function () {
  this.timeout(60000);
  const clusters = [];
  afterEach(async () => {
    for (const c of clusters.splice(0)) await c.stop();
  });
  const start = async (options) => {
    const c = await startCluster(options);
    clusters.push(c);
    return c;
  };

  it('is one module through require and import, with the ES module naming the same functions', async () => {
    const esm = await import('rsmapi/testing');
    assert.equal(esm.default, testing);
    for (const name of ['startCluster', 'joinCluster', 'send', 'receive', 'Cluster', 'NodeProcess', 'NodeFailedError']) {
      assert.equal(esm[name], testing[name], name);
    }
  });

  it('makes a fresh private directory under RSMAPI_TEST_ROOT with the topology given, and stop() removes it', async () => {
    const c = await start({ topology: ['node 4', 'node 7', 'controller 4 sci0', 'controller 7 sci3', 'link 4 sci0 7 sci3'] });
    assert.equal(path.dirname(c.dir), shmRoot());
    assert.equal(fs.statSync(c.dir).mode & 0o777, 0o700);
    const n = c.run(4, { module: NODES, export: 'topology' });
    const { value } = await n.result();
    assert.deepEqual(value, { localNode: 4, controllers: [['sci0', [[7, 'sci3']]]], dir: c.dir });
    await c.stop();
    assert.equal(fs.existsSync(c.dir), false);
    assert.throws(() => c.run(4, NODES), (e) => e.code === 'ERR_RSM_CLUSTER_STOPPED');
  });

  it('runs module functions that exchange messages with the test, and returns their values and typed errors', async () => {
    const c = await start();
    const exporter = c.run(1, { module: NODES, export: 'exportAndWait' }, { args: [[1, 2, 3]] });
    const { segmentId } = await exporter.message();
    const reader = c.run(2, { module: NODES, export: 'readFrom' }, { args: [1, segmentId, 3] });
    assert.deepEqual((await reader.result()).value, [1, 2, 3]);
    const refused = c.run(3, { module: NODES, export: 'readFrom' }, { args: [1, segmentId + 1, 3] });
    await assert.rejects(refused.result(), (e) => {
      assert.ok(e instanceof NodeFailedError);
      assert.equal(e.result.error.name, 'RsmError');
      assert.equal(e.result.error.code, 'RSMERR_SEG_NOT_PUBLISHED');
      assert.equal(e.result.error.syscall, 'rsm_memseg_import_connect');
      assert.match(e.message, /node 3 threw RsmError RSMERR_SEG_NOT_PUBLISHED/);
      return true;
    });
    exporter.post('stop');
    assert.equal((await exporter.result()).value, 'stopped');
  });

  it('runs files with arguments and commands driven by lines, and reports exit codes, signals and timeouts', async () => {
    const c = await start();
    const echo = c.run(2, { command: process.execPath }, {
      args: ['-e', "process.stdin.on('data', (d) => process.stdout.write('node ' + process.env.RSM_SIM_NODE + ': ' + d))"],
    });
    assert.equal(await echo.ask('hi'), 'node 2: hi');
    const file = c.run(5, NODES, { args: ['exit', '3'] });
    const r = await file.exited;
    assert.equal(r.code, 3);
    assert.match(r.stdout, new RegExp(`^node 5 in ${c.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    const slow = c.run(6, NODES, { args: ['hang'], timeout: 300 });
    const timedOut = await slow.exited;
    assert.equal(timedOut.timedOut, true);
    assert.equal(timedOut.signal, 'SIGKILL');
    await assert.rejects(slow.result(), /node 6 was killed by its timeout/);
    assert.equal((await echo.stop()).signal, 'SIGTERM');
  });

  it('injects faults from the test process that the nodes see, and reads the registry', async () => {
    const c = await start();
    await c.faults.setUnreachable(3);
    assert.deepEqual((await c.faults.list()).map((f) => [f.node, f.unreachable]), [[3, true]]);
    const exporter = c.run(1, { module: NODES, export: 'exportAndWait' }, { args: [[9]] });
    const { segmentId } = await exporter.message();
    const cut = c.run(3, { module: NODES, export: 'readFrom' }, { args: [1, segmentId, 1] });
    assert.equal((await cut.exited).error.code, 'RSMERR_REMOTE_NODE_UNREACHABLE');
    const snap = await c.snapshot();
    assert.equal(snap.dir, c.dir);
    assert.deepEqual(snap.segments.map((s) => [s.node, s.segmentId, s.pid]), [[1, segmentId, exporter.pid]]);
    await c.faults.clear();
    assert.deepEqual(await c.faults.list(), []);
    await assert.rejects(c.faults.setUnreachable(99), (e) => e.code === 'ERR_OUT_OF_RANGE');
  });

  it('joinCluster runs nodes in an existing directory and leaves it in place', async () => {
    const c = joinCluster({ topology: 'node 1\nnode 2\ncontroller 1 sci0\ncontroller 2 sci0\nlink 1 sci0 2 sci0\n' });
    clusters.push(c);
    assert.equal(c.dir, path.resolve(process.env.RSM_SIM_DIR));
    const n = c.run(2, NODES, { args: ['exit', '0'] });
    assert.equal((await n.exited).code, 0);
    const file = c.topologyFile;
    assert.ok(fs.existsSync(file));
    await c.stop();
    assert.equal(fs.existsSync(file), false, 'the topology file is removed');
    assert.ok(fs.existsSync(c.dir), 'the joined directory stays');
  });

  for (const how of ['exits without stopping its cluster', 'is killed with SIGKILL']) {
    it(`removes the directory and ends the nodes when the test process ${how}`, async () => {
      const script = `
        const { startCluster } = require('rsmapi/testing');
        (async () => {
          const c = await startCluster();
          const n = c.run(2, ${JSON.stringify(NODES)}, { args: ['hang'] });
          const ctl = c.run(3, { command: 'sleep' }, { args: ['60'] });
          await new Promise((r) => setTimeout(r, 300));
          console.log(JSON.stringify({ dir: c.dir, pids: [n.pid, ctl.pid] }));
          ${how.includes('SIGKILL') ? 'setInterval(() => {}, 1000);' : 'process.exit(0);'}
        })();`;
      const test = spawn(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((r) => test.once('exit', r));
      let out = '';
      test.stdout.on('data', (d) => (out += d));
      await eventually(() => out.includes('\n'), 'the test process to start its nodes', 20000);
      const { dir, pids } = JSON.parse(out);
      if (how.includes('SIGKILL')) {
        assert.ok(fs.existsSync(dir));
        assert.ok(pids.every(running));
        test.kill('SIGKILL');
      }
      await exited;
      await eventually(() => !fs.existsSync(dir) && !pids.some(running), 'cleanup', 10000);
    });
  }

  it('send() and receive() outside a node process say so', async () => {
    // This process has no IPC channel (mocha runs it directly).
    if (process.send) this.skip();
    await assert.rejects(testing.send(1), (e) => e.code === 'ERR_RSM_NOT_A_NODE');
    await assert.rejects(testing.receive(), (e) => e.code === 'ERR_RSM_NOT_A_NODE');
  });
});

