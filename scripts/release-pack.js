'use strict';
// The release step: `npm pack` of the package in the current directory,
// refused unless it carries a prebuild this host can load (a folder
// prebuilds/<platform>-<arch>/ with an addon whose tags fit this Node.js
// and libc), so a release never ships without the binary it was built for.
//   node scripts/release-pack.js [npm pack options...]
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const nodeGypBuild = require('node-gyp-build');

const dir = process.cwd();
const tuple = `${process.platform}-${process.arch}`;
const folder = path.join(dir, 'prebuilds', tuple);
const runtime = 'node';
const abi = process.versions.modules;
const names = fs.existsSync(folder) ? fs.readdirSync(folder) : [];
const fits = names.filter((n) => n.endsWith('.node')).filter((n) => nodeGypBuild.matchTags(runtime, abi)(nodeGypBuild.parseTags(n)));
if (fits.length === 0) {
  const found = names.length ? ` (it holds ${names.join(', ')})` : '';
  process.stderr.write(`release-pack: no prebuild for this host in prebuilds/${tuple}/${found}: run npm run build:prebuild first\n`);
  process.exit(1);
}
if (!names.includes('librsmsim.so')) {
  process.stderr.write(`release-pack: prebuilds/${tuple}/ has no librsmsim.so: run npm run build:prebuild again\n`);
  process.exit(1);
}
const r = spawnSync('npm', ['pack', ...process.argv.slice(2)], { cwd: dir, stdio: 'inherit' });
process.exit(r.status ?? 1);
