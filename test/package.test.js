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
// Dependencies come from the npm cache that `npm ci` filled where it holds
// what this install asks for (--prefer-offline); an install without a
// lockfile asks for full package documents, which `npm ci` may not have
// cached, and those come from the registry.
// The tarball is also checked by publint and @arethetypeswrong/cli, and the
// release step and the messages for a missing or failed build are tried.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { makeClusterDir, removeClusterDir } = require('./support/cluster-dir');

const root = path.join(__dirname, '..');
const releasePack = path.join(root, 'scripts', 'release-pack.js');
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
const testing = require('rsmapi/testing');
(async () => {
  const ctl = rsm.getController('sci0');
  const seg = ctl.createExport(rsm.pageSize);
  seg.bytes.set([1, 2, 3, 4, 5]);
  const id = await seg.publish();
  const imp = await ctl.connect(1, id);
  const bytes = Array.from(imp.read(0, 5));
  ctl.release();
  console.log(JSON.stringify({ bytes, backend: rsm.backend(), entry: require.resolve('rsmapi'), testing: typeof testing.startCluster }));
})();
`;

const CONSUMER_MJS = `
import { getController, pageSize, backend } from 'rsmapi';
import rsm from 'rsmapi';
import { startCluster } from 'rsmapi/testing';
const ctl = getController('sci0');
const seg = ctl.createExport(pageSize);
seg.bytes.set([9, 8, 7]);
const imp = await ctl.connect(1, await seg.publish());
const bytes = Array.from(imp.read(0, 3));
ctl.release();
console.log(JSON.stringify({ bytes, backend: backend(), sameModule: rsm.getController === getController, testing: typeof startCluster }));
`;

// Strict TypeScript against the installed declarations, both entry points.
const CONSUMER_TS = `
import { getController, RsmError, type BackendInfo } from 'rsmapi';
import { startCluster, type Cluster, type NodeResult } from 'rsmapi/testing';
export async function check(): Promise<number> {
  const cluster: Cluster = await startCluster({ topology: ['node 1'] });
  const r: NodeResult = await cluster.run(1, { command: 'true' }).exited;
  await cluster.stop();
  const info: BackendInfo = (await import('rsmapi')).backend();
  void info; void RsmError;
  getController('sci0').release();
  return r.code ?? -1;
}
`;

/** The bin of a dev tool in this checkout's node_modules, or skips the test naming what to install. */
function devTool(test, pkg, bin) {
  const manifest = path.join(root, 'node_modules', pkg, 'package.json');
  if (!fs.existsSync(manifest)) {
    test.skip(`${pkg} is not installed: add it to devDependencies (npm install --save-dev ${pkg})`);
  }
  const rel = JSON.parse(fs.readFileSync(manifest, 'utf8')).bin;
  return path.join(path.dirname(manifest), typeof rel === 'string' ? rel : rel[bin]);
}

describe(`the packed package, installed ${fromSource ? 'from source' : 'with a prebuild'}`, function () {
  this.timeout(900000);
  let work;
  let packed;
  let installed;
  let cluster;
  let refusedRelease;
  let prebuildFiles;
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

  before(function () {
    // The sanitizer run tests the instrumented addon; packing compiles an
    // uninstrumented copy under its environment and checks no memory safety.
    if (process.env.RSMAPI_ADDON) this.skip();
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
      refusedRelease = spawnSync(process.execPath, [releasePack, '--dry-run'], { cwd: stage, encoding: 'utf8', timeout: 60000 });
      // node-gyp compiles in parallel with JOBS (prebuildify passes no -j).
      run('npm', ['run', 'build:prebuild'], { cwd: stage, timeout: 600000, env: { ...process.env, JOBS: 'max' } });
      prebuildFiles = fs.readdirSync(path.join(stage, 'prebuilds', `${process.platform}-${process.arch}`)).sort();
      fs.rmSync(path.join(stage, 'node_modules'));
      fs.mkdirSync(path.join(work, 'with-prebuild'));
      // Through the release step, which finds the prebuild it needs.
      const out = run(process.execPath, [releasePack, '--json', '--ignore-scripts', '--pack-destination', path.join(work, 'with-prebuild')], { cwd: stage });
      tarball = path.join(work, 'with-prebuild', JSON.parse(out)[0].filename);
    }
    const consumer = path.join(work, 'consumer');
    fs.mkdirSync(consumer);
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    fs.writeFileSync(path.join(consumer, 'check.cjs'), CONSUMER_CJS);
    fs.writeFileSync(path.join(consumer, 'check.mjs'), CONSUMER_MJS);
    const installEnv = { ...process.env };
    // node-gyp-build compiles even where a prebuild would fit.
    if (fromSource) installEnv.npm_config_build_from_source = 'true';
    fs.writeFileSync(path.join(consumer, 'check.mts'), CONSUMER_TS);
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
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'binding.gyp', 'dist/index.js', 'dist/index.mjs', 'types/index.d.ts',
      'types/index.d.mts', 'dist/testing.js', 'dist/testing.mjs', 'types/testing.d.ts', 'types/testing.d.mts', 'bin/rsm.js']) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
    for (const dir of ['src-native/abi/', 'src-native/sim/', 'src-native/addon/', 'src-native/backend/']) {
      assert.ok(files.some((f) => f.startsWith(dir)), `${dir} is in the tarball`);
    }
    const unwanted = files.filter((f) => /^(test|build|node_modules|lib|bench|docs|\.ci)\//.test(f) || f.endsWith('.tgz'));
    assert.deepEqual(unwanted, [], 'nothing from tests, builds or development');
  });

  it('ships a source map only with the sources it names', () => {
    const unpacked = path.join(work, 'unpacked');
    fs.mkdirSync(unpacked, { recursive: true });
    run('tar', ['-xzf', packed.tarball, '-C', unpacked, '--strip-components=1']);
    const missing = [];
    for (const f of packed.files.filter((x) => x.endsWith('.map'))) {
      const map = JSON.parse(fs.readFileSync(path.join(unpacked, f), 'utf8'));
      for (const src of map.sources) {
        const at = path.normalize(path.join(path.dirname(f), map.sourceRoot || '', src));
        if (!map.sourcesContent && !packed.files.includes(at)) missing.push(`${f} -> ${at}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('passes publint (strict) and @arethetypeswrong/cli (node16) on the tarball', function () {
    const publint = devTool(this, 'publint', 'publint');
    const attw = devTool(this, '@arethetypeswrong/cli', 'attw');
    const lint = spawnSync(process.execPath, [publint, 'run', packed.tarball, '--strict'], { encoding: 'utf8', timeout: 120000 });
    assert.equal(lint.status, 0, `publint:\n${lint.stdout}${lint.stderr}`);
    assert.doesNotMatch(lint.stdout, /Suggestions|Warnings|Errors/, lint.stdout);
    const types = spawnSync(process.execPath, [attw, packed.tarball, '--profile', 'node16', '--format', 'json'], { encoding: 'utf8', timeout: 120000 });
    // The node16 profile: Node.js's own resolution and bundlers; TypeScript's
    // node10 resolution predates the exports map that names rsmapi/testing.
    const problems = JSON.parse(types.stdout).analysis.problems.filter((p) => p.resolutionKind !== 'node10');
    assert.deepEqual(problems, [], types.stdout.slice(0, 2000));
    assert.equal(types.status, 0, types.stderr);
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
      // A musl host finds no prebuild that fits (so its install compiles).
      const musl = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(require.resolve('node-gyp-build', { paths: [installed] }))}).path(${JSON.stringify(installed)})`],
        { env: { ...process.env, LIBC: 'musl' }, encoding: 'utf8' });
      assert.notEqual(musl.status, 0);
      assert.match(musl.stderr, /No native build was found .*libc=musl/);
    }
  });

  if (!fromSource) {
    it('makes a prebuild of the addon and librsmsim.so only, tagged by libc, and refuses a release without one', () => {
      assert.equal(prebuildFiles.length, 2, prebuildFiles.join(', '));
      assert.equal(prebuildFiles[0], 'librsmsim.so');
      assert.match(prebuildFiles[1], /^[\w.]*\.glibc\.node$/);
      assert.equal(refusedRelease.status, 1, refusedRelease.stderr);
      assert.match(refusedRelease.stderr, /no prebuild for this host in prebuilds\/\S+\/: run npm run build:prebuild first/);
    });
  }

  it('works with require(): a create/publish/connect/get round trip', () => {
    const out = JSON.parse(run(process.execPath, ['check.cjs'], { cwd: path.dirname(path.dirname(installed)), env: env() }));
    assert.deepEqual(out.bytes, [1, 2, 3, 4, 5]);
    assert.equal(out.backend.name, fromSource ? 'native' : 'sim');
    assert.equal(out.entry, path.join(installed, 'dist', 'index.js'));
    assert.equal(out.testing, 'function', 'rsmapi/testing too');
  });

  it('works with import: the same round trip from an ES module', () => {
    const out = JSON.parse(run(process.execPath, ['check.mjs'], { cwd: path.dirname(path.dirname(installed)), env: env() }));
    assert.deepEqual(out.bytes, [9, 8, 7]);
    assert.equal(out.backend.name, fromSource ? 'native' : 'sim');
    assert.equal(out.sameModule, true);
    assert.equal(out.testing, 'function', 'rsmapi/testing too');
  });

  it('gives a strict TypeScript consumer the declarations of both entry points', () => {
    const consumer = path.dirname(path.dirname(installed));
    fs.writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', lib: ['ES2022', 'ESNext.Disposable'], module: 'node16', moduleResolution: 'node16', strict: true,
          noEmit: true, types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')] },
        files: ['check.mts'],
      }),
    );
    const tsc = require.resolve('typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', consumer, '--pretty', 'false'], { cwd: consumer, encoding: 'utf8' });
    assert.equal(r.status, 0, `tsc:\n${r.stdout}${r.stderr}`);
  });

  it('ships the examples, which run from the installed package', () => {
    assert.ok(packed.files.includes('examples/ping-pong.js'), 'examples/ are in the tarball');
    const example = path.join(installed, 'examples', 'ping-pong.js');
    const out = run(process.execPath, [example, '50'], { env: env() });
    const m = /^ping-pong: 50 round trips, counter (\d+), median \d+\.\d µs$/m.exec(out);
    assert.ok(m, out);
    assert.equal(Number(m[1]), 100);
  });

  it('says what to install or run when no addon fits: at load, and when the compile at install fails', function () {
    if (fromSource) this.skip(); // once is enough: nothing here depends on the backend
    // The package without a build or prebuild, as after `npm install --ignore-scripts` on a host no prebuild fits.
    const bare = path.join(work, 'bare');
    fs.mkdirSync(bare);
    run('tar', ['-xzf', packed.tarball, '-C', bare, '--strip-components=1']);
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(bare, 'node_modules'), 'dir');
    const load = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(bare)})`], { encoding: 'utf8', env: { ...process.env, RSMAPI_ADDON: '' } });
    assert.notEqual(load.status, 0);
    assert.match(load.stderr, /rsmapi: no native addon for linux-x64 \(glibc\), Node\.js v[\d.]+: the package has no prebuild for this host and none was compiled\./);
    assert.match(load.stderr, /- Install a C\+\+17 compiler, make and Python 3, then run: npm rebuild rsmapi/);
    // The install script with a compiler that fails.
    const install = spawnSync('npm', ['run', 'install'], {
      cwd: bare,
      encoding: 'utf8',
      timeout: 240000,
      env: { ...process.env, CXX: '/bin/false', CC: '/bin/false', LINK: '/bin/false' },
    });
    assert.notEqual(install.status, 0);
    assert.match(install.stderr, /rsmapi: the package has no prebuild for linux-x64 \(glibc\), and compiling the addon failed \(see above\)\./);
    assert.match(install.stderr, /- Install a C\+\+17 compiler \(g\+\+ or clang\+\+\), make and Python 3, then run: npm rebuild rsmapi/);
  });

  it('installs the rsm command', () => {
    const bin = path.join(path.dirname(installed), '.bin', 'rsm');
    const out = JSON.parse(run(bin, ['backend', '--json'], { env: env() }));
    assert.equal(out.name, fromSource ? 'native' : 'sim');
  });
});
