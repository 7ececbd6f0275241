'use strict';
// A longer run of the SIGKILL churn of test/memory-sharing.test.js: processes
// looping create/publish/connect/rebind/unpublish/destroy (test/c/memory_peer.c)
// are killed at random points; afterwards the cluster directory must hold
// only the registry and the registry no segment of a dead process.
//   node scripts/churn-soak.js [seconds=300] [parallel=4]
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const program = path.join(root, 'build', 'Release', 'rsm_c_memory_peer');
const seconds = Number(process.argv[2] ?? 300);
const parallel = Number(process.argv[3] ?? 4);
const base = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
const dir = fs.mkdtempSync(path.join(base, 'rsmapi-soak-'));
const env = { ...process.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: '1' };
const end = Date.now() + seconds * 1000;
let kills = 0;

function once() {
  return new Promise((resolve) => {
    const child = spawn(program, [], { env, stdio: ['pipe', 'ignore', 'inherit'] });
    child.stdin.write(`churn ${seconds * 1000} ${kills}\n`);
    const t = setTimeout(() => child.kill('SIGKILL'), 5 + Math.floor(Math.random() * 120));
    child.once('exit', () => {
      clearTimeout(t);
      kills++;
      resolve();
    });
  });
}

async function worker() {
  while (Date.now() < end) await once();
}

(async () => {
  await Promise.all(Array.from({ length: parallel }, worker));
  const sweep = spawnSync(process.execPath, ['-e', `
    const rsm = require(${JSON.stringify(root)});
    const c = rsm.getController('sci0'); c.createExport(rsm.pageSize).destroy(); c.release();
    process.stdout.write(JSON.stringify(rsm.sim.snapshot().segments));`], { env: { ...env, RSM_BACKEND: 'sim' }, encoding: 'utf8' });
  const segments = JSON.parse(sweep.stdout || '[]');
  const orphans = fs.readdirSync(dir).filter((f) => f !== 'fabric');
  console.log(`churn soak: ${kills} kills in ${seconds} s, ${orphans.length} orphaned files, ${segments.length} registry segments left`);
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(orphans.length === 0 && segments.length === 0 ? 0 : 1);
})();
