'use strict';
// A process out of file descriptors is a driver out of resources: connect
// and export create fail with RSMERR_INSUFFICIENT_RESOURCES, not with an
// error that blames the segment (RSMERR_SEG_NOT_PUBLISHED). Checked in a
// child whose descriptor limit is lowered, through the facade and in C.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const rsm = require('..');
const { makeClusterDir, removeClusterDir, leftovers } = require('./support/cluster-dir');

const root = path.join(__dirname, '..');
const C_PROGRAM = path.join(process.env.RSMAPI_TEST_C_PROGRAMS || path.join(root, 'build', 'Release'), 'rsm_c_blocking_calls');

// Runs `argv` with RLIMIT_NOFILE lowered to 64 by the shell.
function withFewDescriptors(argv, env) {
  return spawnSync('/bin/sh', ['-c', 'ulimit -n 64 && exec "$@"', 'sh', ...argv], { env, encoding: 'utf8', timeout: 20000 });
}

describe('exhausted file descriptors', function () {
  this.timeout(30000);
  let dir;
  beforeEach(function () {
    // Under the sanitizer run, UBSan checks each virtual call by probing the
    // object's memory through a pipe; with no descriptor left the probe fails
    // and it aborts on a report about its own probe, not our code. The plain
    // runs check this on both backends.
    if ((process.env.LD_PRELOAD || '').includes('libasan')) this.skip();
    dir = makeClusterDir('rsmapi-fds-');
  });
  afterEach(() => dir && removeClusterDir(dir));

  it('connect and createExport fail with RSMERR_INSUFFICIENT_RESOURCES; both work again once descriptors are free', () => {
    const script = `
      const rsm = require(${JSON.stringify(root)});
      const fs = require('node:fs');
      (async () => {
        const ctl = rsm.getController('sci0');
        const exp = ctl.createExport(rsm.pageSize);
        const id = await exp.publish();
        const held = [];
        try { for (;;) held.push(fs.openSync('/dev/null', 'r')); } catch (e) { if (e.code !== 'EMFILE') throw e; }
        const out = {};
        try { await ctl.connect(1, id); out.connect = 'ok'; } catch (e) { out.connect = e.code; }
        try { ctl.createExport(rsm.pageSize); out.create = 'ok'; } catch (e) { out.create = e.code; }
        for (const fd of held) fs.closeSync(fd);
        const imp = await ctl.connect(1, id);
        out.after = 'ok';
        imp.disconnect();
        exp.destroy();
        ctl.release();
        process.stdout.write(JSON.stringify(out));
      })().catch((e) => { process.stdout.write(String(e.stack)); process.exitCode = 1; });`;
    const r = withFewDescriptors([process.execPath, '-e', script], { ...process.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: '1' });
    assert.equal(r.status, 0, `${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout), {
      connect: 'RSMERR_INSUFFICIENT_RESOURCES',
      create: 'RSMERR_INSUFFICIENT_RESOURCES',
      after: 'ok',
    });
    assert.deepEqual(leftovers(dir), []);
  });

  it('in C: connect and export create fail with RSMERR_INSUFFICIENT_RESOURCES', () => {
    const r = spawnSync(C_PROGRAM, ['descriptors'], {
      env: { ...process.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: '1' },
      encoding: 'utf8',
      timeout: 20000,
    });
    assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`);
    const code = rsm.codes.RSMERR_INSUFFICIENT_RESOURCES;
    assert.equal(r.stdout, `connect ${code}\ncreate ${code}\n`);
  });
});
