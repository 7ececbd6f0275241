'use strict';
// The facade owns every check and message a user meets: each mistake below
// gives one error (class, code and message, written out here in full) on
// whatever backend is live. The suite runs this file on the simulator and on
// the native backend; the mistakes that need no controller are also made in
// a process whose native backend could not be loaded at all, where the
// facade must still answer first.
const assert = require('node:assert/strict');
const rsm = require('..');
const path = require('node:path');
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

// Scatter/gather mistakes: [what, entries, options, class, code, message],
// entries and options as source text. putv and getv answer alike.
const SCATTER_GATHER = [
  ['entries that are no array', 'null', 'undefined', 'TypeError', 'ERR_INVALID_ARG_TYPE', 'entries must be an array, got null'],
  ['no entries', '[]', 'undefined', 'RangeError', 'RSMERR_BAD_SGIO', 'entries must hold 1 to 16 entries, got 0'],
  ['17 entries', 'Array(17).fill({ local: new Uint8Array(1), remoteOffset: 0 })', 'undefined', 'RangeError', 'RSMERR_BAD_SGIO',
    'entries must hold 1 to 16 entries, got 17'],
  ['an entry that is no object', '[7]', 'undefined', 'TypeError', 'ERR_INVALID_ARG_TYPE', 'entries[0] must be an object { local, remoteOffset }'],
  ['an entry without local', '[{ remoteOffset: 0 }]', 'undefined', 'TypeError', 'ERR_INVALID_ARG_TYPE',
    'entries[0].local must be a LocalMemory or a TypedArray/DataView, got undefined (undefined)'],
  ['a local that is a string', "[{ local: 'x', remoteOffset: 0 }]", 'undefined', 'TypeError', 'ERR_INVALID_ARG_TYPE',
    'entries[0].local must be a LocalMemory or a TypedArray/DataView, got a string ("x")'],
  ['a local that is an ArrayBuffer', '[{ local: new ArrayBuffer(8), remoteOffset: 0 }]', 'undefined', 'TypeError', 'ERR_INVALID_ARG_TYPE',
    'entries[0].local must be a LocalMemory or a TypedArray/DataView, got an object (ArrayBuffer)'],
  ['a local that is a Proxy of a view', '[{ local: new Proxy(new Uint8Array(8), {}), remoteOffset: 0 }]', 'undefined', 'TypeError',
    'ERR_INVALID_ARG_TYPE', 'entries[0].local must be a LocalMemory or a TypedArray/DataView, got an object (Uint8Array)'],
  ['a view of a detached buffer', '(() => { const b = new ArrayBuffer(8); const v = new Uint8Array(b); structuredClone(b, { transfer: [b] }); '
    + 'return [{ local: new Uint8Array(8), remoteOffset: 0 }, { local: v, remoteOffset: 8 }]; })()', 'undefined', 'TypeError',
    'ERR_INVALID_ARG_TYPE', 'entries[1].local is a view of a detached ArrayBuffer'],
  ['no remoteOffset', '[{ local: new Uint8Array(8) }]', 'undefined', 'TypeError', 'ERR_INVALID_ARG_TYPE',
    'entries[0].remoteOffset must be a number, got undefined (undefined)'],
  ['a negative remoteOffset', '[{ local: new Uint8Array(8), remoteOffset: -1 }]', 'undefined', 'RangeError', 'RSMERR_BAD_OFFSET',
    'entries[0].remoteOffset must be between 0 and 9007199254740991, got -1'],
  ['a remoteOffset past 2^53', '[{ local: new Uint8Array(8), remoteOffset: 2 ** 53 }]', 'undefined', 'RangeError', 'RSMERR_BAD_OFFSET',
    'entries[0].remoteOffset must be between 0 and 9007199254740991, got 9007199254740992'],
  ['a negative localOffset', '[{ local: new Uint8Array(8), remoteOffset: 0, localOffset: -1 }]', 'undefined', 'RangeError',
    'RSMERR_BAD_LENGTH', 'entries[0].localOffset must be between 0 and 9007199254740991, got -1'],
  ['a fractional length', '[{ local: new Uint8Array(8), remoteOffset: 0, length: 1.5 }]', 'undefined', 'RangeError', 'RSMERR_BAD_LENGTH',
    'entries[0].length must be an integer, got 1.5'],
  ['a length that is a string', "[{ local: new Uint8Array(8), remoteOffset: 0, length: '8' }]", 'undefined', 'TypeError',
    'ERR_INVALID_ARG_TYPE', 'entries[0].length must be a number, got a string ("8")'],
  ['a localOffset past the local', '[{ local: new Uint8Array(8), remoteOffset: 0, localOffset: 9 }]', 'undefined', 'RangeError',
    'ERR_OUT_OF_RANGE', 'entries[0]: 0 bytes at local offset 9 run past the 8-byte local memory'],
  ['a second entry past its local', '[{ local: new Uint8Array(8), remoteOffset: 0 }, { local: new Uint8Array(8), remoteOffset: 8, localOffset: 2, length: 7 }]',
    'undefined', 'RangeError', 'ERR_OUT_OF_RANGE', 'entries[1]: 7 bytes at local offset 2 run past the 8-byte local memory'],
  ['options that are no object', '[{ local: new Uint8Array(8), remoteOffset: 0 }]', '1', 'TypeError', 'ERR_INVALID_ARG_TYPE',
    'options must be an object, got number (1)'],
  ['options.signal that is no boolean', '[{ local: new Uint8Array(8), remoteOffset: 0 }]', "({ signal: 'yes' })", 'TypeError',
    'ERR_INVALID_ARG_TYPE', 'options.signal must be a boolean, got a string ("yes")'],
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

  for (const [what, entries, options, className, code, message] of SCATTER_GATHER) {
    it(`putv/getv with ${what}: ${className} ${code}`, () => {
      for (const method of ['putv', 'getv']) {
        // eslint-disable-next-line no-new-func
        const call = new Function('imp', `return imp.${method}(${entries}, ${options});`);
        expectError(() => call(imp), globalThis[className], code, message);
      }
    });
  }

  it('putv/getv with a freed LocalMemory, named by the second entry: Error ERR_RSM_RELEASED', () => {
    const lm = ctl.createLocalMemory(PAGE);
    lm.free();
    for (const method of ['putv', 'getv']) {
      expectError(() => imp[method]([{ local: new Uint8Array(8), remoteOffset: 0 }, { local: lm, remoteOffset: 8 }]), Error,
        'ERR_RSM_RELEASED', 'entries[1].local is freed');
    }
  });

  it('the same scatter/gather errors where the native backend could not be loaded', () => {
    // No ImportSegment can exist without a backend, so the child calls the
    // facade's scatter/gather check as ImportSegment.putv does, with a
    // transfer that would report reaching the addon.
    const module = JSON.stringify(path.join(__dirname, '..', 'dist', 'scatter-gather.js'));
    const snippet = SCATTER_GATHER.map(([, entries, options]) => `
      try {
        require(${module}).withScatterGather(${entries}, ${options}, () => { throw new Error('reached the addon'); });
        out.push(null);
      } catch (e) {
        out.push({ name: e.name, code: e.code, message: e.message });
      }`).join('');
    const r = runChild(`
      let backendLive = true;
      try { rsm.getController(null).release(); } catch { backendLive = false; }
      const out = []; ${snippet};
      return { backendLive, out };`, { RSM_BACKEND: 'native', RSM_LIBRARY: '/nonexistent/librsm.so' });
    assert.equal(r.error, undefined, r.error && r.error.message);
    assert.equal(r.value.backendLive, false, 'the backend must really be unloadable in the child');
    SCATTER_GATHER.forEach(([what, , , className, code, message], i) => {
      assert.deepEqual(r.value.out[i], { name: className, code, message }, what);
    });
  });
});
