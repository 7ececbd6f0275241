'use strict';
// Temporary simulated-cluster directories for tests.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function shmRoot() {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

function makeClusterDir(tag = 'rsmapi-test-') {
  const dir = fs.mkdtempSync(path.join(shmRoot(), tag));
  // Importers in child processes may run under other uids.
  fs.chmodSync(dir, 0o1777);
  return dir;
}

/** Files in the directory other than the shared registry: segments someone failed to release. */
function leftovers(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f !== 'fabric');
}

function removeClusterDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

module.exports = { shmRoot, makeClusterDir, removeClusterDir, leftovers };
