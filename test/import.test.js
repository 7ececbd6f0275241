'use strict';
const assert = require('node:assert/strict');
const rsm = require('..');
const { throwsRsm, rejectsRsm, throwsCode } = require('./support/expect');
const { CONTROLLER, PAGE, freshSegmentId, pattern, tracker } = require('./support/fixtures');

const LOCAL_NODE = 1;

describe('import segments in one process', () => {
  let ctl;
  let exp;
  let id;
  const held = tracker();
  beforeEach(async () => {
    ctl = held.add(rsm.getController(CONTROLLER));
    exp = held.add(ctl.createExport(4 * PAGE));
    id = await exp.publish();
  });
  afterEach(() => held.release());

  it('refuses to connect to an id nobody published: RSMERR_SEG_NOT_PUBLISHED', async () => {
    await rejectsRsm(ctl.connect(LOCAL_NODE, freshSegmentId()), 'RSMERR_SEG_NOT_PUBLISHED', 'rsm_memseg_import_connect');
  });

  it('refuses a node outside the topology: RSMERR_INTERNAL_ERROR (no hardware address for it)', async () => {
    await rejectsRsm(ctl.connect(40, id), 'RSMERR_INTERNAL_ERROR', 'rsm_memseg_import_connect');
  });

  it('moves bytes both ways with put and get', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    const data = pattern(3000, 5);
    imp.put(PAGE + 17, data);
    assert.deepEqual(exp.bytes.subarray(PAGE + 17, PAGE + 17 + 3000), data, 'the exporter sees the put');
    exp.bytes.set(pattern(500, 9), 2 * PAGE);
    assert.deepEqual(imp.read(2 * PAGE, 500), pattern(500, 9), 'the importer gets what the exporter wrote');
    const target = new Uint16Array(8);
    assert.equal(imp.get(2 * PAGE, target), target);
    assert.deepEqual(new Uint8Array(target.buffer), pattern(16, 9));
  });

  it('moves elements of 8, 16, 32 and 64 bits', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    imp.put8(1, Uint8Array.of(0xab, 0xcd));
    imp.put16(6, Uint16Array.of(0x1234));
    imp.put32(8, Uint32Array.of(0xdeadbeef, 7));
    imp.put64(16, BigUint64Array.of(0x0102030405060708n));
    assert.deepEqual(imp.get8(1, new Uint8Array(2)), Uint8Array.of(0xab, 0xcd));
    assert.deepEqual(imp.get16(6, new Uint16Array(1)), Uint16Array.of(0x1234));
    assert.deepEqual(imp.get32(8, new Uint32Array(2)), Uint32Array.of(0xdeadbeef, 7));
    assert.deepEqual(imp.get64(16, new BigUint64Array(1)), BigUint64Array.of(0x0102030405060708n));
    const words = new DataView(exp.bytes.buffer);
    assert.equal(words.getUint32(8, true), 0xdeadbeef);
  });

  it('checks access-size alignment of the offset: RSMERR_BAD_MEM_ALIGNMENT', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    throwsRsm(() => imp.put32(2, Uint32Array.of(1)), 'RSMERR_BAD_MEM_ALIGNMENT', 'rsm_memseg_import_put32');
    throwsRsm(() => imp.get64(4, new BigUint64Array(1)), 'RSMERR_BAD_MEM_ALIGNMENT', 'rsm_memseg_import_get64');
    throwsCode(() => imp.put32(0, Uint16Array.of(1)), TypeError, 'ERR_INVALID_ARG_TYPE');
  });

  it('refuses transfers past the end of the segment: RSMERR_BAD_OFFSET', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    throwsRsm(() => imp.read(4 * PAGE - 10, 11), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_get');
    throwsRsm(() => imp.put(4 * PAGE, Uint8Array.of(1)), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_put');
    assert.equal(imp.read(4 * PAGE - 10, 10).length, 10);
  });

  it('needs a barrier in implicit mode, as librsm does; explicit mode does not', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    assert.equal(imp.mode, rsm.BarrierMode.IMPLICIT);
    imp.barrier.destroy();
    throwsRsm(() => imp.read(0, 4), 'RSMERR_BARRIER_UNINITIALIZED', 'rsm_memseg_import_get');
    imp.setMode(rsm.BarrierMode.EXPLICIT);
    assert.equal(imp.mode, rsm.BarrierMode.EXPLICIT);
    assert.equal(imp.read(0, 4).length, 4);
    throwsRsm(() => imp.setMode(7), 'RSMERR_BAD_MODE', 'rsm_memseg_import_set_mode');
  });

  it('maps a window zero-copy: both sides see each other at once', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    const m = imp.map({ offset: PAGE, length: 2 * PAGE });
    assert.equal(m.writable, true);
    assert.equal(m.bytes.length, 2 * PAGE);
    exp.bytes.set(pattern(64, 3), PAGE);
    assert.deepEqual(m.bytes.subarray(0, 64), pattern(64, 3));
    m.bytes.set(pattern(32, 4), 100);
    assert.deepEqual(exp.bytes.subarray(PAGE + 100, PAGE + 132), pattern(32, 4));
    // put/get use segment offsets and stay inside the window.
    assert.deepEqual(imp.read(PAGE, 64), pattern(64, 3));
    throwsRsm(() => imp.read(0, 4), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_get');
  });

  it('empties views at unmap and refuses disconnect while explicitly mapped', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    const m = imp.map({ length: PAGE });
    const view = m.bytes;
    throwsRsm(() => imp.disconnect(), 'RSMERR_SEG_STILL_MAPPED', 'rsm_memseg_import_disconnect');
    assert.equal(imp.disconnected, false);
    m.unmap();
    m.unmap();
    assert.equal(view.length, 0, 'a stale view reads as empty');
    throwsRsm(() => imp.unmap(), 'RSMERR_SEG_NOT_MAPPED', 'rsm_memseg_import_unmap');
    imp.disconnect();
    imp.disconnect();
    assert.equal(imp.disconnected, true);
    throwsCode(() => imp.read(0, 1), Error, 'ERR_RSM_RELEASED');
  });

  it('map after a put/get finds the implicit mapping: RSMERR_SEG_ALREADY_MAPPED until unmap', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    imp.read(0, 1);
    throwsRsm(() => imp.map({ length: PAGE }), 'RSMERR_SEG_ALREADY_MAPPED', 'rsm_memseg_import_map');
    imp.unmap();
    const m = imp.map({ length: PAGE });
    assert.equal(m.length, PAGE);
  });

  it('checks map arguments: alignment, length and permission', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    throwsRsm(() => imp.map({ offset: 100, length: PAGE }), 'RSMERR_BAD_MEM_ALIGNMENT', 'rsm_memseg_import_map');
    throwsRsm(() => imp.map({ length: 5 * PAGE }), 'RSMERR_BAD_LENGTH', 'rsm_memseg_import_map');
    throwsRsm(() => imp.map({ length: 0 }), 'RSMERR_BAD_LENGTH', 'rsm_memseg_import_map');
    throwsRsm(() => imp.map({ length: PAGE, permission: 0o700 }), 'RSMERR_BAD_PERMS', 'rsm_memseg_import_map');
    const odd = imp.map({ offset: PAGE, length: 100 });
    assert.equal(odd.bytes.length, 100, 'any positive length inside the segment');
  });

  it('gives a read-only mapping no writable view, and reads through it', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id, { permission: rsm.Permission.READ }));
    const m = imp.map({ length: PAGE, permission: rsm.Permission.READ });
    assert.equal(m.writable, false);
    throwsCode(() => m.bytes, Error, 'ERR_RSM_READONLY_MAPPING');
    exp.bytes.set(pattern(16, 8), 0);
    assert.deepEqual(m.read(0, new Uint8Array(16)), pattern(16, 8));
    throwsCode(() => m.read(PAGE - 4, new Uint8Array(8)), RangeError, 'RSMERR_BAD_OFFSET');
  });

  it('reports a torn-down connection after the exporter unpublishes: RSMERR_CONN_ABORTED', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    imp.put(0, Uint8Array.of(1, 2, 3));
    exp.unpublish();
    throwsRsm(() => imp.read(0, 3), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_get');
    throwsRsm(() => imp.barrier.close(), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
    imp.disconnect();
    assert.deepEqual(exp.bytes.subarray(0, 3), Uint8Array.of(1, 2, 3), "the exporter's memory is unaffected");
  });

  it('keeps a mapped view safe when the exporter destroys the segment', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    const m = imp.map({ length: PAGE });
    exp.destroy();
    // Loads and stores go to scratch memory: no fault, no effect on anyone.
    m.bytes[0] = 42;
    assert.equal(typeof m.bytes[1], 'number');
    throwsRsm(() => imp.read(0, 1), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_get');
    m.unmap();
    imp.disconnect();
  });
});
