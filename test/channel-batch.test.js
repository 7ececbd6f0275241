'use strict';
// Channel.receiveBatch: many messages per call, each handed to a callback as
// a view into the ring. This process is node 1, the sender a child process
// as node 2.
const assert = require('node:assert/strict');
const rsm = require('..');
const { freshSegmentId } = require('./support/fixtures');
const { check } = require('./support/channel-traffic');
const { startPeer } = require('./support/channel-child');

const ME = 1;
const PEER = 2;

describe('Channel.receiveBatch', function () {
  this.timeout(60000);
  let ctl;
  beforeEach(() => {
    ctl = rsm.getController();
  });
  afterEach(() => {
    ctl.release();
  });

  it('hands out messages in order and intact (empty, the largest, wrapping the ring), at most max per call, then 0 at the end', async () => {
    const id = freshSegmentId();
    const count = 2000;
    const capacity = 8192;
    const max = capacity / 2 - 8;
    const peer = startPeer({ node: PEER, peer: ME, segmentId: id, job: { count, sendSeed: 41, recvSeed: 0, capacity, sendOnly: true } });
    const ch = await rsm.openChannel(ctl, { peer: PEER, segmentId: id, capacity });
    let i = 0;
    let bytes = 0;
    let empty = 0;
    let largest = 0;
    let calls = 0;
    let biggestBatch = 0;
    for (;;) {
      const n = await ch.receiveBatch((m) => {
        check(m, 41, i, max);
        bytes += m.length;
        if (m.length === 0) empty++;
        if (m.length === max) largest++;
        i++;
      }, { max: 7 });
      if (n === 0) break;
      assert.ok(n >= 1 && n <= 7, `a batch of ${n}`);
      biggestBatch = Math.max(biggestBatch, n);
      calls++;
    }
    assert.equal(i, count);
    assert.ok(empty > 0 && largest > 0, `empty ${empty}, largest ${largest}`);
    assert.ok(bytes > 20 * capacity, 'the ring wrapped many times');
    assert.ok(calls < count, 'several messages per call');
    assert.ok(biggestBatch > 1);
    assert.equal(ch.stats.received, count);
    assert.equal(ch.ended, true);
    assert.equal(await ch.receiveBatch(() => assert.fail('no message after the end')), 0);
    await ch.closed;
    const theirs = await peer.report('stats');
    assert.equal(theirs.error, undefined, theirs.error?.stack);
  });

  it('closing from the callback stops the batch after that message; later calls resolve 0', async () => {
    const id = freshSegmentId();
    const peer = startPeer({ node: PEER, peer: ME, segmentId: id, job: { count: 50, sendSeed: 42, recvSeed: 0, capacity: 8192, sendOnly: true, max: 200 } });
    const ch = await rsm.openChannel(ctl, { peer: PEER, segmentId: id, capacity: 8192 });
    // Let all 50 arrive, so the batch could hand out more than it does.
    await new Promise((resolve) => setTimeout(resolve, 300));
    let seen = 0;
    let closing;
    const n = await ch.receiveBatch((m) => {
      check(m, 42, seen, 200);
      seen++;
      if (seen === 3) closing = ch.close();
    });
    assert.equal(n, 3);
    assert.equal(seen, 3);
    await closing;
    assert.equal(await ch.receiveBatch(() => assert.fail('nothing after close')), 0);
    await ch.closed;
    await peer.exited;
  });

  it('an error thrown by the callback rejects the call; the message counts as received and the next call goes on after it', async () => {
    const id = freshSegmentId();
    const peer = startPeer({ node: PEER, peer: ME, segmentId: id, job: { count: 20, sendSeed: 43, recvSeed: 0, capacity: 8192, sendOnly: true, max: 100 } });
    const ch = await rsm.openChannel(ctl, { peer: PEER, segmentId: id, capacity: 8192 });
    const boom = new Error('boom');
    await assert.rejects(ch.receiveBatch(() => {
      throw boom;
    }), (e) => e === boom);
    let i = 1;
    while (i < 20) {
      const n = await ch.receiveBatch((m) => {
        check(m, 43, i, 100);
        i++;
      });
      assert.ok(n > 0);
    }
    assert.equal(await ch.receiveBatch(() => assert.fail('no message after the end')), 0);
    await ch.closed;
    await peer.exited;
  });

  it('refuses a missing callback or a bad max with coded errors', async () => {
    const id = freshSegmentId();
    const peer = startPeer({ node: PEER, peer: ME, segmentId: id, job: { count: 1, sendSeed: 44, recvSeed: 0, capacity: 4096, sendOnly: true, max: 10 } });
    const ch = await rsm.openChannel(ctl, { peer: PEER, segmentId: id, capacity: 4096 });
    await assert.rejects(ch.receiveBatch(undefined), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(ch.receiveBatch(() => undefined, { max: 0 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(ch.receiveBatch(() => undefined, { max: 1.5 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(ch.receiveBatch(() => undefined, { max: '2' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(Reflect.apply(rsm.Channel.prototype.receiveBatch, {}, [() => undefined]), { code: 'ERR_INVALID_THIS' });
    let got = 0;
    while (got < 1) got += await ch.receiveBatch((m) => check(m, 44, 0, 10));
    assert.equal(await ch.receiveBatch(() => assert.fail('no message after the end')), 0);
    await ch.closed;
    await peer.exited;
  });
});
