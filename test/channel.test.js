'use strict';
// Channels between two nodes: this process is node 1, the other end a child
// process (or a worker thread opposite a child) as node 2.
const assert = require('node:assert/strict');
const rsm = require('..');
const { freshSegmentId } = require('./support/fixtures');
const { leftovers } = require('./support/cluster-dir');
const { check, message, pump } = require('./support/channel-traffic');
const { startPeer, startWorkerPeer } = require('./support/channel-child');

const ME = 1;
const PEER = 2;

/** Segments node `node` still has in the cluster, as the simulator's registry shows them (the native backend run checks the directory only). */
function segmentsOf(node) {
  if (rsm.backend().name !== 'sim') return [];
  return rsm.sim.segments().filter((s) => s.node === node);
}

async function rejectsWithCode(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    return true;
  });
}

describe('Channel', function () {
  this.timeout(60000);
  let ctl;
  beforeEach(() => {
    ctl = rsm.getController();
  });
  afterEach(() => {
    rsm.sim.faults.clear();
    ctl.release();
  });

  it('carries messages of random sizes (empty, the largest, wrapping the ring) both ways at once, in order and intact', async () => {
    const id = freshSegmentId();
    const count = 3000;
    const peer = startPeer({ node: PEER, peer: ME, segmentId: id, job: { count, sendSeed: 22, recvSeed: 11, capacity: 16384 } });
    const ch = await rsm.openChannel(ctl, { peer: PEER, segmentId: id, capacity: 16384 });
    assert.equal(ch.maxMessageSize, 16384 / 2 - 8);
    const { bytes } = await pump(ch, { count, sendSeed: 11, recvSeed: 22, max: ch.maxMessageSize });
    await ch.close();
    const theirs = await peer.report('stats');
    assert.equal(theirs.error, undefined, theirs.error?.stack);
    // Many times round both rings, so records met the ring's end in every way.
    assert.ok(bytes > 50 * 16384 && theirs.bytes > 50 * 16384);
    assert.equal(ch.stats.sent, count);
    assert.equal(ch.stats.received, count);
    assert.equal(ch.stats.duplicates, 0);
    assert.ok(ch.stats.batches < count, 'records are published in batches');
    assert.equal((await peer.exited).code, 0);
    assert.deepEqual(segmentsOf(ME).concat(segmentsOf(PEER)), []);
  });

  it('works from a worker thread, opposite a child process', async () => {
    const id = freshSegmentId();
    const count = 1500;
    const peer = startPeer({ node: PEER, peer: ME, segmentId: id, job: { count, sendSeed: 5, recvSeed: 6, capacity: 8192 } });
    const worker = startWorkerPeer({ peer: PEER, segmentId: id, job: { count, sendSeed: 6, recvSeed: 5, capacity: 8192 } });
    await worker.exited;
    const done = worker.reports.find((r) => r.stats || r.error);
    assert.ok(done && !done.error, JSON.stringify(done));
    assert.equal(done.stats.received, count);
    const theirs = await peer.report('stats');
    assert.equal(theirs.error, undefined, theirs.error?.stack);
    assert.equal(theirs.stats.received, count);
    assert.equal((await peer.exited).code, 0);
  });

  it('under injected barrier failures on both nodes, resends and loses or duplicates nothing', async () => {
    const id = freshSegmentId();
    const count = 2000;
    const peer = startPeer({ node: PEER, peer: ME, segmentId: id, job: { count, sendSeed: 3, recvSeed: 4, capacity: 16384, faultsAt: PEER, faults: 300 } });
    const ch = await rsm.openChannel(ctl, { peer: PEER, segmentId: id, capacity: 16384 });
    rsm.sim.faults.failBarrierClose(ME, 300);
    await pump(ch, { count, sendSeed: 4, recvSeed: 3, max: ch.maxMessageSize });
    await ch.close();
    const theirs = await peer.report('stats');
    assert.equal(theirs.error, undefined, theirs.error?.stack);
    // Each failed close was followed by the same stores again.
    assert.ok(ch.stats.resends > 0, JSON.stringify(ch.stats));
    assert.ok(theirs.stats.resends > 0, JSON.stringify(theirs.stats));
    assert.equal(ch.stats.received, count);
    assert.equal(theirs.stats.received, count);
    assert.equal(ch.stats.duplicates + theirs.stats.duplicates, 0, 'rewritten in place, never appended twice');
  });

  for (const when of ['receiving', 'sending']) {
    it(`a peer killed with SIGKILL rejects a pending ${when === 'receiving' ? 'receive' : 'send'} with ERR_RSM_CHANNEL_PEER_LOST and leaves nothing behind`, async () => {
      const id = freshSegmentId();
      // The peer sends and receives 10 messages, then holds: it neither sends nor reads more.
      const peer = startPeer({ node: PEER, peer: ME, segmentId: id, job: { count: 10, sendSeed: 1, recvSeed: 2, capacity: 4096, hold: true, peerCheckInterval: 20, max: 100 } });
      const ch = await rsm.openChannel(ctl, { peer: PEER, segmentId: id, capacity: 4096, peerCheckInterval: 20 });
      await pump(ch, { count: 10, sendSeed: 2, recvSeed: 1, max: 100 });
      await peer.report('holding');
      let pending;
      if (when === 'receiving') {
        pending = ch.receive();
      } else {
        const big = new Uint8Array(1000);
        while (ch.trySend(big));
        pending = ch.send(big);
      }
      let settled = false;
      pending.then(() => (settled = true), () => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(settled, false, 'waits while the peer lives');
      peer.child.kill('SIGKILL');
      await rejectsWithCode(pending, 'ERR_RSM_CHANNEL_PEER_LOST');
      await rejectsWithCode(ch.closed, 'ERR_RSM_CHANNEL_PEER_LOST');
      assert.throws(() => ch.trySend(new Uint8Array(1)), { code: 'ERR_RSM_CHANNEL_PEER_LOST' });
      await ch.close(); // idempotent after a failure
      await peer.exited;
      assert.deepEqual(segmentsOf(ME), []);
      assert.deepEqual(leftovers(process.env.RSM_SIM_DIR).filter((f) => !f.startsWith('.')), []);
    });
  }

  it('close(): the peer receives everything sent before it, then the end; sends after it fail with ERR_RSM_CHANNEL_CLOSED', async () => {
    const id = freshSegmentId();
    // The peer receives 200 messages, then expects the end, then closes.
    const peer = startPeer({ node: PEER, peer: ME, segmentId: id, job: { receiveOnly: 200, recvSeed: 9, capacity: 4096, max: 300 } });
    const ch = await rsm.openChannel(ctl, { peer: PEER, segmentId: id, capacity: 4096 });
    for (let i = 0; i < 200; i++) await ch.send(message(9, i, 300));
    await ch.close();
    assert.equal(ch.ended, true);
    assert.equal(await ch.receive(), null);
    assert.throws(() => ch.trySend(new Uint8Array(1)), { code: 'ERR_RSM_CHANNEL_CLOSED' });
    await rejectsWithCode(ch.send(new Uint8Array(1)), 'ERR_RSM_CHANNEL_CLOSED');
    await ch.closed;
    const theirs = await peer.report('stats');
    assert.equal(theirs.error, undefined, theirs.error?.stack);
  });

  it('the side the peer closed on drains what was sent, then sees null; its sends fail with ERR_RSM_CHANNEL_CLOSED', async () => {
    const id = freshSegmentId();
    // The peer sends 300 messages of stream 7 and closes without reading.
    const peer = startPeer({ node: PEER, peer: ME, segmentId: id, job: { count: 300, sendSeed: 7, recvSeed: 0, capacity: 4096, sendOnly: true } });
    const ch = await rsm.openChannel(ctl, { peer: PEER, segmentId: id, capacity: 4096 });
    let i = 0;
    for await (const m of ch) {
      check(m, 7, i, Math.min(ch.maxMessageSize, 4096 / 2 - 8));
      i++;
    }
    assert.equal(i, 300);
    assert.equal(ch.ended, true);
    await ch.closed; // released by itself at the end
    assert.deepEqual(segmentsOf(ME), []);
    const theirs = await peer.report('stats');
    assert.equal(theirs.error, undefined, theirs.error?.stack);
  });

  it('trySend is false when the ring is full and true once the peer read; a message over maxMessageSize is a RangeError', async () => {
    const id = freshSegmentId();
    const peer = startPeer({ node: PEER, peer: ME, segmentId: id, job: { capacity: 4096, echo: true, delay: 500 } });
    const ch = await rsm.openChannel(ctl, { peer: PEER, segmentId: id, capacity: 4096 });
    assert.throws(() => ch.trySend(new Uint8Array(ch.maxMessageSize + 1)), (e) => e instanceof RangeError && e.code === 'ERR_OUT_OF_RANGE');
    assert.throws(() => ch.trySend('text'), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE');
    // The echoing peer starts reading only after 500 ms: two of the largest records fill its ring.
    let accepted = 0;
    while (ch.trySend(new Uint8Array(ch.maxMessageSize))) accepted++;
    assert.equal(accepted, 2);
    await ch.send(new Uint8Array(ch.maxMessageSize)); // waits for room, then goes
    for (let k = 0; k <= accepted; k++) assert.equal((await ch.receive()).length, ch.maxMessageSize);
    await ch.close();
    await peer.exited;
  });

  it('releasing the controller under an open channel fails it with ERR_RSM_CHANNEL_CLOSED: sends, receives and closed say so', async () => {
    const id = freshSegmentId();
    const peer = startPeer({ node: PEER, peer: ME, segmentId: id, job: { capacity: 4096, echo: true } });
    const ch = await rsm.openChannel(ctl, { peer: PEER, segmentId: id, capacity: 4096 });
    await ch.send(new Uint8Array([1, 2, 3]));
    assert.deepEqual([...(await ch.receive())], [1, 2, 3]);
    ctl.release(); // the channel's segments go with it: its memory is detached under it
    const released = (e) => e.code === 'ERR_RSM_CHANNEL_CLOSED' && /released with their controller/.test(e.message);
    assert.throws(() => ch.trySend(new Uint8Array(1)), released);
    assert.throws(() => ch.tryReceive(), released);
    await assert.rejects(ch.send(new Uint8Array(1)), released);
    await assert.rejects(ch.receive(), released);
    await assert.rejects(ch.closed, released);
    assert.equal(ch.ended, true);
    // The echoing peer finds its channel's peer gone and exits on its own.
    await peer.exited;
    assert.deepEqual(segmentsOf(ME), []);
  });

  it('opening waits for the peer, and gives up at its timeout or abort with nothing left exported', async () => {
    const id = freshSegmentId();
    await rejectsWithCode(rsm.openChannel(ctl, { peer: PEER, segmentId: id, timeout: 150 }), 'ETIMEDOUT');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await rejectsWithCode(rsm.openChannel(ctl, { peer: PEER, segmentId: id, signal: ac.signal }), 'ABORT_ERR');
    assert.deepEqual(segmentsOf(ME), []);
    await assert.rejects(rsm.openChannel(ctl, { peer: PEER, segmentId: id, capacity: 5000 }), { code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(rsm.openChannel(ctl, { segmentId: id }), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(rsm.openChannel({}, { peer: PEER, segmentId: id }), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('refuses bad options with the facade\'s coded TypeError / RangeError, exporting nothing', async () => {
    const id = freshSegmentId();
    const bad = [
      [{ peer: PEER, segmentId: id, capacity: 5000 }, RangeError, 'ERR_OUT_OF_RANGE', /options\.capacity must be a power of two/],
      [{ peer: PEER, segmentId: id, capacity: 1024 }, RangeError, 'ERR_OUT_OF_RANGE', /options\.capacity must be between 4096/],
      [{ peer: PEER, segmentId: id, capacity: '4096' }, TypeError, 'ERR_INVALID_ARG_TYPE', /options\.capacity must be a number, got a string/],
      [{ peer: 65, segmentId: id }, RangeError, 'ERR_OUT_OF_RANGE', /options\.peer must be between 0 and 64/],
      [{ peer: 1.5, segmentId: id }, RangeError, 'ERR_OUT_OF_RANGE', /options\.peer must be an integer/],
      [{ peer: PEER }, TypeError, 'ERR_INVALID_ARG_TYPE', /options\.segmentId is required/],
      [{ peer: PEER, segmentId: 0 }, RangeError, 'ERR_OUT_OF_RANGE', /options\.segmentId/],
      [{ peer: PEER, segmentId: id, spin: -1 }, RangeError, 'ERR_OUT_OF_RANGE', /options\.spin must be a finite number >= 0/],
      [{ peer: PEER, segmentId: id, timeout: 'soon' }, TypeError, 'ERR_INVALID_ARG_TYPE', /options\.timeout must be a number/],
      [{ peer: PEER, segmentId: id, peerCheckInterval: Infinity }, RangeError, 'ERR_OUT_OF_RANGE', /options\.peerCheckInterval/],
      [{ peer: PEER, segmentId: id, permission: 0o777 }, RangeError, 'ERR_OUT_OF_RANGE', /options\.permission/],
      [{ peer: PEER, segmentId: id, signal: {} }, TypeError, 'ERR_INVALID_ARG_TYPE', /options\.signal must be an AbortSignal, got an object/],
    ];
    for (const [options, type, code, text] of bad) {
      await assert.rejects(rsm.openChannel(ctl, options), (e) => {
        assert.ok(e instanceof type, `${JSON.stringify(options)}: ${e.name}`);
        assert.equal(e.code, code, `${JSON.stringify(options)}: ${e.message}`);
        assert.match(e.message, text);
        return true;
      });
    }
    await assert.rejects(rsm.openChannel(ctl, null), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.deepEqual(segmentsOf(ME), []);
  });

  it('a segment at the id that is not a channel is refused with ERR_RSM_CHANNEL_PROTOCOL', async () => {
    const id = freshSegmentId();
    // Node 2 publishes a plain segment there.
    const { Peer } = require('./support/peer-client');
    const other = await Peer.start({ node: PEER });
    try {
      await other.call('getController', {});
      await other.call('createExport', { size: rsm.pageSize * 2 });
      await other.call('publish', { segmentId: id });
      await rejectsWithCode(rsm.openChannel(ctl, { peer: PEER, segmentId: id, timeout: 5000 }), 'ERR_RSM_CHANNEL_PROTOCOL');
      assert.deepEqual(segmentsOf(ME), []);
    } finally {
      await other.stop();
    }
  });

  it('no lost wake-up: with no spinning and a 10 s peer check, neither side ever sleeps to its timeout (randomized pauses)', async () => {
    const id = freshSegmentId();
    const rounds = Number(process.env.CHANNEL_WAKEUP_ROUNDS || 400);
    const job = { count: rounds, sendSeed: 31, recvSeed: 32, capacity: 4096, spin: 0, peerCheckInterval: 10000, max: 3000, jitter: true };
    const peer = startPeer({ node: PEER, peer: ME, segmentId: id, job });
    const ch = await rsm.openChannel(ctl, { peer: PEER, segmentId: id, capacity: 4096, spin: 0, peerCheckInterval: 10000 });
    const { jittered } = require('./support/channel-traffic');
    await jittered(ch, { count: rounds, sendSeed: 32, recvSeed: 31, max: Math.min(3000, ch.maxMessageSize) });
    await ch.close();
    const theirs = await peer.report('stats');
    assert.equal(theirs.error, undefined, theirs.error?.stack);
    assert.ok(ch.stats.sleeps > 0 && theirs.stats.sleeps > 0, 'both sides slept');
    // A lost wake-up shows as a sleep that ended by its 10 s timeout.
    assert.equal(ch.stats.timedOutSleeps, 0);
    assert.equal(theirs.stats.timedOutSleeps, 0);
  });
});
