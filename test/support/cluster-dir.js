'use strict';
// Temporary simulated-cluster directories for tests.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// Where this run's cluster directories go: the runner's private root when it
// gave one (RSMAPI_TEST_ROOT), so a run's leftover check sees only what the
// run itself made, and two runs on one machine cannot fail each other.
function shmRoot() {
  if (process.env.RSMAPI_TEST_ROOT) return process.env.RSMAPI_TEST_ROOT;
  return systemShmRoot();
}

function systemShmRoot() {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

/**
 * A new cluster directory: private to this user (0700), as the simulator
 * requires unless told otherwise. With { shared: true } it is made for
 * processes of several uids (sticky, world-writable); every process using it
 * must then run with sharedClusterEnv(dir).
 */
function makeClusterDir(tag = 'rsmapi-test-', { shared = false } = {}) {
  const dir = fs.mkdtempSync(path.join(shmRoot(), tag));
  if (shared) fs.chmodSync(dir, 0o1777);
  return dir;
}

/** The environment of a process joining the shared cluster in `dir`. */
function sharedClusterEnv(dir) {
  return { RSM_SIM_DIR: dir, RSM_SIM_SHARED: '1' };
}

/** Files in the directory other than the shared registry: segments someone failed to release. */
function leftovers(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f !== 'fabric');
}

function removeClusterDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

module.exports = { shmRoot, systemShmRoot, makeClusterDir, sharedClusterEnv, removeClusterDir, leftovers };
