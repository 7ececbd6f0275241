'use strict';
// One table of RSMAPI error codes: the names and numbers the facade knows
// (lib/codes.ts) are exactly the RSMERR_* constants the C ABI header
// declares (src-native/abi/rsmapi.h); the addon keeps none of its own and
// passes only the number and the function name (docs/semantics.md §3.1).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const rsm = require('..');

describe('error code table', () => {
  it('names every RSMERR_* code of the ABI header with the same number, and no other', () => {
    const header = fs.readFileSync(path.join(__dirname, '..', 'src-native', 'abi', 'rsmapi.h'), 'utf8');
    const declared = {};
    for (const [, name, value] of header.matchAll(/^#define (RSMERR_\w+) (\d+)\s*$/gm)) declared[name] = Number(value);
    assert.ok(Object.keys(declared).length > 70, 'the header was read');
    assert.deepEqual({ ...rsm.codes }, declared);
  });

  it('passes only the number and the function name when the addon throws without the facade', () => {
    // A fresh environment's addon has no error factory until the facade
    // hands one over; this process's addon has one, so a child is used.
    const { spawnSync } = require('node:child_process');
    const script = `
      const b = require(${JSON.stringify(path.join(__dirname, '..', 'build', 'Release', 'rsmapi.node'))});
      try { b.getController('no-such-controller-0'); } catch (e) {
        process.stdout.write(JSON.stringify({ code: e.code, errno: e.errno, syscall: e.syscall, message: e.message }));
      }`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: process.env });
    assert.equal(r.status, 0, r.stderr);
    const e = JSON.parse(r.stdout);
    assert.equal(e.code, undefined);
    assert.equal(e.errno, rsm.codes.RSMERR_CTLR_NOT_PRESENT);
    assert.equal(e.syscall, 'rsm_get_controller');
    assert.match(e.message, /rsm_get_controller returned RSMAPI error \d+/);
  });
});
