'use strict';
// Fault injection (rsm.sim.faults, RSM_SIM_FAULTS): each fault produces the
// error docs/semantics.md gives for that condition, in this process and in another
// process of the cluster, and goes away when cleared.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const rsm = require('..');
const { throwsRsm, rejectsRsm, peerRejects, throwsCode } = require('./support/expect');
const { CONTROLLER, PAGE, freshSegmentId, tracker } = require('./support/fixtures');
const { Peer } = require('./support/peer-client');
const { runChild } = require('./support/child');

const faults = rsm.sim.faults;
const LOCAL = 1;

/** Whether the promise is still pending after `ms`. */
async function stillPending(promise, ms = 100) {
  const marker = Symbol('pending');
  const winner = await Promise.race([promise.then(() => 'resolved', () => 'rejected'), new Promise((r) => setTimeout(() => r(marker), ms))]);
  return winner === marker;
}

describe('fault injection', function () {
  this.timeout(20000);
  const held = tracker();
  let ctl;
  beforeEach(() => {
    ctl = held.add(rsm.getController(CONTROLLER));
  });
  afterEach(() => {
    faults.clear();
    held.release();
  });

  async function localPair() {
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish();
    const imp = held.add(await ctl.connect(LOCAL, id));
    return { exp, imp, id };
  }

  describe('barriers', () => {
    it('failBarrierClose(node, n): the next n explicit closes fail with RSMERR_BARRIER_FAILURE, then closes succeed', async () => {
      const { imp } = await localPair();
      imp.setMode(rsm.BarrierMode.EXPLICIT);
      faults.failBarrierClose(LOCAL, 2);
      assert.deepEqual(faults.list(), [
        { node: LOCAL, barrierOpenFail: 0, barrierCloseFail: 2, unreachable: false, unresponsive: false, noResources: false, noMemory: false },
      ]);
      for (let i = 0; i < 2; i++) {
        imp.barrier.open();
        throwsRsm(() => imp.barrier.close(), 'RSMERR_BARRIER_FAILURE', 'rsm_memseg_import_close_barrier');
      }
      assert.deepEqual(faults.list(), [], 'the failures are used up');
      imp.barrier.open();
      imp.barrier.close();
    });

    it('an implicit-mode put fails at its close with RSMERR_BARRIER_FAILURE (the data did move); the next put succeeds', async () => {
      const { exp, imp } = await localPair();
      faults.failBarrierClose(LOCAL, 1);
      throwsRsm(() => imp.put(0, new Uint8Array([5, 6])), 'RSMERR_BARRIER_FAILURE', 'rsm_memseg_import_put');
      assert.deepEqual(exp.bytes.subarray(0, 2), new Uint8Array([5, 6]));
      imp.put(0, new Uint8Array([7]));
      assert.equal(exp.bytes[0], 7);
    });

    it('failBarrierOpen(node, n): open fails with RSMERR_BARRIER_OPEN_FAILED, and an implicit put moves no data', async () => {
      const { exp, imp } = await localPair();
      faults.failBarrierOpen(LOCAL, 2);
      throwsRsm(() => imp.put(0, new Uint8Array([9])), 'RSMERR_BARRIER_OPEN_FAILED', 'rsm_memseg_import_put');
      assert.equal(exp.bytes[0], 0, 'nothing was written');
      imp.setMode(rsm.BarrierMode.EXPLICIT);
      throwsRsm(() => imp.barrier.open(), 'RSMERR_BARRIER_OPEN_FAILED', 'rsm_memseg_import_open_barrier');
      imp.barrier.open();
      imp.barrier.close();
    });

    it('a forced disconnect is reported before an injected failure and does not use it up', async () => {
      const { exp, imp } = await localPair();
      imp.setMode(rsm.BarrierMode.EXPLICIT);
      imp.barrier.open();
      faults.failBarrierClose(LOCAL, 1);
      exp.unpublish();
      throwsRsm(() => imp.barrier.close(), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
      assert.equal(faults.list()[0].barrierCloseFail, 1);
    });

    it('loopback barriers never fail (docs/semantics.md §5.5), whatever is injected', async () => {
      const lo = held.add(rsm.getController('loopback'));
      const exp = held.add(lo.createExport(PAGE));
      const id = await exp.publish();
      const imp = held.add(await lo.connect(LOCAL, id));
      faults.failBarrierClose(LOCAL, 5);
      faults.failBarrierOpen(LOCAL, 5);
      imp.put(0, new Uint8Array([1]));
      imp.setMode(rsm.BarrierMode.EXPLICIT);
      imp.barrier.open();
      imp.barrier.close();
      assert.equal(faults.list()[0].barrierCloseFail, 5);
    });

    it('transaction() retries an injected RSMERR_BARRIER_FAILURE (more in barriers.test.js)', async () => {
      const { exp, imp } = await localPair();
      faults.failBarrierClose(LOCAL, 1);
      let runs = 0;
      imp.transaction((seg) => seg.put(0, new Uint8Array([++runs])), { retries: 1 });
      assert.equal(runs, 2);
      assert.equal(exp.bytes[0], 2);
    });
  });

  describe('resources', () => {
    it('out of resources: create and connect fail with RSMERR_INSUFFICIENT_RESOURCES', async () => {
      const exp = held.add(ctl.createExport(PAGE));
      const id = await exp.publish();
      faults.setOutOfResources(LOCAL);
      throwsRsm(() => ctl.createExport(PAGE), 'RSMERR_INSUFFICIENT_RESOURCES', 'rsm_memseg_export_create');
      await rejectsRsm(ctl.connect(LOCAL, id), 'RSMERR_INSUFFICIENT_RESOURCES', 'rsm_memseg_import_connect');
      faults.setOutOfResources(LOCAL, false);
      held.add(await ctl.connect(LOCAL, id));
    });

    it('out of memory: create and connect fail with RSMERR_INSUFFICIENT_MEM', async () => {
      const exp = held.add(ctl.createExport(PAGE));
      const id = await exp.publish();
      faults.setOutOfMemory(LOCAL);
      throwsRsm(() => ctl.createExport(PAGE), 'RSMERR_INSUFFICIENT_MEM', 'rsm_memseg_export_create');
      await rejectsRsm(ctl.connect(LOCAL, id), 'RSMERR_INSUFFICIENT_MEM', 'rsm_memseg_import_connect');
      faults.clear();
      held.add(ctl.createExport(PAGE));
    });

    it('publish with dontWait fails at once with RSMERR_INSUFFICIENT_RESOURCES; the segment stays publishable', async () => {
      const exp = held.add(ctl.createExport(PAGE, { dontWait: true }));
      faults.setOutOfResources(LOCAL);
      await rejectsRsm(exp.publish(), 'RSMERR_INSUFFICIENT_RESOURCES', 'rsm_memseg_export_publish');
      faults.setOutOfResources(LOCAL, false);
      assert.ok((await exp.publish()) > 0);
    });

    it('publish without dontWait waits for resources and completes when they return', async () => {
      const exp = held.add(ctl.createExport(PAGE));
      faults.setOutOfResources(LOCAL);
      const id = freshSegmentId();
      const pending = exp.publish({ segmentId: id });
      assert.ok(await stillPending(pending), 'publish waits');
      faults.setOutOfResources(LOCAL, false);
      assert.equal(await pending, id);
    });

    it('a publish waiting for resources is interrupted with RSMERR_INTERRUPTED; a second one then succeeds', async () => {
      const exp = held.add(ctl.createExport(PAGE));
      faults.setOutOfResources(LOCAL);
      const pending = exp.publish();
      assert.ok(await stillPending(pending));
      faults.interrupt(LOCAL);
      await rejectsRsm(pending, 'RSMERR_INTERRUPTED', 'rsm_memseg_export_publish');
      faults.clear();
      assert.ok((await exp.publish()) > 0);
    });

    it('an interrupt reaches only the node it names', async () => {
      const exp = held.add(ctl.createExport(PAGE));
      faults.setOutOfResources(LOCAL);
      const pending = exp.publish();
      faults.interrupt(LOCAL + 1);
      assert.ok(await stillPending(pending), 'node 2 was interrupted, not this node');
      faults.clear();
      await pending;
    });
  });

  describe('signal waits', () => {
    it('interrupt(node) rejects a pending waitForSignal() with RSMERR_INTERRUPTED; signals work afterwards', async () => {
      const { exp, imp } = await localPair();
      const waiting = imp.waitForSignal();
      assert.ok(await stillPending(waiting, 50));
      faults.interrupt(LOCAL);
      await rejectsRsm(waiting, 'RSMERR_INTERRUPTED', 'rsm_intr_signal_wait');
      exp.signal();
      await imp.waitForSignal({ timeout: 2000 });
      // An interrupt with no wait in progress is not kept for a later wait.
      faults.interrupt(LOCAL);
      exp.signal();
      await imp.waitForSignal({ timeout: 2000 });
    });
  });

  describe('argument checks', () => {
    it('nodes are 0..63 and counts 0..1000000; flags are booleans', () => {
      throwsCode(() => faults.failBarrierClose(64, 1), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCode(() => faults.failBarrierClose(-1, 1), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCode(() => faults.failBarrierClose(1.5, 1), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCode(() => faults.failBarrierOpen(1, 1000001), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCode(() => faults.failBarrierOpen(1, -1), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCode(() => faults.setUnreachable('2'), TypeError, 'ERR_INVALID_ARG_TYPE');
      throwsCode(() => faults.setUnreachable(2, 1), TypeError, 'ERR_INVALID_ARG_TYPE');
      throwsCode(() => faults.crashNode(NaN), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCode(() => faults.interrupt(undefined), TypeError, 'ERR_INVALID_ARG_TYPE');
      assert.deepEqual(faults.list(), [], 'nothing was set by a refused call');
    });
  });
});

describe('fault injection across processes (node 2 in a child process)', function () {
  this.timeout(30000);
  const held = tracker();
  let ctl;
  let peer;
  beforeEach(async () => {
    ctl = held.add(rsm.getController(CONTROLLER));
    peer = await Peer.start({ node: 2 });
    await peer.call('getController', { name: CONTROLLER });
  });
  afterEach(async () => {
    faults.clear();
    await peer.stop();
    held.release();
  });

  async function peerImportsOurs() {
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish();
    await peer.call('connect', { node: LOCAL, segmentId: id });
    return { exp, id };
  }

  it('a barrier failure injected here for node 2 fails the peer\'s close and is retried by its transaction()', async () => {
    const { exp } = await peerImportsOurs();
    faults.failBarrierClose(2, 1);
    assert.deepEqual((await peer.call('faults')).map((f) => [f.node, f.barrierCloseFail]), [[2, 1]], 'the peer sees the fault');
    await peerRejects(peer.call('barrierRound'), 'RSMERR_BARRIER_FAILURE', 'rsm_memseg_import_close_barrier');
    faults.failBarrierClose(2, 2);
    assert.equal(await peer.call('transaction', { retries: 3, offset: 8, bytes: [4, 2] }), 3);
    assert.deepEqual(exp.bytes.subarray(8, 10), new Uint8Array([4, 2]));
  });

  it('unreachable node: its connections are aborted, connects and import-side posts fail with RSMERR_REMOTE_NODE_UNREACHABLE', async () => {
    const { id } = await peerImportsOurs();
    await peer.call('put', { offset: 0, bytes: [1] });
    faults.setUnreachable(2);
    await peerRejects(peer.call('put', { offset: 0, bytes: [2] }), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_put');
    await peerRejects(peer.call('signal', {}), 'RSMERR_REMOTE_NODE_UNREACHABLE', 'rsm_intr_signal_post');
    await peer.call('disconnect');
    await peerRejects(peer.call('connect', { node: LOCAL, segmentId: id }), 'RSMERR_REMOTE_NODE_UNREACHABLE', 'rsm_memseg_import_connect');
    // The other direction too, and this node's own connections are untouched.
    await peer.call('createExport', { size: PAGE });
    const peerId = await peer.call('publish', {});
    await rejectsRsm(ctl.connect(2, peerId), 'RSMERR_REMOTE_NODE_UNREACHABLE', 'rsm_memseg_import_connect');
    held.add(await ctl.connect(LOCAL, id)).put(0, new Uint8Array([3]));
    faults.setUnreachable(2, false);
    await peer.call('connect', { node: LOCAL, segmentId: id });
    await peer.call('put', { offset: 0, bytes: [4] });
    held.add(await ctl.connect(2, peerId));
  });

  it('unresponsive node: a connect waits, then completes, fails unreachable, or is interrupted', async () => {
    await peer.call('createExport', { size: PAGE });
    const id = await peer.call('publish', {});
    faults.setUnresponsive(2);
    let pending = ctl.connect(2, id);
    assert.ok(await stillPending(pending));
    faults.setUnresponsive(2, false);
    held.add(await pending);

    faults.setUnresponsive(2);
    pending = ctl.connect(2, id);
    assert.ok(await stillPending(pending));
    faults.interrupt(LOCAL);
    await rejectsRsm(pending, 'RSMERR_INTERRUPTED', 'rsm_memseg_import_connect');

    pending = ctl.connect(2, id);
    assert.ok(await stillPending(pending));
    faults.setUnreachable(2);
    await rejectsRsm(pending, 'RSMERR_REMOTE_NODE_UNREACHABLE', 'rsm_memseg_import_connect');
  });

  it('crashNode(2): our import of its segment is aborted, its entries go, and the id is free for a new exporter', async () => {
    await peer.call('createExport', { size: PAGE });
    const id = await peer.call('publish', { segmentId: freshSegmentId() });
    const imp = held.add(await ctl.connect(2, id));
    const mapping = imp.map({ length: PAGE });
    imp.put(0, new Uint8Array([1]));
    const dir = process.env.RSM_SIM_DIR;
    faults.crashNode(2);
    throwsRsm(() => imp.barrier.close(), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('seg-')), [], 'segment memory is never a file');
    if (rsm.backend().name === 'sim') assert.deepEqual(rsm.sim.segments().filter((s) => s.node === 2), []);
    mapping.unmap();
    imp.disconnect();
    // The crashed export's handle can still be destroyed; a new one reuses the id.
    await peer.call('destroy');
    await peer.call('createExport', { size: PAGE });
    assert.equal(await peer.call('publish', { segmentId: id }), id);
    held.add(await ctl.connect(2, id)).put(0, new Uint8Array([2]));
  });

  it('interrupt(2) rejects the peer\'s pending signal wait with RSMERR_INTERRUPTED', async () => {
    await peerImportsOurs();
    const waiting = peer.call('waitSignal', {});
    assert.ok(await stillPending(waiting));
    faults.interrupt(2);
    await peerRejects(waiting, 'RSMERR_INTERRUPTED', 'rsm_intr_signal_wait');
  });
});

describe('RSM_SIM_FAULTS', () => {
  afterEach(() => faults.clear());

  it('sets faults when the process opens the cluster, seen by every process of it', () => {
    const r = runChild(
      `const c = rsm.getController('sci0'); const f = rsm.sim.faults.list(); c.release(); return f;`,
      { RSM_SIM_FAULTS: 'barrier_close_fail=3,barrier_open_fail@4=1,unreachable=5,no_memory=6' },
    );
    const want = (node, extra) => ({ node, barrierOpenFail: 0, barrierCloseFail: 0, unreachable: false, unresponsive: false, noResources: false, noMemory: false, ...extra });
    assert.deepEqual(r.value, [want(1, { barrierCloseFail: 3 }), want(4, { barrierOpenFail: 1 }), want(5, { unreachable: true }), want(6, { noMemory: true })]);
    assert.equal(faults.list().length, 4, 'the faults are in the shared registry');
  });

  const malformed = {
    'barrier_close_fail': 'expected <fault>=<value>',
    'barrier_close_fail=': 'not a decimal number',
    'barrier_close_fail=-1': 'not a decimal number',
    'barrier_close_fail=0x3': 'not a decimal number',
    'barrier_close_fail=1000001': 'at most 1000000',
    'barrier_close_fail=99999999999': 'not a decimal number',
    'barrier_close_fail=1,': 'expected <fault>=<value>',
    ',barrier_close_fail=1': 'expected <fault>=<value>',
    'barrier_close_fail=1,barrier_close_fail=2': 'given twice',
    'barrier_close_fail@64=1': '@<node 0..63>',
    'unreachable@2=1': 'only barrier_open_fail and barrier_close_fail take @<node>',
    'unreachable=64': 'names a node',
    'crash=2': 'unknown fault',
    'lose_writes=1': 'unknown fault',
    ' barrier_close_fail=1': 'unknown fault',
  };
  for (const [value, why] of Object.entries(malformed)) {
    it(`refuses ${JSON.stringify(value)}: RSMERR_BAD_CONF naming it`, () => {
      const r = runChild(`rsm.getController('sci0');`, { RSM_SIM_FAULTS: value });
      assert.equal(r.error.code, 'RSMERR_BAD_CONF', JSON.stringify(r));
      assert.ok(r.error.message.includes('RSM_SIM_FAULTS'), r.error.message);
      assert.ok(r.error.message.includes(why), r.error.message);
    });
  }
});
