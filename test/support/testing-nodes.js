'use strict';
// Node programs for test/testing.test.js: module functions run by
// Cluster.run(node, { module, export }), and, run as a file, a small
// program whose first argument says what to do.
const rsm = require('../..');
const { send, receive } = require('rsmapi/testing');

/** The topology as this node sees it, and its cluster directory. */
exports.topology = () => {
  const t = rsm.getTopology();
  return {
    localNode: t.localNode,
    controllers: t.controllers.map((c) => [c.name, c.remotes.map((r) => [r.node, r.name])]),
    dir: process.env.RSM_SIM_DIR,
  };
};

/** Exports a page holding `bytes`, sends its id, and waits for "stop". */
exports.exportAndWait = async (bytes) => {
  const ctl = rsm.getController('sci0');
  try {
    const seg = ctl.createExport(rsm.pageSize);
    seg.bytes.set(bytes);
    await send({ segmentId: await seg.publish() });
    return (await receive()) === 'stop' ? 'stopped' : 'unexpected message';
  } finally {
    ctl.release();
  }
};

/** Reads `length` bytes of segment `segmentId` of `node`. */
exports.readFrom = async (node, segmentId, length) => {
  const ctl = rsm.getController('sci0');
  try {
    const imp = await ctl.connect(node, segmentId);
    const bytes = Array.from(imp.read(0, length));
    imp.disconnect();
    return bytes;
  } finally {
    ctl.release();
  }
};

if (require.main === module) {
  const [what, arg] = process.argv.slice(2);
  console.log(`node ${process.env.RSM_SIM_NODE} in ${process.env.RSM_SIM_DIR}`);
  if (what === 'exit') process.exit(Number(arg));
  if (what === 'hang') setInterval(() => {}, 1000);
}
