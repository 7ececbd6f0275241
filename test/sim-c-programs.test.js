'use strict';
// The simulator's C self-test (test/c/sim_selftest.c) and its multi-process
// stress (test/c/sim_stress.c), linked against librsmsim.so. Each makes and
// removes a cluster directory of its own under /dev/shm.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const programs = process.env.RSMAPI_TEST_C_PROGRAMS || path.join(__dirname, '..', 'build', 'Release');

function run(name, args) {
  const program = path.join(programs, name);
  assert.ok(fs.existsSync(program), `${program} was not built`);
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('RSM_SIM_')) delete env[k];
  const r = spawnSync(program, args, { env, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('simulator C programs against librsmsim.so', () => {
  it('passes its self-test: controllers, topology, export errors, data, permissions, fork, two nodes, kill -9', function () {
    this.timeout(90000);
    assert.match(run('rsm_c_sim_selftest', []), /^PASS: 0 failure\(s\)$/m);
  });

  it('keeps data and leaves no file when two processes of four threads create, publish, connect and tear down at once', function () {
    this.timeout(90000);
    // Four threads per process, 30 rounds each: threads of one process race
    // to reuse each other's export entries, the processes on the registry;
    // the program's default (300 rounds) is for runs by hand.
    assert.match(run('rsm_c_sim_stress', ['30', '4']), /^PASS: parent failures 0, child status 0, leftover files 0$/m);
  });
});
