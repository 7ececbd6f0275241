'use strict';
// Testing a cluster application with mocha and rsmapi/testing: each test
// gets a fresh simulated cluster, runs the application's nodes as child
// processes, injects faults, and checks what the nodes return.
//   npx mocha examples/test-with-mocha.js
const assert = require('node:assert/strict');
const { startCluster } = require('rsmapi/testing');

const app = require.resolve('./counter-nodes.js');

describe('the counter application', function () {
  this.timeout(30000);
  let cluster;
  beforeEach(async () => {
    cluster = await startCluster();
  });
  // Runs whatever the test's outcome: stops the nodes, removes the directory.
  afterEach(() => cluster.stop());

  /** Starts the server on node 1 and a client of `count` increments on node 2, both connected. */
  async function start(count) {
    const server = cluster.run(1, { module: app, export: 'counterServer' });
    const { segmentId } = await server.message();
    const client = cluster.run(2, { module: app, export: 'counterClient' }, { args: [segmentId, count] });
    assert.equal(await client.message(), 'connected');
    return { server, client };
  }

  it('counts every increment', async () => {
    const { server, client } = await start(100);
    client.post('go');
    assert.deepEqual((await client.result()).value, { runs: 200 });
    server.post('stop');
    assert.equal((await server.result()).value, 100);
  });

  it('loses no increment when barriers fail: transaction() runs the failed blocks again', async () => {
    const { server, client } = await start(100);
    await cluster.faults.failBarrierClose(2, 3); // node 2's next three barrier closes fail
    client.post('go');
    assert.deepEqual((await client.result()).value, { runs: 203 });
    server.post('stop');
    assert.equal((await server.result()).value, 100);
  });

  it('reports RSMERR_CONN_ABORTED when the server node crashes', async () => {
    const { client } = await start(100);
    await cluster.faults.crashNode(1);
    client.post('go');
    const result = await client.exited;
    assert.equal(result.code, 1);
    assert.equal(result.error.code, 'RSMERR_CONN_ABORTED');
  });
});
