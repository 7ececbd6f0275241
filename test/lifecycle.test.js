'use strict';
// The life cycle of an import (state, lostReason, lost, lostSignal, probe),
// with the exporter in a child process (node 2) that unpublishes, destroys,
// is killed or republishes, and this process (node 1) importing. Every
// source of the loss is something the RSMAPI reports: a transfer's error, a
// barrier close, a signal wait, or the probe's barrier close.
const assert = require('node:assert/strict');
const rsm = require('..');
const { throwsCode, throwsRsm, rejectsRsm } = require('./support/expect');
const { CONTROLLER, PAGE, freshSegmentId, tracker } = require('./support/fixtures');
const { Peer } = require('./support/peer-client');
const { runChild } = require('./support/child');

// A loss must be seen within this long once the exporter acted.
const PROMPT_MS = 3000;
const PROBE_MS = 20;

/** Whether `promise` settles within `ms`: its value, or the string 'pending'. */
async function settledWithin(promise, ms) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function checkConnAborted(reason, syscall) {
  assert.ok(reason instanceof rsm.RsmError, `expected an RsmError, got ${reason}`);
  assert.equal(reason.code, 'RSMERR_CONN_ABORTED');
  if (syscall) assert.equal(reason.syscall, syscall);
}

describe('import life cycle (exporter in another process)', function () {
  this.timeout(60000);
  const held = tracker();
  let ctl;
  let peer;
  let id;

  beforeEach(async () => {
    ctl = held.add(rsm.getController(CONTROLLER));
    peer = await Peer.start({ node: 2 });
    await peer.call('getController', { name: CONTROLLER });
    await peer.call('createExport', { size: PAGE });
    await peer.call('fillExport', { at: 0, bytes: [0x5a] });
    id = await peer.call('publish', { segmentId: freshSegmentId() });
  });
  afterEach(async () => {
    await peer.stop();
    held.release();
  });

  it('starts connected: state, no reason, lost pending, lostSignal not aborted', async () => {
    const imp = held.add(await ctl.connect(2, id));
    assert.equal(imp.state, 'connected');
    assert.equal(imp.lostReason, undefined);
    assert.equal(imp.lostSignal.aborted, false);
    assert.equal(await settledWithin(imp.lost, 50), 'pending');
    assert.equal(imp.load8(0), 0x5a);
    assert.equal(imp.state, 'connected', 'a transfer that works changes nothing');
  });

  it('exporter unpublishes while this program is quiet: the probe finds it (barrier close), lost resolves, lostSignal aborts', async () => {
    const imp = held.add(await ctl.connect(2, id));
    assert.equal(imp.probe({ interval: PROBE_MS }), imp, 'probe() chains');
    let aborts = 0;
    imp.lostSignal.addEventListener('abort', () => aborts++);
    const lost = imp.lost;
    await peer.call('unpublish');
    const reason = await settledWithin(lost, PROMPT_MS);
    checkConnAborted(reason, 'rsm_memseg_import_close_barrier');
    assert.equal(imp.state, 'lost');
    assert.equal(imp.lostReason, reason);
    assert.equal(imp.lostSignal.aborted, true);
    assert.equal(imp.lostSignal.reason, reason);
    assert.equal(aborts, 1);
    assert.equal(await imp.lost, reason, 'a later read of lost gives the same reason');
    // Lost is not disconnected: the program still has to let go.
    imp.disconnect();
    assert.equal(imp.state, 'disconnected');
    assert.equal(imp.lostReason, reason, 'the reason is kept after disconnect');
  });

  it('exporter unpublishes: without the probe a quiet program sees nothing until its next transfer reports it', async () => {
    const imp = held.add(await ctl.connect(2, id));
    assert.equal(imp.load8(0), 0x5a);
    await peer.call('unpublish');
    assert.equal(await settledWithin(imp.lost, 10 * PROBE_MS), 'pending', 'no call, no probe: nothing reported');
    assert.equal(imp.state, 'connected');
    throwsRsm(() => imp.store32(0, 1), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_put32');
    assert.equal(imp.state, 'lost');
    checkConnAborted(await settledWithin(imp.lost, PROMPT_MS), 'rsm_memseg_import_put32');
  });

  it('exporter destroys its segment: the next get reports it, and the first error stays the reason', async () => {
    const imp = held.add(await ctl.connect(2, id));
    assert.equal(imp.read(0, 1)[0], 0x5a);
    await peer.call('destroy');
    throwsRsm(() => imp.read(0, 4), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_get');
    assert.equal(imp.state, 'lost');
    const first = imp.lostReason;
    checkConnAborted(first, 'rsm_memseg_import_get');
    throwsRsm(() => imp.barrier.close(), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
    assert.equal(imp.lostReason, first);
    assert.equal(await imp.lost, first);
  });

  it('exporter unpublishes inside an explicit-mode span: the probe stays out of it, the program\'s own barrier close reports it', async () => {
    const imp = held.add(await ctl.connect(2, id));
    imp.setMode(rsm.BarrierMode.EXPLICIT);
    imp.probe({ interval: PROBE_MS });
    imp.barrier.open();
    imp.put(0, new Uint8Array([1]));
    await peer.call('unpublish');
    assert.equal(await settledWithin(imp.lost, 10 * PROBE_MS), 'pending', 'no barrier work of the probe in explicit mode');
    assert.equal(imp.state, 'connected', 'explicit-mode transfers do no generation check');
    throwsRsm(() => imp.barrier.close(), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
    assert.equal(imp.state, 'lost');
    checkConnAborted(imp.lostReason, 'rsm_memseg_import_close_barrier');
  });

  it('exporter unpublishes: a map, and a read-only connection\'s get (through the facade\'s own mapping), report it too', async () => {
    const mapper = held.add(await ctl.connect(2, id));
    const reader = held.add(await ctl.connect(2, id, { permission: rsm.Permission.READ }));
    assert.equal(reader.load8(0), 0x5a);
    reader.unmap();
    await peer.call('unpublish');
    throwsRsm(() => mapper.map({ length: PAGE }), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_map');
    assert.equal(mapper.state, 'lost');
    throwsRsm(() => reader.load8(0), 'RSMERR_CONN_ABORTED');
    assert.equal(reader.state, 'lost');
    checkConnAborted(await settledWithin(reader.lost, PROMPT_MS));
  });

  it('exporter killed with SIGKILL: the probe finds it', async () => {
    const imp = held.add(await ctl.connect(2, id));
    imp.probe({ interval: PROBE_MS });
    const { signal } = await peer.stop({ signal: 'SIGKILL' });
    assert.equal(signal, 'SIGKILL');
    checkConnAborted(await settledWithin(imp.lost, PROMPT_MS), 'rsm_memseg_import_close_barrier');
    assert.equal(imp.state, 'lost');
  });

  it('exporter killed with SIGKILL while a signal wait is pending: the wait reports it at once (simulator extension)', async function () {
    if (rsm.backend().name !== 'sim') {
      // A real librsm wakes no waiter at a forced disconnect; the probe is
      // the way there (the test above).
      this.skip();
    }
    const imp = held.add(await ctl.connect(2, id));
    const waiting = imp.waitForSignal({ timeout: 10 * PROMPT_MS });
    await peer.stop({ signal: 'SIGKILL' });
    await rejectsRsm(waiting, 'RSMERR_CONN_ABORTED', 'rsm_intr_signal_wait');
    assert.equal(imp.state, 'lost');
    checkConnAborted(await settledWithin(imp.lost, PROMPT_MS), 'rsm_intr_signal_wait');
  });

  it('exporter republishes with an access list that leaves this node out: not a loss; the connection keeps working, new connects from left-out nodes are refused', async () => {
    const imp = held.add(await ctl.connect(2, id));
    imp.probe({ interval: PROBE_MS });
    assert.equal(imp.load8(0), 0x5a);
    await peer.call('republish', { accessList: [{ node: 3, permission: 0o666 }] });
    // Several probe intervals: the RSMAPI reports nothing to this connection.
    assert.equal(await settledWithin(imp.lost, 10 * PROBE_MS), 'pending');
    assert.equal(imp.state, 'connected');
    imp.store8(1, 0x42);
    assert.deepEqual(await peer.call('readExport', { at: 1, length: 1 }), [0x42], 'our put reached the exporter');
    const outsider = await Peer.start({ node: 4 });
    try {
      await outsider.call('getController', { name: CONTROLLER });
      await assert.rejects(outsider.call('connect', { node: 2, segmentId: id }), (e) => e.code === 'RSMERR_SEG_NOT_PUBLISHED_TO_NODE');
    } finally {
      await outsider.stop();
    }
    // What does end the connection is still seen.
    await peer.call('unpublish');
    checkConnAborted(await settledWithin(imp.lost, PROMPT_MS), 'rsm_memseg_import_close_barrier');
    assert.equal(imp.state, 'lost');
  });

  it('this program disconnects first: state disconnected, and lost never fires, even when the exporter unpublishes later', async () => {
    const imp = held.add(await ctl.connect(2, id));
    imp.probe({ interval: PROBE_MS });
    let aborts = 0;
    imp.lostSignal.addEventListener('abort', () => aborts++);
    const lost = imp.lost;
    imp.disconnect();
    assert.equal(imp.state, 'disconnected');
    await peer.call('unpublish');
    assert.equal(await settledWithin(lost, 10 * PROBE_MS), 'pending');
    assert.equal(imp.state, 'disconnected');
    assert.equal(imp.lostReason, undefined);
    assert.equal(imp.lostSignal.aborted, false);
    assert.equal(aborts, 0);
  });

  it('releasing the controller disconnects its imports: state disconnected, not lost', async () => {
    const own = rsm.getController(CONTROLLER);
    const imp = await own.connect(2, id);
    imp.probe({ interval: PROBE_MS });
    own.release();
    assert.equal(imp.state, 'disconnected');
    await peer.call('unpublish');
    assert.equal(await settledWithin(imp.lost, 10 * PROBE_MS), 'pending');
    assert.equal(imp.lostReason, undefined);
  });
});

describe('import life cycle: probe options', function () {
  this.timeout(60000);
  const held = tracker();
  let imp;
  beforeEach(async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish({ segmentId: freshSegmentId() });
    imp = held.add(await ctl.connect(rsm.getTopology().localNode, id));
  });
  afterEach(() => held.release());

  it('rejects bad options with typed errors', () => {
    for (const bad of ['1000', 1000, true, () => 1]) throwsCode(() => imp.probe(bad), TypeError, 'ERR_INVALID_ARG_TYPE');
    for (const bad of ['10', 10n, null, {}]) throwsCode(() => imp.probe({ interval: bad }), TypeError, 'ERR_INVALID_ARG_TYPE');
    for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 31]) throwsCode(() => imp.probe({ interval: bad }), RangeError, 'ERR_OUT_OF_RANGE');
    // Bad options leave the connection as it was.
    assert.equal(imp.state, 'connected');
    imp.probe({ interval: 2 ** 31 - 1 }).probe().stopProbe().stopProbe();
  });

  it('on a disconnected import throws ERR_RSM_RELEASED', () => {
    imp.disconnect();
    assert.throws(() => imp.probe(), (e) => e.code === 'ERR_RSM_RELEASED');
    imp.stopProbe();
  });

  it('foreign receivers are refused', () => {
    const proto = rsm.ImportSegment.prototype;
    throwsCode(() => proto.probe.call({}), TypeError, 'ERR_INVALID_THIS');
    throwsCode(() => Object.getOwnPropertyDescriptor(proto, 'state').get.call({}), TypeError, 'ERR_INVALID_THIS');
    throwsCode(() => Object.getOwnPropertyDescriptor(proto, 'lost').get.call({}), TypeError, 'ERR_INVALID_THIS');
  });

  it('keeps no import alive: a probing import nobody holds is collected, its native handle too', async function () {
    if (typeof global.gc !== 'function') this.skip(); // needs node --expose-gc (npm test gives it)
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish({ segmentId: freshSegmentId() });
    let refs;
    await (async () => {
      const dropped = await ctl.connect(rsm.getTopology().localNode, id);
      dropped.probe({ interval: 1 });
      refs = [new WeakRef(dropped), new WeakRef(dropped.native)];
    })();
    for (let i = 0; i < 8; i++) {
      global.gc();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.deepEqual(refs.map((r) => r.deref() === undefined), [true, true]);
  });

  it('keeps no process alive: a program with a probe running ends on its own', () => {
    const r = runChild(`
      const ctl = rsm.getController(${JSON.stringify(CONTROLLER)});
      const exp = ctl.createExport(rsm.pageSize);
      const id = await exp.publish();
      const imp = await ctl.connect(rsm.getTopology().localNode, id);
      imp.probe({ interval: 10 });
      await new Promise((r) => setTimeout(r, 50));
      return imp.state;
    `);
    assert.deepEqual(r, { value: 'connected' });
  });
});
