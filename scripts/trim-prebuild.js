'use strict';
// After prebuildify: a prebuild folder holds the addon and librsmsim.so
// (for C programs and the native backend over the simulator) and nothing
// else. prebuildify copies every shared library of build/Release, which
// includes the benchmark's rsm_bench_empty.so.
const fs = require('node:fs');
const path = require('node:path');

const KEEP = /(\.node|^librsmsim\.so)$/;
const folder = path.join(process.cwd(), 'prebuilds', `${process.platform}-${process.arch}`);
for (const name of fs.readdirSync(folder)) {
  if (!KEEP.test(name)) fs.rmSync(path.join(folder, name), { recursive: true, force: true });
}
