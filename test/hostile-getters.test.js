'use strict';
// The raw native surface (imp.native) is reachable from user code, so it
// must hold on its own. Its putv/getv take the request flat (count, a
// Float64Array of rows, the locals the rows name, flags): the rows are
// copied first, then every named local is read (an element of the array may
// be a getter, which runs user code) before any is resolved to memory, and
// the handle's state is checked after that. A getter that frees, destroys,
// unmaps, detaches or disconnects what an earlier local named gets a typed
// error, never a transfer into freed memory. Through the facade the same
// getters sit on the entries, and the facade reads every entry before it
// looks at any local memory, so it answers first.
const assert = require('node:assert/strict');
const rsm = require('..');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');

/** Rows of (local index, local offset, remote offset, length). */
function table(...rows) {
  return Float64Array.from(rows.flat());
}

/** `values` as an array whose element `at` is a getter running `act` once first. */
function withGetter(values, at, act) {
  const list = [...values];
  let ran = false;
  Object.defineProperty(list, at, {
    get() {
      if (!ran) {
        ran = true;
        act();
      }
      return values[at];
    },
  });
  return list;
}

/** A facade entry whose `length` getter runs `act` once, then reports `length`. */
function hostile(local, length, act) {
  let ran = false;
  return {
    local,
    localOffset: 0,
    remoteOffset: 0,
    get length() {
      if (!ran) {
        ran = true;
        act();
      }
      return length;
    },
  };
}

