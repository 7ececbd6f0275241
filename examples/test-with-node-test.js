'use strict';
// Testing a cluster application with node:test and rsmapi/testing: the same
// checks as examples/test-with-mocha.js, with Node's own test runner.
//   node --test examples/test-with-node-test.js
const assert = require('node:assert/strict');
const { afterEach, beforeEach, describe, it } = require('node:test');
const { startCluster } = require('rsmapi/testing');

const app = require.resolve('./counter-nodes.js');

describe('the counter application', { timeout: 30000 }, () => {
  let cluster;
  beforeEach(async () => {
    cluster = await startCluster();
  });
  afterEach(() => cluster.stop());

  async function start(count) {
    const server = cluster.run(1, { module: app, export: 'counterServer' });
    const { segmentId } = await server.message();
    const client = cluster.run(2, { module: app, export: 'counterClient' }, { args: [segmentId, count] });
    assert.equal(await client.message(), 'connected');
    return { server, client };
  }

  it('counts every increment', async () => {
    const { server, client } = await start(50);
    client.post('go');
    assert.deepEqual((await client.result()).value, { runs: 100 });
    server.post('stop');
    assert.equal((await server.result()).value, 50);
  });

  it('loses no increment when barriers fail', async () => {
    const { server, client } = await start(50);
    await cluster.faults.failBarrierClose(2, 2);
    client.post('go');
    assert.deepEqual((await client.result()).value, { runs: 102 });
    server.post('stop');
    assert.equal((await server.result()).value, 50);
  });

  it('reports RSMERR_CONN_ABORTED when the server node crashes', async () => {
    const { client } = await start(50);
    await cluster.faults.crashNode(1);
    client.post('go');
    const result = await client.exited;
    assert.equal(result.error.code, 'RSMERR_CONN_ABORTED');
  });
});
