'use strict';
// The nodes of a tiny cluster application, written to be tested with
// rsmapi/testing (examples/test-with-mocha.js, examples/test-with-node-test.js):
// node 1 keeps a counter in a segment it exports; node 2 increments it with
// get and put inside barrier transactions. Each function runs in a node process
// of its own, started by Cluster.run(node, { module, export }).
const rsm = require('rsmapi');
const { send, receive } = require('rsmapi/testing');

/** Node 1: exports the counter, tells the test its segment id, and returns the count when told to stop. */
async function counterServer() {
  const ctl = rsm.getController();
  try {
    const seg = ctl.createExport(rsm.pageSize);
    const id = await seg.publish();
    await send({ segmentId: id });
    await receive(); // "stop"
    return seg.view(Uint32Array)[0];
  } finally {
    ctl.release();
  }
}

/**
 * Node 2: connects, says so, waits for the go-ahead, then adds 1 to the
 * counter `count` times. A barrier failure means the transfers of the block
 * may or may not have arrived, and transaction() runs the block again; so
 * each block must give the same result when run twice: one reads the
 * counter, the next writes the new value (never "add one" in one block,
 * which a rerun would apply twice). Returns how many times blocks ran.
 */
async function counterClient(segmentId, count) {
  const ctl = rsm.getController();
  try {
    const imp = await ctl.connect(1, segmentId);
    await send('connected');
    await receive(); // "go"
    let runs = 0;
    for (let i = 0; i < count; i++) {
      const value = imp.transaction((seg) => {
        runs++;
        return seg.read32(0, 1)[0];
      }, { retries: 5 });
      imp.transaction((seg) => {
        runs++;
        seg.put32(0, Uint32Array.of(value + 1));
      }, { retries: 5 });
    }
    imp.disconnect();
    return { runs };
  } finally {
    ctl.release();
  }
}

module.exports = { counterServer, counterClient };
