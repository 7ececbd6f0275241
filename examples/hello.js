'use strict';
// Two nodes, two processes: node 1 exports a page and publishes it; node 2
// (a child process, started with rsmapi/testing in node 1's cluster)
// connects, reads it, writes a reply, and maps it. Exits non-zero when
// either node fails.
//   node examples/hello.js
const rsm = require('rsmapi');
const { joinCluster } = require('rsmapi/testing');

async function exporter() {
  const ctl = rsm.getController();
  const seg = ctl.createExport(rsm.pageSize);
  seg.bytes.set(Buffer.from('hello from node 1'));
  const segmentId = await seg.publish({ accessList: [{ node: 2, permission: 0o666 }] });
  console.log(`node 1: published segment 0x${segmentId.toString(16)} (${rsm.backend().name} backend)`);

  const cluster = joinCluster(); // this process's cluster (RSM_SIM_DIR)
  try {
    // Throws when node 2 fails: its exit code, or the signal that killed it.
    await cluster.run(2, __filename, { args: ['import', segmentId], echo: true }).result();
    console.log(`node 1: found "${Buffer.from(seg.bytes.subarray(100, 117)).toString()}" at offset 100`);
  } finally {
    await cluster.stop(); // ends node 2 if it still runs
    ctl.release(); // destroys the export too
  }
}

async function importer(segmentId) {
  const ctl = rsm.getController();
  const imp = await ctl.connect(1, segmentId);
  console.log(`node 2: read "${Buffer.from(imp.read(0, 17)).toString()}"`);
  imp.put(100, Buffer.from('hello from node 2'));
  imp.unmap(); // the get above mapped the segment implicitly
  const mapping = imp.map({ length: rsm.pageSize });
  console.log(`node 2: mapped ${mapping.length} bytes, first word 0x${mapping.view(Uint32Array)[0].toString(16)}`);
  mapping.unmap();
  imp.disconnect();
  ctl.release();
}

const [mode, id] = process.argv.slice(2);
(mode === 'import' ? importer(Number(id)) : exporter()).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
