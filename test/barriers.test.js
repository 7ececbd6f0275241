'use strict';
// Barriers and barrier modes (docs/semantics.md §4.7, 5.5): close reports a forced
// disconnect that happened at any time since connect, implicit mode checks
// every put/get, and an exporter that dies, even by SIGKILL, is noticed.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const rsm = require('..');
const { throwsRsm, rsmCode, eventually } = require('./support/expect');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');
const { Peer } = require('./support/peer-client');


describe('barriers in one process', () => {
  const held = tracker();
  let ctl;
  let exp;
  let imp;
  beforeEach(async () => {
    ctl = held.add(rsm.getController(CONTROLLER));
    exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish();
    imp = held.add(await ctl.connect(1, id));
  });
  afterEach(() => held.release());

  it('opens and closes around transfers on a live connection; open/open and close/close are allowed', () => {
    imp.setMode(rsm.BarrierMode.EXPLICIT);
    imp.barrier.open();
    imp.barrier.open();
    imp.put(0, new Uint8Array([9, 8, 7]));
    imp.barrier.order();
    imp.barrier.close();
    imp.barrier.close();
    assert.deepEqual(exp.bytes.subarray(0, 3), new Uint8Array([9, 8, 7]));
  });

  it('implicit mode needs a barrier: RSMERR_BARRIER_UNINITIALIZED after destroy_barrier, explicit mode does not', () => {
    assert.equal(imp.mode, rsm.BarrierMode.IMPLICIT);
    imp.barrier.destroy();
    throwsRsm(() => imp.put(0, new Uint8Array(4)), 'RSMERR_BARRIER_UNINITIALIZED', 'rsm_memseg_import_put');
    throwsRsm(() => imp.read(0, 4), 'RSMERR_BARRIER_UNINITIALIZED', 'rsm_memseg_import_get');
    imp.setMode(rsm.BarrierMode.EXPLICIT);
    imp.put(0, new Uint8Array([1, 2, 3, 4]));
    assert.deepEqual(imp.read(0, 4), new Uint8Array([1, 2, 3, 4]));
  });

  it('close reports a forced disconnect from any time since connect, even one before open', async () => {
    imp.setMode(rsm.BarrierMode.EXPLICIT);
    exp.unpublish();
    await exp.publish();
    imp.barrier.open(); // opens fine: it copies the connect generation
    throwsRsm(() => imp.barrier.close(), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
    imp.barrier.order();
    // A new connection has its own generation and works.
    const fresh = held.add(await ctl.connect(1, exp.segmentId));
    fresh.setMode(rsm.BarrierMode.EXPLICIT);
    fresh.barrier.open();
    fresh.put(0, new Uint8Array([5]));
    fresh.barrier.close();
  });

  it('implicit mode reports RSMERR_CONN_ABORTED on the put/get after a forced disconnect', () => {
    imp.put(0, new Uint8Array([1]));
    exp.unpublish();
    throwsRsm(() => imp.put(0, new Uint8Array([2])), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_put');
    throwsRsm(() => imp.read(0, 1), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_get');
  });

  it('transaction() runs a block inside open/close, in explicit mode for the span, and returns its result', () => {
    const seen = imp.transaction((seg) => {
      assert.equal(seg.mode, rsm.BarrierMode.EXPLICIT);
      seg.put(8, new Uint8Array([4, 5, 6]));
      return seg.read(8, 3);
    });
    assert.deepEqual(seen, new Uint8Array([4, 5, 6]));
    assert.equal(imp.mode, rsm.BarrierMode.IMPLICIT, 'mode restored');
  });

  it('transaction() does not retry RSMERR_CONN_ABORTED and says a reconnect is needed', () => {
    imp.put(0, new Uint8Array([1])); // mapped: later transfers go to the orphaned pages, the close reports
    exp.unpublish();
    let runs = 0;
    throwsRsm(
      () =>
        imp.transaction(
          (seg) => {
            runs++;
            seg.put(0, new Uint8Array([1]));
          },
          { retries: 5 },
        ),
      'RSMERR_CONN_ABORTED',
      'rsm_memseg_import_close_barrier',
    );
    assert.equal(runs, 1);
    assert.throws(() => imp.transaction(() => {}), /connect\(\) again/);
    assert.equal(imp.mode, rsm.BarrierMode.IMPLICIT);
  });

  it('transaction() refuses a block that returns a promise', () => {
    assert.throws(
      () => imp.transaction(async () => {}),
      (e) => e instanceof TypeError && e.code === 'ERR_INVALID_RETURN_VALUE',
    );
    assert.throws(() => imp.transaction(null), (e) => e.code === 'ERR_INVALID_ARG_TYPE');
    assert.throws(() => imp.transaction(() => {}, { retries: -1 }), (e) => e.code === 'ERR_OUT_OF_RANGE');
  });
});

describe('transaction retries (barrier failures of a generic interconnect)', () => {
  // The simulator's interconnect never loses writes on its own: the failures
  // are injected (rsm.sim.faults), and reach the library's close as a
  // generic plug-in reports them.
  const held = tracker();
  let exp;
  let imp;
  beforeEach(async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    exp = held.add(ctl.createExport(PAGE));
    imp = held.add(await ctl.connect(1, await exp.publish()));
  });
  afterEach(() => {
    rsm.sim.faults.clear();
    held.release();
  });

  it('runs the block again after RSMERR_BARRIER_FAILURE, up to `retries` times', () => {
    rsm.sim.faults.failBarrierClose(1, 2);
    const modes = [];
    let runs = 0;
    const result = imp.transaction((seg) => {
      runs++;
      modes.push(seg.mode);
      seg.put(0, new Uint8Array([runs]));
      return runs;
    }, { retries: 2 });
    assert.equal(result, 3);
    assert.equal(exp.bytes[0], 3, 'the last run wrote last');
    assert.deepEqual(modes, [rsm.BarrierMode.EXPLICIT, rsm.BarrierMode.EXPLICIT, rsm.BarrierMode.EXPLICIT]);
    assert.equal(imp.mode, rsm.BarrierMode.IMPLICIT, 'the mode is restored');
    assert.deepEqual(rsm.sim.faults.list(), [], 'both injected failures were met');
  });

  it('gives up with the library error once the retries are spent', () => {
    rsm.sim.faults.failBarrierClose(1, 10);
    let runs = 0;
    assert.throws(
      () => imp.transaction(() => ++runs, { retries: 1 }),
      (e) => e instanceof rsm.RsmError && e.code === 'RSMERR_BARRIER_FAILURE' && /gave up after 2 attempts/.test(e.message),
    );
    assert.equal(runs, 2);
    assert.equal(rsm.sim.faults.list()[0].barrierCloseFail, 8);
    assert.equal(imp.mode, rsm.BarrierMode.IMPLICIT);
  });
});

describe('barriers when the exporter process dies (node 2 in a child process)', function () {
  const held = tracker();
  let ctl;
  let peer;
  beforeEach(async () => {
    ctl = held.add(rsm.getController(CONTROLLER));
    peer = await Peer.start({ node: 2 });
    await peer.call('getController', { name: CONTROLLER });
    await peer.call('createExport', { size: PAGE });
  });
  afterEach(async () => {
    await peer.stop();
    held.release();
  });

  async function connectToPeer() {
    const id = await peer.call('publish', {});
    return held.add(await ctl.connect(2, id));
  }

  it('close_barrier reports RSMERR_CONN_ABORTED when the exporter is SIGKILLed mid-barrier', async () => {
    const imp = await connectToPeer();
    imp.setMode(rsm.BarrierMode.EXPLICIT);
    imp.barrier.open();
    imp.put(0, new Uint8Array([1, 2, 3]));
    await peer.stop({ signal: 'SIGKILL' });
    throwsRsm(() => imp.barrier.close(), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
    // Explicit mode: the transfer itself goes to the orphaned pages quietly.
    imp.put(0, new Uint8Array([4]));
    imp.disconnect();
  });

  it('implicit-mode put/get report RSMERR_CONN_ABORTED soon after the exporter is SIGKILLed, and nothing of it stays in the cluster directory', async () => {
    const imp = await connectToPeer();
    imp.put(0, new Uint8Array([1]));
    const dir = process.env.RSM_SIM_DIR;
    await peer.stop({ signal: 'SIGKILL' });
    await eventually(() => rsmCode(() => imp.put(0, new Uint8Array([2]))) === 'RSMERR_CONN_ABORTED', 'put failing', 5000);
    throwsRsm(() => imp.read(0, 1), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_get');
    throwsRsm(() => imp.barrier.close(), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('seg-')), [], 'segment memory is never a file');
    // Signals toward the dead exporter are dropped; a wait still works normally.
    imp.signal();
    await assert.rejects(imp.waitForSignal({ timeout: 0 }), (e) => e.code === 'RSMERR_TIMEOUT');
    imp.disconnect();
  });

  it('transaction() fails with RSMERR_CONN_ABORTED once the exporter was killed', async () => {
    const imp = await connectToPeer();
    assert.equal(imp.transaction((seg) => seg.read(0, 1).length), 1);
    await peer.stop({ signal: 'SIGKILL' });
    throwsRsm(() => imp.transaction((seg) => seg.put(0, new Uint8Array([1]))), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
    imp.disconnect();
  });
});
