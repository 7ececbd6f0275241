'use strict';
// Life-cycle costs through the facade: connect + map + unmap + disconnect
// of an import, and create + publish + unpublish + destroy of an export
// (publish and connect run off the main thread, so each includes a trip to
// the libuv pool and back). Each cycle runs in a process of its own.
const c = require('./support/common');

const CYCLES = Number(process.env.BENCH_CYCLES || 2000);
const WARMUP = Math.floor(CYCLES / 10) + 10;

async function child(which) {
  const rsm = require(c.ROOT);
  const page = rsm.pageSize;
  const ctl = rsm.getController('sci0');
  const node = rsm.getTopology().localNode;
  const samples = [];
  let exp;
  let id;
  if (which === 'import') {
    exp = ctl.createExport(16 * page);
    id = await exp.publish();
  }
  for (let i = 0; i < WARMUP + CYCLES; i++) {
    const t0 = process.hrtime.bigint();
    if (which === 'import') {
      const imp = await ctl.connect(node, id);
      imp.map({ length: 16 * page }).unmap();
      imp.disconnect();
    } else {
      const e = ctl.createExport(16 * page);
      await e.publish();
      e.unpublish();
      e.destroy();
    }
    if (i >= WARMUP) samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  if (exp) exp.destroy();
  ctl.release();
  const s = c.stats(samples);
  if (which === 'import') c.report('connect+map+unmap+disconnect', 'rsmapi', s, '64 KiB segment, this process exports it');
  else c.report('create+publish+unpublish+destroy', 'rsmapi', s, '64 KiB segment');
}

if (process.argv[2] === 'child') {
  child(process.argv[3]).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  c.inChild(__filename, ['child', 'import']);
  c.inChild(__filename, ['child', 'export']);
}
