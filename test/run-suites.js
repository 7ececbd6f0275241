'use strict';
// `npm test`: the whole mocha suite, once on the built-in simulator and once
// on the native backend (dlopen) pointed at the simulator built as a
// standalone librsm, librsmsim.so. Each run gets a fresh cluster directory;
// afterwards the directory must hold no segment files. Every test directory
// of this invocation lives under one private root (RSMAPI_TEST_ROOT), which
// must be empty at the end: the check looks only at what this run made, so
// other programs using /dev/shm, or a second run at once, cannot fail it.
// A run started by another run (RSMAPI_TEST_ROOT set) makes its root inside
// the outer one.
//
//   node test/run-suites.js [mocha options] [test files]
// Test files given replace the configured spec. RSMAPI_TEST_BACKENDS=sim
// (or native) runs one backend only.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { makeClusterDir, removeClusterDir, leftovers, systemShmRoot } = require('./support/cluster-dir');

const root = path.join(__dirname, '..');
// RSMAPI_TEST_SIM_LIBRARY: another build of it (scripts/sanitize.sh).
const simLibrary = process.env.RSMAPI_TEST_SIM_LIBRARY || path.join(root, 'build', 'Release', 'librsmsim.so');
const runs = [
  { label: 'simulator backend', backend: 'sim', env: { RSM_BACKEND: 'sim' } },
  { label: 'native backend over librsmsim.so', backend: 'native', env: { RSM_BACKEND: 'native', RSM_LIBRARY: simLibrary } },
].filter((r) => !process.env.RSMAPI_TEST_BACKENDS || process.env.RSMAPI_TEST_BACKENDS.split(',').includes(r.backend));

const mochaBin = require.resolve('mocha/bin/mocha.js');
// mocha adds files named on its command line to the configured spec; to run
// only those, the configuration is passed without its spec.
const files = process.argv.slice(2).filter((a) => !a.startsWith('-') && a.endsWith('.js'));
const options = process.argv.slice(2).filter((a) => !files.includes(a));
let extraArgs = options;
if (files.length > 0) {
  const config = JSON.parse(fs.readFileSync(path.join(root, '.mocharc.json'), 'utf8'));
  extraArgs = ['--no-config', ...[config.require].flat().flatMap((r) => ['--require', r]), '--timeout', String(config.timeout),
    '--reporter', config.reporter, ...options, ...files];
}
const totals = { passes: 0, failures: 0, pending: 0 };
const problems = [];

const testRoot = fs.mkdtempSync(path.join(process.env.RSMAPI_TEST_ROOT || systemShmRoot(), 'rsmapi-run-'));
// Importers in child processes may run under other uids and must reach the
// cluster directories below.
fs.chmodSync(testRoot, 0o755);
process.env.RSMAPI_TEST_ROOT = testRoot;
for (const run of runs) {
  const dir = makeClusterDir();
  const statsFile = path.join(os.tmpdir(), `rsmapi-stats-${process.pid}-${totals.passes}.json`);
  console.log(`\n=== ${run.label} (RSM_SIM_DIR=${dir}) ===`);
  const result = spawnSync(process.execPath, ['--expose-gc', mochaBin, ...extraArgs], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...run.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: '1', RSM_TEST_STATS: statsFile },
  });
  let stats = null;
  try {
    stats = JSON.parse(fs.readFileSync(statsFile, 'utf8'));
    fs.rmSync(statsFile);
  } catch {
    problems.push(`${run.label}: mocha did not finish (exit ${result.status}, signal ${result.signal})`);
  }
  if (stats) {
    totals.passes += stats.passes;
    totals.failures += stats.failures;
    totals.pending += stats.pending;
    if (result.status !== 0 && stats.failures === 0) problems.push(`${run.label}: mocha exited with ${result.status}`);
  }
  const left = leftovers(dir);
  if (left.length > 0) problems.push(`${run.label}: files left in the cluster directory: ${left.join(', ')}`);
  removeClusterDir(dir);
}
const leftInRoot = fs.readdirSync(testRoot);
if (leftInRoot.length > 0) problems.push(`left in ${testRoot}: ${leftInRoot.join(', ')}`);
fs.rmSync(testRoot, { recursive: true, force: true });

console.log('');
for (const p of problems) console.log(`problem: ${p}`);
const failed = totals.failures + problems.length;
console.log(`rsmapi: ${totals.passes} passed, ${failed} failed, ${totals.pending} skipped`);
process.exit(failed === 0 ? 0 : 1);
