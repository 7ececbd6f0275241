#!/usr/bin/env node
'use strict';
// The random-use property (test/property.test.js) for longer: at least
// `count` operations (default 200000), in a private cluster directory.
//   node --expose-gc scripts/fuzz-long.js [count] [seed]
// A failure prints fast-check's shrunk counterexample and its seed, which
// reproduces it when passed as the second argument.
const count = process.argv[2] === undefined ? 200000 : Number(process.argv[2]);
const seed = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
if (!Number.isSafeInteger(count) || count < 1 || (seed !== undefined && !Number.isSafeInteger(seed))) {
  console.error('usage: node --expose-gc scripts/fuzz-long.js [count > 0] [integer seed]');
  process.exit(2);
}
if (typeof global.gc !== 'function') {
  console.error('fuzz-long: run with node --expose-gc');
  process.exit(2);
}
const { makeClusterDir, removeClusterDir } = require('../test/support/cluster-dir');
const dir = makeClusterDir('rsmapi-fuzz-');
process.env.RSM_SIM_DIR = dir;
if (!process.env.RSM_SIM_NODE) process.env.RSM_SIM_NODE = '1';
const { runRandomUse } = require('../test/support/random-use');

(async () => {
  let status = 0;
  const started = Date.now();
  let operations = 0;
  try {
    let round = 0;
    while (operations < count) {
      operations += await runRandomUse({ runs: 100, maxLength: 500, seed: seed === undefined ? undefined : seed + round });
      round++;
      console.log(`${operations} operations, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    console.log(`fuzz-long: ${operations} operations agreed with the model`);
  } catch (e) {
    console.error(e);
    status = 1;
  } finally {
    removeClusterDir(dir);
  }
  process.exit(status);
})();
