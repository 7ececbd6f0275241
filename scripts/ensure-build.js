'use strict';
// Before the tests: make sure the local build has everything they use (the
// addon, librsmsim.so and the C test programs), even when `npm install` took
// a prebuilt addon and compiled nothing.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const configured = fs.existsSync(path.join(root, 'build', 'config.gypi'));
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
const args = configured ? ['build', '-j', 'max'] : ['rebuild', '-j', 'max'];
const r = spawnSync(process.execPath, [nodeGyp, ...args, '--silent'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
