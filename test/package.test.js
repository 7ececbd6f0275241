'use strict';
// The package as users get it: `npm pack`, then `npm install <tarball>` into
// an empty project, then require/import it there and run a round trip.
//
// Each run of the suite takes one of the two ways an install can go, so that
// together they cover both at the cost of one install each:
// - simulator run: the tarball carries a prebuild made by `npm run
//   build:prebuild`, and the install compiles nothing;
// - native run: the install compiles from source (as where no prebuild fits),
//   and the round trip goes through the native backend over the librsmsim.so
//   that this install built.
// Dependencies come from the npm cache that `npm ci` filled.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { makeClusterDir, removeClusterDir } = require('./support/cluster-dir');

const root = path.join(__dirname, '..');
const fromSource = process.env.RSM_BACKEND === 'native';

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 240000, ...options });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** `npm pack` of `dir` into `dest`; returns the tarball's path and its file list. */
function pack(dir, dest) {
  // Scripts are left out: the build of dist/ and types/ has run already (pretest).
  const out = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: dir });
  const [info] = JSON.parse(out);
  return { tarball: path.join(dest, info.filename), files: info.files.map((f) => f.path) };
}

const CONSUMER_CJS = `
const rsm = require('rsmapi');
(async () => {
  const ctl = rsm.getController('sci0');
  const seg = ctl.createExport(rsm.pageSize);
  seg.bytes.set([1, 2, 3, 4, 5]);
  const id = await seg.publish();
  const imp = await ctl.connect(1, id);
  const bytes = Array.from(imp.read(0, 5));
  ctl.release();
  console.log(JSON.stringify({ bytes, backend: rsm.backend(), entry: require.resolve('rsmapi') }));
})();
`;

const CONSUMER_MJS = `
import { getController, pageSize, backend } from 'rsmapi';
import rsm from 'rsmapi';
const ctl = getController('sci0');
const seg = ctl.createExport(pageSize);
seg.bytes.set([9, 8, 7]);
const imp = await ctl.connect(1, await seg.publish());
const bytes = Array.from(imp.read(0, 3));
ctl.release();
console.log(JSON.stringify({ bytes, backend: backend(), sameModule: rsm.getController === getController }));
`;

describe(`the packed package, installed ${fromSource ? 'from source' : 'with a prebuild'}`, function () {
  this.timeout(300000);
  let work;
  let packed;
  let installed;
  let cluster;
  const env = () => {
    const e = { ...process.env, RSM_SIM_DIR: cluster, RSM_SIM_NODE: '1' };
    if (fromSource) {
      e.RSM_BACKEND = 'native';
      e.RSM_LIBRARY = path.join(installed, 'build', 'Release', 'librsmsim.so');
    } else {
      e.RSM_BACKEND = 'sim';
      delete e.RSM_LIBRARY;
    }
    return e;
  };

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'rsmapi-pack-'));
    cluster = makeClusterDir('rsmapi-pack-');
    packed = pack(root, work);
    let tarball = packed.tarball;
    if (!fromSource) {
      // Make the prebuild in a copy of the packed sources, so the working
      // tree's build/ is left alone; then pack that copy.
      const stage = path.join(work, 'stage');
      fs.mkdirSync(stage);
      run('tar', ['-xzf', tarball, '-C', stage, '--strip-components=1']);
      fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
      run('npm', ['run', 'build:prebuild'], { cwd: stage });
      fs.rmSync(path.join(stage, 'node_modules'));
      fs.mkdirSync(path.join(work, 'with-prebuild'));
      tarball = pack(stage, path.join(work, 'with-prebuild')).tarball;
    }
    const consumer = path.join(work, 'consumer');
    fs.mkdirSync(consumer);
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    fs.writeFileSync(path.join(consumer, 'check.cjs'), CONSUMER_CJS);
    fs.writeFileSync(path.join(consumer, 'check.mjs'), CONSUMER_MJS);
    const installEnv = { ...process.env };
    // node-gyp-build compiles even where a prebuild would fit.
    if (fromSource) installEnv.npm_config_build_from_source = 'true';
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball], {
      cwd: consumer,
      env: installEnv,
    });
    installed = path.join(consumer, 'node_modules', 'rsmapi');
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    if (cluster) removeClusterDir(cluster);
  });

  it('packs the built library, its declarations and the native sources, and no tests or build output', () => {
    const files = packed.files;
    for (const f of ['package.json', 'README.md', 'binding.gyp', 'dist/index.js', 'dist/index.mjs', 'types/index.d.ts', 'types/index.d.mts', 'bin/rsm.js']) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
    for (const dir of ['src-native/abi/', 'src-native/sim/', 'src-native/addon/', 'src-native/backend/']) {
      assert.ok(files.some((f) => f.startsWith(dir)), `${dir} is in the tarball`);
    }
    const unwanted = files.filter((f) => /^(test|build|node_modules|lib|bench|docs|\.ci)\//.test(f) || f.endsWith('.tgz'));
    assert.deepEqual(unwanted, [], 'nothing from tests, builds or development');
  });

  it(fromSource ? 'compiled the addon and librsmsim.so at install' : 'loads the prebuild and compiled nothing', () => {
    // The loader the installed package itself uses, asked which file it loads.
    const nodeGypBuild = require(require.resolve('node-gyp-build', { paths: [installed] }));
    const loaded = nodeGypBuild.path(installed);
    if (fromSource) {
      assert.equal(loaded, path.join(installed, 'build', 'Release', 'rsmapi.node'));
      assert.ok(fs.existsSync(path.join(installed, 'build', 'Release', 'librsmsim.so')));
    } else {
      assert.match(loaded, new RegExp(`/prebuilds/${process.platform}-${process.arch}/[^/]+\\.node$`));
      assert.ok(!fs.existsSync(path.join(installed, 'build')), 'no build/ directory: the install compiled nothing');
    }
  });

  it('works with require(): a create/publish/connect/get round trip', () => {
    const out = JSON.parse(run(process.execPath, ['check.cjs'], { cwd: path.dirname(path.dirname(installed)), env: env() }));
    assert.deepEqual(out.bytes, [1, 2, 3, 4, 5]);
    assert.equal(out.backend.name, fromSource ? 'native' : 'sim');
    assert.equal(out.entry, path.join(installed, 'dist', 'index.js'));
  });

  it('works with import: the same round trip from an ES module', () => {
    const out = JSON.parse(run(process.execPath, ['check.mjs'], { cwd: path.dirname(path.dirname(installed)), env: env() }));
    assert.deepEqual(out.bytes, [9, 8, 7]);
    assert.equal(out.backend.name, fromSource ? 'native' : 'sim');
    assert.equal(out.sameModule, true);
  });

  it('ships the examples, which run from the installed package', () => {
    assert.ok(packed.files.includes('examples/ping-pong.js'), 'examples/ are in the tarball');
    const example = path.join(installed, 'examples', 'ping-pong.js');
    const out = run(process.execPath, [example, '50'], { env: env() });
    const m = /^ping-pong: 50 round trips, counter (\d+), median \d+\.\d µs$/m.exec(out);
    assert.ok(m, out);
    assert.equal(Number(m[1]), 100);
  });

  it('installs the rsm command', () => {
    const bin = path.join(path.dirname(installed), '.bin', 'rsm');
    const out = JSON.parse(run(bin, ['backend', '--json'], { env: env() }));
    assert.equal(out.name, fromSource ? 'native' : 'sim');
  });
});
