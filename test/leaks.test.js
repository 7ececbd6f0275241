'use strict';
// No growth of descriptors, mappings or resident memory over thousands of
// segment life cycles, a tenth of them left to the garbage collector, whose
// finalizers must release them (scripts/leak-check.js runs 100,000).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { runCycles, growthProblems } = require('./support/leak-cycles');

describe('leaks over segment life cycles', function () {
  this.timeout(120000);

  it('5000 create/publish/connect/map/unmap/disconnect/destroy cycles leave descriptors, mappings and memory where they were', async () => {
    const result = await runCycles({ count: 5000, warmup: 300 });
    console.log(`      (${result.count} cycles in ${result.ms} ms; fds ${result.base.fds}->${result.end.fds}, maps ${result.base.maps}->${result.middle.maps}->${result.end.maps}, rss ${result.base.rssKb}->${result.middle.rssKb}->${result.end.rssKb} kB)`);
    // Under AddressSanitizer (scripts/sanitize.sh) freed memory waits in its
    // quarantine, so resident memory says nothing about leaks there.
    const sanitized = (process.env.LD_PRELOAD || '').includes('libasan');
    // Its allocator also maps regions of its own as the quarantine fills, so
    // mapping lines get a wider (still bounded) allowance there: a leak of one
    // mapping per cycle would add thousands.
    assert.deepEqual(growthProblems(result, sanitized ? { rssKb: Infinity, lateRssKb: Infinity, maps: 400, lateMaps: 200 } : {}), []);
    const dir = process.env.RSM_SIM_DIR;
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f !== 'fabric'), [], 'no segment file or doorbell left');
  });
});
