'use strict';
// Typed views with an offset and a length, and a topology JSON.stringify can write.
const assert = require('node:assert/strict');
const rsm = require('..');
const { throwsCode } = require('./support/expect');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');

describe('view(Type, offset, length) and getTopology() as JSON', () => {
  const held = tracker();
  afterEach(() => held.release());

  it('view(Type, offset, length) shows that part of the memory, and refuses what does not fit', () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    const words = exp.view(Uint32Array, 8, 4);
    assert.equal(words.length, 4);
    assert.equal(words.byteOffset, 8);
    words[0] = 0x01020304;
    assert.deepEqual([...exp.bytes.subarray(8, 12)], [4, 3, 2, 1]);
    assert.equal(exp.view(Uint16Array, PAGE - 2).length, 1, 'the rest of the memory by default');
    assert.equal(exp.view(DataView, 1, 3).byteLength, 3);
    const local = held.add(ctl.createLocalMemory(PAGE));
    assert.equal(local.view(Float64Array, 16, 2).length, 2);
    throwsCode(() => exp.view(Uint32Array, 2), RangeError, 'ERR_INVALID_ARG_VALUE');
    throwsCode(() => exp.view(Uint32Array, 8, PAGE), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => exp.view(Uint8Array, PAGE + 1), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => exp.view(Uint8Array, -1), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => exp.view(Uint8Array, 0, '1'), TypeError, 'ERR_INVALID_ARG_TYPE');
    exp.destroy();
    assert.equal(exp.view(Uint32Array, 8, 4).length, 0, 'empty once the memory is gone');
  });

  it('getTopology() survives JSON.stringify, hardware addresses as hex strings', () => {
    const topology = rsm.getTopology();
    const json = JSON.parse(JSON.stringify(topology));
    assert.equal(json.localNode, topology.localNode);
    assert.equal(json.controllers.length, topology.controllers.length);
    assert.ok(topology.controllers.length > 0, 'the default topology lists a controller');
    topology.controllers.forEach((c, i) => {
      assert.equal(json.controllers[i].name, c.name);
      assert.equal(BigInt(json.controllers[i].hwaddr), c.hwaddr);
      c.remotes.forEach((r, k) => assert.deepEqual(json.controllers[i].remotes[k], { ...r, hwaddr: `0x${r.hwaddr.toString(16)}` }));
    });
    assert.deepEqual(Object.keys(topology), ['localNode', 'controllers'], 'toJSON is not enumerable');
  });
});
