'use strict';
// load8..64 / store8..64, and the per-connection functions behind them and
// behind single-element put/get: the same library checks and errors as the
// typed-array forms, receivers that cannot matter, and a connection that
// is gone whatever still holds its functions.
const assert = require('node:assert/strict');
const rsm = require('..');
const { throwsRsm, throwsCode } = require('./support/expect');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');

const LOCAL_NODE = 1;

describe('single-element load and store', () => {
  let ctl;
  let exp;
  let id;
  const held = tracker();
  beforeEach(async () => {
    ctl = held.add(rsm.getController(CONTROLLER));
    exp = held.add(ctl.createExport(2 * PAGE));
    id = await exp.publish();
  });
  afterEach(() => held.release());

  it('stores and loads each width, with the exporter seeing the same bytes', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    imp.store8(1, 0xab);
    imp.store16(2, 0x1234);
    imp.store32(4, 0xdeadbeef);
    imp.store64(8, 0x0102030405060708n);
    assert.equal(imp.load8(1), 0xab);
    assert.equal(imp.load16(2), 0x1234);
    assert.equal(imp.load32(4), 0xdeadbeef);
    assert.equal(imp.load64(8), 0x0102030405060708n);
    const dv = new DataView(exp.bytes.buffer);
    assert.equal(dv.getUint32(4, true), 0xdeadbeef);
    assert.equal(dv.getBigUint64(8, true), 0x0102030405060708n);
  });

  it('takes either signedness and loads the unsigned value', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    imp.store8(0, -1);
    imp.store16(2, -2);
    imp.store32(4, -3);
    imp.store64(8, -4n);
    assert.equal(imp.load8(0), 0xff);
    assert.equal(imp.load16(2), 0xfffe);
    assert.equal(imp.load32(4), 0xfffffffd);
    assert.equal(imp.load64(8), 2n ** 64n - 4n);
  });

  it('moves one element of a signed typed array through put/get with its bits intact', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    imp.put8(0, Int8Array.of(-5));
    imp.put16(2, Int16Array.of(-6));
    imp.put32(4, Int32Array.of(-7));
    imp.put64(8, BigInt64Array.of(-8n));
    imp.put32(16, Float32Array.of(1.5));
    imp.put64(24, Float64Array.of(-2.25));
    assert.deepEqual(imp.get8(0, new Int8Array(1)), Int8Array.of(-5));
    assert.deepEqual(imp.get16(2, new Int16Array(1)), Int16Array.of(-6));
    assert.deepEqual(imp.get32(4, new Int32Array(1)), Int32Array.of(-7));
    assert.deepEqual(imp.get64(8, new BigInt64Array(1)), BigInt64Array.of(-8n));
    assert.deepEqual(imp.get32(16, new Float32Array(1)), Float32Array.of(1.5));
    assert.deepEqual(imp.get64(24, new Float64Array(1)), Float64Array.of(-2.25));
  });

  it('keeps the library checks: alignment, range, barrier', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    throwsRsm(() => imp.store32(2, 1), 'RSMERR_BAD_MEM_ALIGNMENT', 'rsm_memseg_import_put32');
    throwsRsm(() => imp.load64(4), 'RSMERR_BAD_MEM_ALIGNMENT', 'rsm_memseg_import_get64');
    throwsRsm(() => imp.load16(2 * PAGE), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_get16');
    throwsRsm(() => imp.put32(2 * PAGE, Uint32Array.of(1)), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_put32');
    throwsRsm(() => imp.get8(2 * PAGE, new Uint8Array(1)), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_get8');
    imp.barrier.destroy();
    throwsRsm(() => imp.store8(0, 1), 'RSMERR_BARRIER_UNINITIALIZED', 'rsm_memseg_import_put8');
    throwsRsm(() => imp.get32(0, new Uint32Array(1)), 'RSMERR_BARRIER_UNINITIALIZED', 'rsm_memseg_import_get32');
  });

  it('refuses values the width cannot hold and offsets that are not offsets', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    throwsCode(() => imp.store8(0, 256), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => imp.store16(0, -32769), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => imp.store32(0, 2 ** 32), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => imp.store32(0, 1.5), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => imp.store32(0, NaN), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => imp.store32(0, '1'), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.store64(0, 1), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.store64(0, 2n ** 64n), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => imp.store64(0, -(2n ** 63n) - 1n), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => imp.load32(-4), RangeError, 'RSMERR_BAD_OFFSET');
    throwsCode(() => imp.load32('0'), TypeError, 'ERR_INVALID_ARG_TYPE');
    assert.equal(imp.load32(0), 0, 'nothing was written by the refused stores');
  });

  it('binds the native functions to their connection, not to `this`', async () => {
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    const access = imp.native.access();
    access.store32.call({}, 0, 7);
    assert.equal(access.load32.call(undefined, 0), 7);
    assert.equal(Reflect.apply(access.load32, exp.native, [0]), 7);
    throwsCode(() => access.store32(0), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => access.putN(12, 0, new Uint8Array(1)), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => access.getN(32, 0, new Uint8Array(3)), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => access.put(0, {}), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => access.load32(2 ** 53), RangeError, 'ERR_OUT_OF_RANGE');
  });

  it('throws ERR_RSM_RELEASED after disconnect, from the facade and from kept functions', async () => {
    const imp = await ctl.connect(LOCAL_NODE, id);
    const access = imp.native.access();
    imp.disconnect();
    for (const call of [() => imp.load8(0), () => imp.store32(0, 1), () => imp.put32(0, Uint32Array.of(1)),
      () => imp.get64(0, new BigUint64Array(1)), () => access.load32(0), () => access.putN(8, 0, new Uint8Array(1)),
      () => access.get(0, new Uint8Array(4))]) {
      throwsCode(call, Error, 'ERR_RSM_RELEASED');
    }
  });

  it('lets functions outlive a collected segment without reaching its handle', async function () {
    if (typeof global.gc !== 'function') this.skip();
    let access;
    await (async () => {
      const imp = await ctl.connect(LOCAL_NODE, id);
      access = imp.native.access();
      access.store8(0, 1);
    })();
    for (let i = 0; i < 10; i++) {
      global.gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    throwsCode(() => access.load8(0), Error, 'ERR_RSM_RELEASED');
  });

  it('goes through the facade mapping on a read-only connection', async () => {
    exp.bytes[5] = 9;
    const imp = held.add(await ctl.connect(LOCAL_NODE, id, { permission: rsm.Permission.READ }));
    assert.equal(imp.load8(5), 9);
    assert.deepEqual(imp.get8(5, new Uint8Array(1)), Uint8Array.of(9));
    throwsRsm(() => imp.store8(5, 1), 'RSMERR_PERM_DENIED', 'rsm_memseg_import_put8');
    throwsRsm(() => imp.put8(5, Uint8Array.of(1)), 'RSMERR_PERM_DENIED', 'rsm_memseg_import_put8');
  });
});
