#!/usr/bin/env node
'use strict';
// Leak check over many segment life cycles (default 100000), a tenth of them
// left to the garbage collector: prints descriptors, mappings and resident
// memory every 10000 cycles and fails if they grew beyond small bounds.
//   node --expose-gc scripts/leak-check.js [count]
// Runs in a private cluster directory, removed at the end.
const fs = require('node:fs');
const path = require('node:path');

const count = process.argv[2] === undefined ? 100000 : Number(process.argv[2]);
if (!Number.isSafeInteger(count) || count < 1) {
  console.error(`leak-check: the count must be a positive integer, got ${JSON.stringify(process.argv[2])}`);
  process.exit(2);
}
if (typeof global.gc !== 'function') {
  console.error('leak-check: run with node --expose-gc');
  process.exit(2);
}
const { makeClusterDir, removeClusterDir } = require('../test/support/cluster-dir');
const dir = makeClusterDir('rsmapi-leak-');
process.env.RSM_SIM_DIR = dir;
const { runCycles, growthProblems } = require(path.join(__dirname, '..', 'test', 'support', 'leak-cycles'));

(async () => {
  let status = 0;
  try {
    const result = await runCycles({
      count,
      warmup: 1000,
      onProgress: (done, m) => {
        if (done % 10000 === 0) console.log(`${done} cycles: fds ${m.fds}, maps ${m.maps}, rss ${m.rssKb} kB`);
      },
    });
    const { base, end } = result;
    console.log(`leak-check: ${result.count} cycles in ${(result.ms / 1000).toFixed(1)} s`);
    const { middle } = result;
    console.log(`  descriptors ${base.fds} -> ${middle.fds} (half way) -> ${end.fds}`);
    console.log(`  mappings    ${base.maps} -> ${middle.maps} -> ${end.maps}`);
    console.log(`  rss         ${base.rssKb} -> ${middle.rssKb} -> ${end.rssKb} kB`);
    const problems = growthProblems(result);
    const left = fs.readdirSync(dir).filter((f) => f !== 'fabric');
    if (left.length > 0) problems.push(`left in the cluster directory: ${left.join(', ')}`);
    for (const p of problems) console.log(`  problem: ${p}`);
    status = problems.length === 0 ? 0 : 1;
  } catch (e) {
    console.error(e);
    status = 1;
  } finally {
    removeClusterDir(dir);
  }
  process.exit(status);
})();
