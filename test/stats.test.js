'use strict';
// Per-handle counters (stats()): each counter checked against a known
// sequence of operations, failures included, on import and export segments
// and barriers; what is not counted (mapped views, argument mistakes) stays
// uncounted; a disconnected or destroyed handle answers with its last values.
const assert = require('node:assert/strict');
const rsm = require('..');
const { throwsRsm, throwsCode } = require('./support/expect');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');

const LOCAL = 1;

describe('stats()', () => {
  const held = tracker();
  let ctl;
  let exp;
  let imp;
  beforeEach(async () => {
    ctl = held.add(rsm.getController(CONTROLLER));
    exp = held.add(ctl.createExport(PAGE, { allowRebind: true }));
    imp = held.add(await ctl.connect(LOCAL, await exp.publish()));
  });
  afterEach(() => {
    rsm.sim.faults.clear();
    held.release();
  });

  it('starts at zero on a new connection and a new export (publish excepted)', () => {
    assert.deepEqual(imp.stats(), {
      puts: 0,
      putBytes: 0,
      gets: 0,
      getBytes: 0,
      failedTransfers: 0,
      failures: {},
      barrier: { opens: 0, closes: 0, failures: 0 },
      signalsPosted: 0,
      signalsConsumed: 0,
      maps: 0,
      unmaps: 0,
    });
    assert.deepEqual(exp.stats(), { publishes: 1, unpublishes: 0, republishes: 0, rebinds: 0, signalsPosted: 0, signalsConsumed: 0 });
    assert.ok(Object.isFrozen(imp.stats()), 'a snapshot, not live state');
  });

  it('counts transfers and bytes each way over every form of put and get', () => {
    imp.put(0, new Uint8Array(10)); // 1 put, 10 B
    imp.put8(16, Uint8Array.of(1)); // scalar path, 1 B
    imp.put16(32, new Uint16Array(3)); // 6 B
    imp.put32(64, Uint32Array.of(7)); // scalar path, 4 B
    imp.put32(64, new Int32Array(4)); // 16 B
    imp.put64(128, new BigUint64Array(2)); // 16 B
    imp.store8(200, 1); // 1 B
    imp.store16(202, 1); // 2 B
    imp.store32(204, 1); // 4 B
    imp.store64(208, 1n); // 8 B
    imp.putv([{ local: new Uint8Array(24), remoteOffset: 256 }, { local: new Uint8Array(8), remoteOffset: 512 }]); // 1 transfer, 32 B
    const expectedPuts = 11;
    const expectedPutBytes = 10 + 1 + 6 + 4 + 16 + 16 + 1 + 2 + 4 + 8 + 32;

    imp.get(0, new Uint8Array(12)); // 12 B
    imp.read(0, 5); // 5 B
    imp.get8(0, new Uint8Array(1)); // 1 B
    imp.get16(0, new Uint16Array(2)); // 4 B
    imp.get32(0, new Uint32Array(1)); // 4 B
    imp.get64(0, new BigInt64Array(3)); // 24 B
    imp.read32(0, 2); // 8 B
    imp.load8(0); // 1 B
    imp.load16(0); // 2 B
    imp.load32(0); // 4 B
    imp.load64(0); // 8 B
    imp.getv([{ local: new Uint8Array(40), remoteOffset: 0 }]); // 40 B
    const expectedGets = 12;
    const expectedGetBytes = 12 + 5 + 1 + 4 + 4 + 24 + 8 + 1 + 2 + 4 + 8 + 40;

    const s = imp.stats();
    assert.equal(s.puts, expectedPuts);
    assert.equal(s.putBytes, expectedPutBytes);
    assert.equal(s.gets, expectedGets);
    assert.equal(s.getBytes, expectedGetBytes);
    assert.equal(s.failedTransfers, 0);
    assert.deepEqual(s.failures, {});
  });

  it('counts failed transfers by RSMERR code, and not as transfers', () => {
    imp.put(0, new Uint8Array(4));
    throwsRsm(() => imp.put(PAGE, new Uint8Array(4)), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_put');
    throwsRsm(() => imp.get32(PAGE * 4, new Uint32Array(2)), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_get32');
    throwsRsm(() => imp.load64(PAGE * 2), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_get64');
    throwsRsm(() => imp.store32(2, 1), 'RSMERR_BAD_MEM_ALIGNMENT', 'rsm_memseg_import_put32');
    // A fault: the implicit barrier close of the next put fails.
    rsm.sim.faults.failBarrierClose(LOCAL, 1);
    throwsRsm(() => imp.put(0, new Uint8Array(8)), 'RSMERR_BARRIER_FAILURE', 'rsm_memseg_import_put');
    imp.get(0, new Uint8Array(4));
    const s = imp.stats();
    assert.deepEqual(s.failures, { RSMERR_BAD_OFFSET: 3, RSMERR_BAD_MEM_ALIGNMENT: 1, RSMERR_BARRIER_FAILURE: 1 });
    assert.equal(s.failedTransfers, 5);
    assert.equal(s.puts, 1);
    assert.equal(s.putBytes, 4);
    assert.equal(s.gets, 1);
    assert.equal(s.getBytes, 4);
  });

  it('does not count argument mistakes caught before the library, nor mapped-view traffic', () => {
    throwsCode(() => imp.put(0, 'text'), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.put32(0, new Uint8Array(4)), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.store8(0, 1000), RangeError, 'ERR_OUT_OF_RANGE');
    const m = imp.map({ length: PAGE });
    m.view(Uint32Array).fill(3);
    assert.equal(m.view(Uint32Array)[5], 3);
    m.read(0, new Uint8Array(16));
    m.unmap();
    const s = imp.stats();
    assert.equal(s.puts + s.gets + s.failedTransfers, 0);
    assert.equal(s.putBytes + s.getBytes, 0);
    assert.equal(s.maps, 1);
    assert.equal(s.unmaps, 1);
  });

  it('counts explicit maps and their unmaps however they are unmapped, and only once each', () => {
    const a = imp.map({ length: PAGE });
    a.unmap();
    a.unmap(); // idempotent: not a second unmap
    imp.map({ length: PAGE });
    imp.unmap(); // through the segment
    const c = imp.map({ length: PAGE, permission: rsm.Permission.READ });
    assert.equal(c.writable, false);
    c[Symbol.dispose](); // through disposal, as `using` does
    throwsRsm(() => imp.map({ length: PAGE * 2 }), 'RSMERR_BAD_LENGTH', 'rsm_memseg_import_map');
    const s = imp.stats();
    assert.equal(s.maps, 3);
    assert.equal(s.unmaps, 3);
  });

  it('counts barrier opens, closes and failures, in the import and in Barrier.stats()', () => {
    imp.setMode(rsm.BarrierMode.EXPLICIT);
    imp.barrier.open();
    imp.put(0, Uint8Array.of(1));
    imp.barrier.close();
    rsm.sim.faults.failBarrierClose(LOCAL, 1);
    imp.barrier.open();
    throwsRsm(() => imp.barrier.close(), 'RSMERR_BARRIER_FAILURE', 'rsm_memseg_import_close_barrier');
    rsm.sim.faults.failBarrierOpen(LOCAL, 1);
    throwsRsm(() => imp.barrier.open(), 'RSMERR_BARRIER_OPEN_FAILED', 'rsm_memseg_import_open_barrier');
    // A transaction: one failed close, retried, then a good one.
    rsm.sim.faults.failBarrierClose(LOCAL, 1);
    imp.transaction((seg) => seg.put(0, Uint8Array.of(2)), { retries: 1 });
    const expected = { opens: 4, closes: 2, failures: 3 };
    assert.deepEqual(imp.barrier.stats(), expected);
    assert.deepEqual(imp.stats().barrier, expected);
  });

  it('counts a forced disconnect seen by a barrier close as a barrier failure', async () => {
    imp.setMode(rsm.BarrierMode.EXPLICIT);
    exp.unpublish();
    await exp.publish();
    imp.barrier.open();
    throwsRsm(() => imp.barrier.close(), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
    assert.deepEqual(imp.barrier.stats(), { opens: 1, closes: 0, failures: 1 });
    assert.equal(exp.stats().publishes, 2);
    assert.equal(exp.stats().unpublishes, 1);
  });

  it('counts signals posted and consumed on both sides, through waitForSignal() and signals()', async () => {
    imp.signal();
    imp.signal();
    await exp.waitForSignal({ timeout: 5000 });
    for await (const _ of exp.signals()) break; // the second event
    await assert.rejects(exp.waitForSignal({ timeout: 0 }), (e) => e.code === 'RSMERR_TIMEOUT'); // not consumed
    exp.signal();
    await imp.waitForSignal({ timeout: 5000 });
    const i = imp.stats();
    const x = exp.stats();
    assert.equal(i.signalsPosted, 2);
    assert.equal(i.signalsConsumed, 1);
    assert.equal(x.signalsPosted, 1);
    assert.equal(x.signalsConsumed, 2);
  });

  it('counts publishes, unpublishes, republishes and rebinds that succeeded', async () => {
    exp.republish([{ node: LOCAL, permission: 0o666 }]);
    exp.rebind();
    exp.unpublish();
    throwsRsm(() => exp.unpublish(), 'RSMERR_SEG_NOT_PUBLISHED', 'rsm_memseg_export_unpublish');
    await exp.publish();
    const fixed = held.add(ctl.createExport(PAGE));
    await fixed.publish();
    throwsRsm(() => fixed.rebind(), 'RSMERR_REBIND_NOT_ALLOWED', 'rsm_memseg_export_rebind');
    assert.deepEqual(exp.stats(), { publishes: 2, unpublishes: 1, republishes: 1, rebinds: 1, signalsPosted: 0, signalsConsumed: 0 });
    assert.equal(fixed.stats().rebinds, 0);
  });

  it('keeps the last values after disconnect, destroy and controller release', () => {
    imp.put(0, new Uint8Array(8));
    imp.get(0, new Uint8Array(8));
    throwsRsm(() => imp.get(PAGE, new Uint8Array(1)), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_get');
    imp.disconnect();
    // A call on a disconnected segment is not a transfer.
    throwsCode(() => imp.put(0, new Uint8Array(1)), Error, 'ERR_RSM_RELEASED');
    const after = imp.stats();
    assert.equal(after.puts, 1);
    assert.equal(after.gets, 1);
    assert.equal(after.putBytes, 8);
    assert.deepEqual(after.failures, { RSMERR_BAD_OFFSET: 1 });
    exp.signal();
    exp.destroy();
    assert.equal(exp.stats().signalsPosted, 1);
    assert.equal(exp.stats().publishes, 1);
    ctl.release();
    assert.equal(imp.stats().puts, 1);
    assert.equal(imp.barrier.stats().opens, 0);
  });

  it('keeps its counts when the controller is released under a live connection', async () => {
    const other = held.add(await ctl.connect(LOCAL, exp.segmentId));
    other.put(0, new Uint8Array(3));
    ctl.release();
    assert.equal(other.disconnected, true);
    assert.equal(other.stats().puts, 1);
    assert.equal(other.stats().putBytes, 3);
  });

  it('counts on a read-only connection, whose transfers go through the package’s own mapping', async () => {
    const ro = held.add(await ctl.connect(LOCAL, exp.segmentId, { permission: rsm.Permission.READ }));
    ro.get(0, new Uint8Array(16));
    ro.load32(4);
    const s = ro.stats();
    assert.equal(s.gets, 2);
    assert.equal(s.getBytes, 20);
    assert.equal(s.maps, 0, 'an implicit mapping is not an explicit map()');
  });

  it('checks its receiver like every method', () => {
    throwsCode(() => rsm.ImportSegment.prototype.stats.call({}), TypeError, 'ERR_INVALID_THIS');
    throwsCode(() => rsm.ExportSegment.prototype.stats.call({}), TypeError, 'ERR_INVALID_THIS');
    throwsCode(() => rsm.Barrier.prototype.stats.call({}), TypeError, 'ERR_INVALID_THIS');
  });
});
