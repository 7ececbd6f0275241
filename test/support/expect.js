'use strict';
// Assertions for RSMAPI failures: the RsmError class, its code and the
// function that failed.
const assert = require('node:assert/strict');
const rsm = require('../..');

function checkRsmError(e, code, syscall) {
  assert.ok(e instanceof rsm.RsmError, `expected an RsmError, got ${e && e.stack}`);
  assert.equal(e.code, code, e.message);
  assert.equal(e.errno, rsm.codes[code]);
  if (syscall) assert.equal(e.syscall, syscall);
  assert.match(e.message, new RegExp(code));
  return true;
}

function throwsRsm(fn, code, syscall) {
  assert.throws(fn, (e) => checkRsmError(e, code, syscall));
}

async function rejectsRsm(promise, code, syscall) {
  await assert.rejects(promise, (e) => checkRsmError(e, code, syscall));
}

/** An error thrown across the peer channel keeps its name/code/syscall. */
async function peerRejects(promise, code, syscall) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.name, 'RsmError', e.message);
    assert.equal(e.code, code, e.message);
    if (syscall) assert.equal(e.syscall, syscall);
    return true;
  });
}

function throwsCode(fn, ErrorClass, code) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof ErrorClass, `expected ${ErrorClass.name}, got ${e && e.stack}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

async function rejectsCode(promise, code, ErrorClass = Error) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof ErrorClass, `expected ${ErrorClass.name}, got ${e && e.stack}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/** The RSMERR name `fn` fails with, or 'RSM_SUCCESS'; anything but an RsmError is rethrown. */
function rsmCode(fn) {
  try {
    fn();
    return 'RSM_SUCCESS';
  } catch (e) {
    if (!(e instanceof rsm.RsmError)) throw e;
    return e.code;
  }
}

/** Waits until `check()` (sync or async) is true; fails naming `what` after `ms`. */
async function eventually(check, what, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

module.exports = { throwsRsm, rejectsRsm, peerRejects, throwsCode, rejectsCode, rsmCode, eventually };
