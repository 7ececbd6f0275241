'use strict';
// The raw native surface (imp.native) is reachable from user code, so it
// must hold on its own: putv/getv read every entry's JavaScript values
// (getters and Proxy traps run user code) before resolving any of them to
// memory, and check the handle's state after that. A getter that frees,
// destroys, unmaps, detaches or disconnects what an earlier entry named gets
// a typed error, never a transfer into freed memory.
const assert = require('node:assert/strict');
const rsm = require('..');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');

/** An entry whose `length` getter runs `act` once, then reports `length`. */
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
      const entries = [
        { local: victim, localOffset: 0, remoteOffset: 0, length: 64 },
        hostile(new Uint8Array(8), 8, () => structuredClone(buf, { transfer: [buf] })),
      ];
      throwsCoded(() => imp.native.access().getv(entries, 0), TypeError, 'ERR_INVALID_ARG_TYPE');
      assert.equal(buf.byteLength, 0);
    });

    it('refuses a LocalMemory that a later getter frees', () => {
      const lm = ctl.createLocalMemory(PAGE);
      const entries = [
        { local: lm.native, localOffset: 0, remoteOffset: 0, length: PAGE },
        hostile(new Uint8Array(8), 8, () => lm.free()),
      ];
      throwsCoded(() => imp.native.access().getv(entries, 0), Error, 'ERR_RSM_RELEASED');
      throwsCoded(() => imp.native.access().putv(entries, 0), Error, 'ERR_RSM_RELEASED');
    });

    it('refuses an export segment view that a later getter destroys', async () => {
      const other = held.add(ctl.createExport(PAGE));
      const view = other.bytes;
      const entries = [
        { local: view, localOffset: 0, remoteOffset: 0, length: PAGE },
        hostile(new Uint8Array(8), 8, () => other.destroy()),
      ];
      throwsCoded(() => imp.native.access().getv(entries, 0), TypeError, 'ERR_INVALID_ARG_TYPE');
    });

    it('refuses a mapping view that a later getter unmaps', async () => {
      const exp2 = held.add(ctl.createExport(PAGE));
      const id2 = await exp2.publish();
      const node = rsm.getTopology().localNode;
      const imp2 = held.add(await ctl.connect(controllerName === 'loopback' ? node : 1, id2));
      const mapping = imp2.map({ offset: 0, length: PAGE });
      const view = mapping.bytes;
      assert.equal(view.length, PAGE);
      const entries = [
        { local: view, localOffset: 0, remoteOffset: 0, length: PAGE },
        hostile(new Uint8Array(8), 8, () => mapping.unmap()),
      ];
      throwsCoded(() => imp.native.access().getv(entries, 0), TypeError, 'ERR_INVALID_ARG_TYPE');
      assert.equal(view.length, 0);
    });

    it('refuses when a getter disconnects the import itself', () => {
      const target = new Uint8Array(16);
      const entries = [hostile(target, 16, () => imp.disconnect())];
      throwsCoded(() => imp.native.access().getv(entries, 0), Error, 'ERR_RSM_RELEASED');
      assert.deepEqual(target, new Uint8Array(16));
    });

    it('refuses when a getter releases the controller (import and local memory with it)', () => {
      const lm = ctl.createLocalMemory(PAGE);
      const entries = [
        { local: lm.native, localOffset: 0, remoteOffset: 0, length: 8 },
        hostile(new Uint8Array(8), 8, () => ctl.release()),
      ];
      throwsCoded(() => imp.native.access().putv(entries, 0), Error, 'ERR_RSM_RELEASED');
    });

    it('reads Proxy entries through their traps first, then refuses what a trap freed', () => {
      const lm = ctl.createLocalMemory(PAGE);
      let trapped = 0;
      const proxy = new Proxy(
        { local: new Uint8Array(4), localOffset: 0, remoteOffset: 0, length: 4 },
        {
          get(target, key) {
            if (key === 'local' && trapped++ === 0) lm.free();
            return target[key];
          },
        },
      );
      const entries = [{ local: lm.native, localOffset: 0, remoteOffset: 0, length: 8 }, proxy];
      throwsCoded(() => imp.native.access().getv(entries, 0), Error, 'ERR_RSM_RELEASED');
      assert.equal(trapped, 1);
    });

    it('refuses a Proxy standing for a typed array, and for the entry list', () => {
      const local = new Proxy(new Uint8Array(8), {});
      throwsCoded(() => imp.native.access().getv([{ local, localOffset: 0, remoteOffset: 0, length: 8 }], 0), TypeError,
        'ERR_INVALID_ARG_TYPE');
      const list = new Proxy([{ local: new Uint8Array(8), localOffset: 0, remoteOffset: 0, length: 8 }], {});
      throwsCoded(() => imp.native.access().getv(list, 0), TypeError, 'ERR_INVALID_ARG_TYPE');
    });

    it('still moves data when getters only read', () => {
      const target = new Uint8Array(8);
      const n = imp.native.access().getv([hostile(target, 8, () => {})], 0);
      assert.equal(n, 0);
      assert.deepEqual(target, new Uint8Array(8).fill(0x5a));
    });
  });
}
