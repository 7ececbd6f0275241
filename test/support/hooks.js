'use strict';
// Root hooks: every mocha run gets a private simulated cluster directory
// (unless the runner gave one) and removes it at the end, so a run leaves
// nothing behind in /dev/shm or the temp dir.
const fs = require('node:fs');
const { makeClusterDir, removeClusterDir } = require('./cluster-dir');

let owned = null;
if (!process.env.RSM_SIM_DIR) {
  owned = makeClusterDir();
  process.env.RSM_SIM_DIR = owned;
}
if (!process.env.RSM_SIM_NODE) process.env.RSM_SIM_NODE = '1';

exports.mochaHooks = {
  afterAll() {
    if (owned && fs.existsSync(owned)) removeClusterDir(owned);
  },
};