function throwsCoded(fn, ErrorClass, code) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof ErrorClass, `expected ${ErrorClass.name}, got ${e && e.stack}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

for (const controllerName of ['loopback', CONTROLLER]) {
  describe(`raw putv/getv with hostile getters (${controllerName})`, () => {
    const held = tracker();
    let ctl;
    let exp;
    let imp;
    beforeEach(async () => {
      ctl = held.add(rsm.getController(controllerName));
      exp = held.add(ctl.createExport(4 * PAGE));
      const id = await exp.publish();
      const node = rsm.getTopology().localNode;
      imp = held.add(await ctl.connect(controllerName === 'loopback' ? node : 1, id));
      exp.bytes.fill(0x5a);
    });
    afterEach(() => held.release());

    it('refuses a plain view whose ArrayBuffer a later getter transfers away', () => {
      const buf = new ArrayBuffer(64);
      const victim = new Uint8Array(buf);
      const locals = withGetter([victim, new Uint8Array(8)], 1, () => structuredClone(buf, { transfer: [buf] }));
      throwsCoded(() => imp.native.access().getv(2, table([0, 0, 0, 64], [1, 0, 64, 8]), locals, 0), TypeError, 'ERR_INVALID_ARG_TYPE');
      assert.equal(buf.byteLength, 0);
    });

    it('refuses a LocalMemory that a later getter frees', () => {
      const lm = ctl.createLocalMemory(PAGE);
      const rows = table([0, 0, 0, PAGE], [1, 0, 0, 8]);
      const locals = withGetter([lm.native, new Uint8Array(8)], 1, () => lm.free());
      throwsCoded(() => imp.native.access().getv(2, rows, locals, 0), Error, 'ERR_RSM_RELEASED');
      throwsCoded(() => imp.native.access().putv(2, rows, [lm.native, new Uint8Array(8)], 0), Error, 'ERR_RSM_RELEASED');
    });

    it('refuses an export segment view that a later getter destroys', async () => {
      const other = held.add(ctl.createExport(PAGE));
      const locals = withGetter([other.bytes, new Uint8Array(8)], 1, () => other.destroy());
      throwsCoded(() => imp.native.access().getv(2, table([0, 0, 0, PAGE], [1, 0, 0, 8]), locals, 0), TypeError,
        'ERR_INVALID_ARG_TYPE');
    });

    it('refuses a mapping view that a later getter unmaps', async () => {
      const exp2 = held.add(ctl.createExport(PAGE));
      const id2 = await exp2.publish();
      const node = rsm.getTopology().localNode;
      const imp2 = held.add(await ctl.connect(controllerName === 'loopback' ? node : 1, id2));
      const mapping = imp2.map({ offset: 0, length: PAGE });
      const view = mapping.bytes;
      assert.equal(view.length, PAGE);
      const locals = withGetter([view, new Uint8Array(8)], 1, () => mapping.unmap());
      throwsCoded(() => imp.native.access().getv(2, table([0, 0, 0, PAGE], [1, 0, 0, 8]), locals, 0), TypeError,
        'ERR_INVALID_ARG_TYPE');
      assert.equal(view.length, 0);
    });

    it('refuses when a getter disconnects the import itself', () => {
      const target = new Uint8Array(16);
      const locals = withGetter([target], 0, () => imp.disconnect());
      throwsCoded(() => imp.native.access().getv(1, table([0, 0, 0, 16]), locals, 0), Error, 'ERR_RSM_RELEASED');
      assert.deepEqual(target, new Uint8Array(16));
    });

    it('refuses when a getter releases the controller (import and local memory with it)', () => {
      const lm = ctl.createLocalMemory(PAGE);
      const locals = withGetter([lm.native, new Uint8Array(8)], 1, () => ctl.release());
      throwsCoded(() => imp.native.access().putv(2, table([0, 0, 0, 8], [1, 0, 0, 8]), locals, 0), Error, 'ERR_RSM_RELEASED');
    });

    it('copies the rows before any getter runs: detaching the table changes nothing', () => {
      const rows = table([0, 0, 8, 4]);
      const target = new Uint8Array(4);
      const n = imp.native.access().getv(1, rows, withGetter([target], 0, () => structuredClone(rows.buffer, { transfer: [rows.buffer] })), 0);
      assert.equal(n, 0);
      assert.equal(rows.length, 0);
      assert.deepEqual(target, new Uint8Array(4).fill(0x5a));
    });

    it('refuses rows outside their local, rows naming a local not given, and malformed tables', () => {
      const acc = imp.native.access();
      const local = new Uint8Array(8);
      throwsCoded(() => acc.getv(1, table([0, 4, 0, 8]), local, 0), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCoded(() => acc.getv(1, table([1, 0, 0, 8]), local, 0), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCoded(() => acc.getv(1, table([1, 0, 0, 8]), [local], 0), TypeError, 'ERR_INVALID_ARG_TYPE');
      throwsCoded(() => acc.getv(1, table([0, -1, 0, 8]), local, 0), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCoded(() => acc.getv(1, table([0, 0.5, 0, 4]), local, 0), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCoded(() => acc.getv(1, table([0, NaN, 0, 4]), local, 0), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCoded(() => acc.getv(2, table([0, 0, 0, 4]), local, 0), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCoded(() => acc.getv(17, new Float64Array(68), local, 0), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCoded(() => acc.getv(1, Uint32Array.of(0, 0, 0, 4), local, 0), TypeError, 'ERR_INVALID_ARG_TYPE');
      throwsCoded(() => acc.getv(1, [0, 0, 0, 4], local, 0), TypeError, 'ERR_INVALID_ARG_TYPE');
      throwsCoded(() => acc.getv(1, table([0, 0, 0, 4]), {}, 0), TypeError, 'ERR_INVALID_ARG_TYPE');
      assert.equal(acc.getv(1, table([0, 0, 0, 8]), local, 0), 0);
      assert.deepEqual(local, new Uint8Array(8).fill(0x5a));
    });

    it('refuses a Proxy standing for a typed array, and for the locals array', () => {
      const acc = imp.native.access();
      throwsCoded(() => acc.getv(1, table([0, 0, 0, 8]), new Proxy(new Uint8Array(8), {}), 0), TypeError, 'ERR_INVALID_ARG_TYPE');
      throwsCoded(() => acc.getv(1, table([0, 0, 0, 8]), new Proxy([new Uint8Array(8)], {}), 0), TypeError, 'ERR_INVALID_ARG_TYPE');
    });

    it('still moves data when getters only read', () => {
      const target = new Uint8Array(8);
      const n = imp.native.access().getv(1, table([0, 0, 0, 8]), withGetter([target], 0, () => {}), 0);
      assert.equal(n, 0);
      assert.deepEqual(target, new Uint8Array(8).fill(0x5a));
    });

    it('through the facade: a getter that frees or detaches an earlier entry\'s local meets the facade\'s check', () => {
      const lm = ctl.createLocalMemory(PAGE);
      throwsCoded(() => imp.getv([{ local: lm, remoteOffset: 0, length: 8 }, hostile(new Uint8Array(8), 8, () => lm.free())]),
        Error, 'ERR_RSM_RELEASED');
      assert.throws(() => imp.getv([{ local: lm, remoteOffset: 0 }]), { message: 'entries[0].local is freed' });
      const buf = new ArrayBuffer(64);
      const victim = new Uint8Array(buf);
      assert.throws(() => imp.getv([{ local: victim, remoteOffset: 0 }, hostile(new Uint8Array(8), 8, () => structuredClone(buf, { transfer: [buf] }))]),
        { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'entries[0].local is a view of a detached ArrayBuffer' });
    });

    it('through the facade: a putv started from a getter leaves the outer request intact', () => {
      const outer = new Uint8Array(8).fill(1);
      const inner = Uint8Array.of(7, 7, 7, 7);
      const n = imp.putv([
        { local: outer, remoteOffset: 0 },
        hostile(outer, 8, () => imp.putv([{ local: inner, remoteOffset: 100 }, { local: inner, remoteOffset: 200 }])),
      ]);
      assert.equal(n, 0);
      assert.deepEqual(imp.read(0, 8), outer);
      assert.deepEqual(imp.read(100, 4), inner);
      assert.deepEqual(imp.read(200, 4), inner);
    });
  });
}
