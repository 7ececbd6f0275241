'use strict';
// Misuse of every handle kind: wrong types, out-of-range numbers, foreign
// receivers, use after release. Each gives a typed error; none may crash.
const assert = require('node:assert/strict');
const rsm = require('..');
const { throwsCode } = require('./support/expect');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');

describe('bad input', () => {
  let ctl;
  let exp;
  let imp;
  const held = tracker();
  beforeEach(async () => {
    ctl = held.add(rsm.getController(CONTROLLER));
    exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish();
    imp = held.add(await ctl.connect(1, id));
  });
  afterEach(() => held.release());

  it('rejects wrong argument types with TypeError', async () => {
    throwsCode(() => imp.put('0', new Uint8Array(1)), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.put(0, [1, 2, 3]), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.put(0, 'abc'), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.get(0, new ArrayBuffer(4)), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.get(0n, new Uint8Array(1)), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.map(null), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.map({ length: '4096' }), TypeError, 'ERR_INVALID_ARG_TYPE');
    await assert.rejects(ctl.connect('1', 5), TypeError);
    await assert.rejects(ctl.connect(1, 5, { permission: 'rw' }), TypeError);
  });

  it('rejects negative, fractional and huge offsets and lengths with RangeError', async () => {
    throwsCode(() => imp.put(-1, new Uint8Array(1)), RangeError, 'RSMERR_BAD_OFFSET');
    throwsCode(() => imp.get(0.5, new Uint8Array(1)), RangeError, 'RSMERR_BAD_OFFSET');
    throwsCode(() => imp.get(2 ** 60, new Uint8Array(1)), RangeError, 'RSMERR_BAD_OFFSET');
    throwsCode(() => imp.get(NaN, new Uint8Array(1)), RangeError, 'RSMERR_BAD_OFFSET');
    throwsCode(() => imp.read(0, -5), RangeError, 'RSMERR_BAD_LENGTH');
    throwsCode(() => imp.map({ offset: -PAGE, length: PAGE }), RangeError, 'RSMERR_BAD_OFFSET');
    await assert.rejects(ctl.connect(-1, 5), RangeError);
    await assert.rejects(ctl.connect(1, 2 ** 32), RangeError);
  });

  it('accepts any kind of view, at any offset into its buffer', () => {
    const backing = new ArrayBuffer(64);
    const view = new Uint8Array(backing, 7, 13);
    view.fill(9);
    imp.put(100, view);
    imp.put(200, new DataView(backing, 7, 13));
    assert.deepEqual(imp.read(100, 13), new Uint8Array(13).fill(9));
    assert.deepEqual(imp.read(200, 13), new Uint8Array(13).fill(9));
    imp.put(0, new Uint8Array(0));
    assert.equal(imp.read(0, 0).length, 0);
  });

  it('rejects a detached buffer', () => {
    const buf = new ArrayBuffer(8);
    const view = new Uint8Array(buf);
    structuredClone(buf, { transfer: [buf] });
    assert.throws(() => imp.put(0, view), TypeError);
  });

  it('refuses calls on foreign receivers and direct construction of native handles', () => {
    const nativeImport = imp.native;
    const proto = Object.getPrototypeOf(nativeImport);
    assert.throws(() => proto.map.call({}, 0, 1, 3, 0), { name: 'TypeError', message: /Illegal invocation/ });
    assert.throws(() => proto.map.call(exp.native, 0, 1, 3, 0), { name: 'TypeError', message: /Illegal invocation/ });
    assert.throws(() => Object.getPrototypeOf(ctl.native).attr.call(nativeImport), { name: 'TypeError', message: /Illegal invocation/ });
    assert.throws(() => new proto.constructor(), TypeError);
    assert.throws(() => new (Object.getPrototypeOf(exp.native).constructor)(), TypeError);
    assert.throws(() => rsm.ImportSegment.prototype.put.call({}, 0, new Uint8Array(1)), TypeError);
  });

  it('throws a typed error for every use after release, and release twice is a no-op', () => {
    imp.disconnect();
    imp.disconnect();
    for (const call of [
      () => imp.put(0, new Uint8Array(1)),
      () => imp.read(0, 1),
      () => imp.put32(0, new Uint32Array(1)),
      () => imp.map({ length: PAGE }),
      () => imp.setMode(0),
      () => imp.mode,
      () => imp.barrier.open(),
      () => imp.putv([{ local: new Uint8Array(1), remoteOffset: 0 }]),
      () => imp.getv([{ local: new Uint8Array(1), remoteOffset: 0 }]),
    ]) {
      throwsCode(call, Error, 'ERR_RSM_RELEASED');
    }
    assert.equal(imp.barrier.destroyed, true, 'disconnect destroys the barrier first');
    exp.destroy();
    throwsCode(() => exp.republish([]), Error, 'ERR_RSM_RELEASED');
    ctl.release();
    throwsCode(() => ctl.attributes(), Error, 'ERR_RSM_RELEASED');
  });

  it('gives every scatter/gather mistake a typed error, and lets a throwing getter\'s error through', () => {
    const local = new Uint8Array(8);
    throwsCode(() => imp.putv({ length: 1, 0: { local, remoteOffset: 0 } }), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.getv([null]), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.getv([{ local: lmNative(), remoteOffset: 0 }]), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.putv([{ local, remoteOffset: NaN }]), RangeError, 'RSMERR_BAD_OFFSET');
    throwsCode(() => imp.putv([{ local, remoteOffset: 0, localOffset: 1n }]), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => imp.putv([{ local, remoteOffset: 0, length: 9 }]), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => imp.putv([{ local, remoteOffset: 0 }], { signal: 1 }), TypeError, 'ERR_INVALID_ARG_TYPE');
    const mine = new Error('from the getter');
    assert.throws(() => imp.putv([{ local, get remoteOffset() { throw mine; } }]), (e) => e === mine);
    // A Proxy of an array is an array: read through its traps, it still works.
    assert.equal(imp.putv(new Proxy([{ local: Uint8Array.of(3), remoteOffset: 5 }], {})), 0);
    assert.deepEqual(imp.read(5, 1), Uint8Array.of(3));
  });

  /** The raw native handle of a LocalMemory, which the facade does not take for a LocalMemory. */
  function lmNative() {
    return held.add(ctl.createLocalMemory(PAGE)).native;
  }

  it('invalidates children when the controller is released first', () => {
    const m = imp.map({ length: PAGE });
    const view = m.bytes;
    ctl.release();
    assert.equal(view.length, 0, 'the mapping is detached before its memory goes away');
    assert.equal(m.unmapped, true);
    assert.equal(imp.disconnected, true);
    assert.equal(exp.destroyed, true);
    throwsCode(() => imp.read(0, 1), Error, 'ERR_RSM_RELEASED');
  });
  it('gives every mistake a code: view classes, huge reads, Proxies, odd objects, codeName, raw simFault', () => {
    const lm = held.add(ctl.createLocalMemory(PAGE));
    const mapping = imp.map({ offset: 0, length: PAGE });
    for (const owner of [exp, lm, mapping]) {
      for (const bad of [undefined, null, 7, 'Uint8Array', () => {}, Object, Map, ArrayBuffer]) {
        throwsCode(() => owner.view(bad), TypeError, 'ERR_INVALID_ARG_TYPE');
      }
      assert.equal(owner.view(Uint32Array).length, PAGE / 4);
      assert.equal(owner.view(DataView).byteLength, PAGE);
    }
    mapping.unmap();
    const odd = held.add(ctl.createLocalMemory(6));
    throwsCode(() => odd.view(Float64Array), RangeError, 'ERR_INVALID_ARG_VALUE');
    throwsCode(() => imp.read(0, 2 ** 40), RangeError, 'RSMERR_BAD_LENGTH');
    throwsCode(() => imp.read64(0, 2 ** 40), RangeError, 'RSMERR_BAD_LENGTH');
    const proxy = new Proxy(new Uint8Array(8), {});
    for (const call of [() => imp.put(0, proxy), () => imp.get(0, proxy), () => imp.put8(0, proxy), () => imp.get8(0, proxy),
      () => imp.put8(0, undefined), () => imp.get16(0, null), () => imp.put64(0, new Proxy(new BigUint64Array(1), {}))]) {
      throwsCode(call, TypeError, 'ERR_INVALID_ARG_TYPE');
    }
    const strange = { constructor: { name: Symbol('no name') } };
    throwsCode(() => imp.put(0, strange), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => rsm.getController(strange), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => ctl.createExport(Symbol('size')), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => rsm.codeName({}), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => rsm.codeName(Symbol('x')), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => rsm.codeName(1.5), RangeError, 'ERR_OUT_OF_RANGE');
    assert.equal(rsm.codeName(27), 'RSMERR_PERM_DENIED');
    for (const Class of [rsm.Controller, rsm.ExportSegment, rsm.ImportSegment, rsm.Mapping, rsm.Barrier, rsm.LocalMemory]) {
      throwsCode(() => new Class({}, ctl, 1, 1, 0o666), TypeError, 'ERR_ILLEGAL_CONSTRUCTOR');
      const otherKind = Class === rsm.ExportSegment ? imp.native : exp.native;
      throwsCode(() => new Class(otherKind, ctl, 1, 1, 0o666), TypeError, 'ERR_ILLEGAL_CONSTRUCTOR');
    }
    if (rsm.backend().name === 'sim') {
      const { binding } = require('../dist/binding');
      throwsCode(() => binding.simFault(1, 1, 1), TypeError, 'ERR_INVALID_ARG_TYPE');
      // The addon guards only its int cast; the simulator judges the node's range.
      throwsCode(() => binding.simFault('unreachable', 2 ** 40, 1), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCode(() => binding.simFault('unreachable', 99, 1), TypeError, 'ERR_INVALID_ARG_VALUE');
      throwsCode(() => binding.simFault('unreachable', 1, -1), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCode(() => binding.simFault('no_such_fault', 1, 1), TypeError, 'ERR_INVALID_ARG_VALUE');
    }
  });
});
