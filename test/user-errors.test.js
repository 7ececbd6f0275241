'use strict';
// The facade owns every check and message a user meets: each mistake below
// gives one error (class, code and message, written out here in full) on
// whatever backend is live. The suite runs this file on the simulator and on
// the native backend; the mistakes that need no controller are also made in
// a process whose native backend could not be loaded at all, where the
// facade must still answer first.
const assert = require('node:assert/strict');
const rsm = require('..');
const { runChild } = require('./support/child');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');

const LOCAL_NODE = 1;

function expectError(fn, ErrorClass, code, message) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof ErrorClass, `expected ${ErrorClass.name}, got ${e && e.stack}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.message, message);
    return true;
  });
}

// Mistakes that need no handle: [what, snippet, class, code, message].
const WITHOUT_HANDLES = [
  ['a controller name that is no string', 'rsm.getController(5)', 'TypeError', 'ERR_INVALID_ARG_TYPE', 'name must be a string or null, got number (5)'],
  ['a controller name with NUL', "rsm.getController('sci\\u00000')", 'TypeError', 'ERR_INVALID_ARG_VALUE', 'name must not contain NUL characters'],
  ['a controller name of 256 bytes', "rsm.getController('x'.repeat(256))", 'RangeError', 'ERR_OUT_OF_RANGE', 'name must be at most 255 bytes long, got 256'],
  ['an appid that is no string', 'rsm.segmentIdRange(5)', 'TypeError', 'ERR_INVALID_ARG_TYPE', 'appid must be a string, got number (5)'],
  ['an appid with NUL', "rsm.segmentIdRange('a\\u0000b')", 'TypeError', 'ERR_INVALID_ARG_VALUE', 'appid must not contain NUL characters'],
];

describe('user-facing errors, the same on every backend', () => {
  const held = tracker();
  let ctl;
  let imp;
  let mapping;
  before(async () => {
    ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    const imp0 = held.add(await ctl.connect(LOCAL_NODE, await exp.publish()));
    imp = imp0;
    mapping = held.add(imp.map({ length: PAGE }));
  });
  after(() => held.release());

  for (const [what, snippet, className, code, message] of WITHOUT_HANDLES) {
    it(`${what}: ${className} ${code}`, () => {
      // eslint-disable-next-line no-new-func
      expectError(new Function('rsm', snippet).bind(null, rsm), globalThis[className], code, message);
    });
  }

  it('the same errors where the native backend could not be loaded', () => {
    for (const [what, snippet, className, code, message] of WITHOUT_HANDLES) {
      const r = runChild(`${snippet};`, { RSM_BACKEND: 'native', RSM_LIBRARY: '/nonexistent/librsm.so' });
      assert.deepEqual(r.error && { name: r.error.name, code: r.error.code, message: r.error.message }, { name: className, code, message }, what);
    }
  });

  it('createExport: 0, 1000, a page and a byte, 2^41 and 1.5 are one mistake, told the same way', () => {
    for (const size of [0, 1000, PAGE + 1, 2 ** 41, 1.5, -PAGE]) {
      expectError(() => ctl.createExport(size), RangeError, 'RSMERR_BAD_LENGTH',
        `size must be a positive multiple of the page size (${rsm.pageSize}), at most 2^40, got ${size}`);
    }
    expectError(() => ctl.createExport('4096'), TypeError, 'ERR_INVALID_ARG_TYPE', 'size must be a number, got a string ("4096")');
  });

  it('createLocalMemory: sizes outside 1 to 2^40', () => {
    for (const size of [0, 2 ** 41]) {
      expectError(() => ctl.createLocalMemory(size), RangeError, 'RSMERR_BAD_LENGTH', `size must be between 1 and ${2 ** 40}, got ${size}`);
    }
  });

  it('mapping.read past the window: RangeError RSMERR_BAD_OFFSET', () => {
    expectError(() => mapping.read(PAGE - 1, new Uint8Array(2)), RangeError, 'RSMERR_BAD_OFFSET',
      `reading 2 bytes at ${PAGE - 1} runs past the ${PAGE}-byte mapping`);
  });

  it('scatter/gather entries: count and local bounds', () => {
    expectError(() => imp.putv([]), RangeError, 'RSMERR_BAD_SGIO', 'entries must hold 1 to 16 entries, got 0');
    const local = new Uint8Array(8);
    expectError(() => imp.getv([{ local, localOffset: 4, length: 8, remoteOffset: 0 }]), RangeError, 'ERR_OUT_OF_RANGE',
      'entries[0]: 8 bytes at local offset 4 run past the 8-byte local memory');
    expectError(() => imp.putv([{ local: 'x', remoteOffset: 0 }]), TypeError, 'ERR_INVALID_ARG_TYPE',
      'entries[0].local must be a LocalMemory or a TypedArray/DataView, got a string ("x")');
  });
});
