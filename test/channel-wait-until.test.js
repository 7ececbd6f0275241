'use strict';
// waitUntil: shmem_wait_until over memory this node exports, woken by the
// segment's interrupt signals.
const assert = require('node:assert/strict');
const rsm = require('..');
const { freshSegmentId } = require('./support/fixtures');

describe('waitUntil', function () {
  this.timeout(8000);
  let ctl;
  let exp;
  let imp;
  beforeEach(async () => {
    ctl = rsm.getController();
    exp = ctl.createExport(rsm.pageSize);
    await exp.publish({ segmentId: freshSegmentId() });
    imp = await ctl.connect(Number(process.env.RSM_SIM_NODE), exp.segmentId);
  });
  afterEach(() => {
    ctl.release();
  });

  /** Another party's store through the import, then its signal, after `ms`. */
  function storeLater(ms, offset, value) {
    setTimeout(() => {
      imp.store32(offset, value);
      imp.signal();
    }, ms);
  }

  it('resolves with the value once a store and its signal arrive (a 60 s re-read interval: only the signal can wake it)', async () => {
    const view = exp.view(Int32Array);
    storeLater(30, 5 * 4, 7);
    const got = await rsm.waitUntil(view, 5, 'eq', 7, { segment: exp, spin: 0, interval: 60000 });
    assert.equal(got, 7);
  });

  it('several waits on one segment share its one signal wait, each for its own condition', async () => {
    const view = exp.view(Uint32Array);
    storeLater(20, 0, 3);
    storeLater(40, 4, 9);
    const [a, b, c] = await Promise.all([
      rsm.waitUntil(view, 0, 'ge', 3, { segment: exp, spin: 0, interval: 60000 }),
      rsm.waitUntil(view, 1, 'gt', 8, { segment: exp, spin: 0, interval: 60000 }),
      rsm.waitUntil(view, 1, 'ne', 0, { segment: exp, spin: 0, interval: 60000 }),
    ]);
    assert.deepEqual([a, b, c], [3, 9, 9]);
  });

  it('returns at once when the condition holds; 64-bit views compare bigints; without a segment it re-reads on a timer', async () => {
    const words = exp.view(BigInt64Array);
    words[2] = -5n;
    assert.equal(await rsm.waitUntil(words, 2, 'lt', 0n), -5n);
    const bytes = exp.bytes;
    setTimeout(() => (bytes[100] = 200), 20);
    assert.equal(await rsm.waitUntil(bytes, 100, 'eq', 200, { interval: 5 }), 200);
  });

  it('rejects with ETIMEDOUT at its timeout and with an AbortError when aborted', async () => {
    const view = exp.view(Int32Array);
    await assert.rejects(rsm.waitUntil(view, 0, 'eq', 1, { segment: exp, timeout: 50 }), { code: 'ETIMEDOUT' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    await assert.rejects(rsm.waitUntil(view, 0, 'eq', 1, { segment: exp, signal: ac.signal }), { name: 'AbortError', code: 'ABORT_ERR' });
    // The segment is still usable for the next wait.
    storeLater(10, 0, 1);
    assert.equal(await rsm.waitUntil(view, 0, 'eq', 1, { segment: exp, spin: 0, interval: 60000 }), 1);
  });

  it('rejects with the segment\'s error when it is destroyed under the wait', async () => {
    const view = exp.view(Int32Array);
    const waiting = rsm.waitUntil(view, 0, 'eq', 1, { segment: exp, spin: 0, interval: 60000 });
    setTimeout(() => exp.destroy(), 20);
    await assert.rejects(waiting, { code: 'ERR_RSM_RELEASED' });
  });

  it('refuses bad arguments with coded TypeError / RangeError', async () => {
    const view = exp.view(Int32Array);
    await assert.rejects(rsm.waitUntil(new Float64Array(2), 0, 'eq', 0), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(rsm.waitUntil(view, view.length, 'eq', 0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(rsm.waitUntil(view, 0, 'equals', 0), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(rsm.waitUntil(view, 0, 'eq', 0n), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(rsm.waitUntil(view, 0, 'eq', 0, { spin: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(rsm.waitUntil(view, 0, 'eq', 0, { segment: {} }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  });
});
