'use strict';
// A C program compiled against src-native/abi/rsmapi.h and linked against
// librsmsim.so exports in one process and imports in another.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { makeClusterDir, removeClusterDir, leftovers } = require('./support/cluster-dir');

// RSMAPI_TEST_C_PROGRAMS: where another build put them (scripts/sanitize.sh).
const program = path.join(process.env.RSMAPI_TEST_C_PROGRAMS || path.join(__dirname, '..', 'build', 'Release'), 'rsm_c_exchange');

describe('C programs against librsmsim.so', () => {
  it('exports in one process and imports in another, unchanged from illumos source', function () {
    assert.ok(fs.existsSync(program), `${program} was not built`);
    const dir = makeClusterDir('rsmapi-c-');
    try {
      const r = spawnSync(program, [], {
        env: { ...process.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: '1' },
        encoding: 'utf8',
        timeout: 20000,
      });
      assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /rsm_c_exchange: ok/);
      assert.deepEqual(leftovers(dir), []);
    } finally {
      removeClusterDir(dir);
    }
  });
});
