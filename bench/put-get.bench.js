'use strict';
// The cost of one put/get of a single element: rsmapi's public API
// (put32(offset, Uint32Array.of(v)) and its number form store32(offset, v)),
// the same C function called through koffi, an empty N-API call (raw and
// node-addon-api) and a C loop over librsmsim.so as the floor; and
// putv/getv of 1 and of 16 entries of 64 bytes, whose fixed cost is set
// beside the single put and a 64-byte put/get. Each (operation ×
// implementation) runs in a process of its own.
const c = require('./support/common');

const CALLS = Number(process.env.BENCH_CALLS || 1e6);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 15);
const OPS = ['put8', 'put16', 'put32', 'put64', 'get8', 'get16', 'get32', 'get64'];
const BENCH = (op) => `${op} 1 element`;
// putv/getv of 1 or 16 entries of VECTOR bytes each (the 16 share one
// local array), and put/get of VECTOR bytes beside them; rsmapi only (koffi
// has no struct of iovecs to pass, and the C floor of a copy this small is
// the put's).
const VECTOR = 64;
const VECTOR_OPS = ['putv 1', 'getv 1', 'putv 16', 'getv 16', 'put 1', 'get 1'];

const ARRAYS = { 8: Uint8Array, 16: Uint16Array, 32: Uint32Array, 64: BigUint64Array };
const one = (bits) => (bits === 64 ? BigUint64Array.of(1n) : ARRAYS[bits].of(1));
// Offsets walk the first page, aligned to the width, as in the C loop.
const mask = (bits) => 4095 & ~(bits / 8 - 1);

async function vectorChild(op) {
  const [name, countText] = op.split(' ');
  const count = Number(countText);
  const seg = await c.rsmapiSegment(4096);
  const local = new Uint8Array(VECTOR * count);
  const entries = Array.from({ length: count }, (_, i) => ({ local, localOffset: i * VECTOR, remoteOffset: i * VECTOR, length: VECTOR }));
  seg.imp.put(0, local);  // the implicit mapping exists
  const vector = name.endsWith('v');
  const run = makeLoop(seg.imp, name, vector ? entries : local, 0, 0, vector ? 'arg' : '0, arg');
  // Fewer calls per round for the long vector, so a round stays short.
  const time = c.timeLoop(run, count > 1 ? CALLS / 10 : CALLS, ROUNDS);
  seg.close();
  const bench = vector ? `${name} ${count} × ${VECTOR} B` : `${name} ${VECTOR} B`;
  const note = vector
    ? `${name}([${count} × { local, localOffset, remoteOffset, length: ${VECTOR} }]) over one Uint8Array of ${VECTOR * count}`
    : `${name}(0, Uint8Array of ${VECTOR})`;
  c.report(bench, 'rsmapi', time, note);
}

async function child(impl, op) {
  if (VECTOR_OPS.includes(op)) return vectorChild(op);
  const put = op.startsWith('put');
  const bits = Number(op.slice(3));
  const width = bits / 8;
  const m = mask(bits);
  const data = impl === 'empty' ? Uint32Array.of(1) : one(bits);
  let run;
  let close = () => {};
  let note = '';
  if (impl === 'rsmapi' || impl === 'rsmapi number') {
    const seg = await c.rsmapiSegment(4096);
    close = () => seg.close();
    if (impl === 'rsmapi') {
      note = `${op}(offset, ${data.constructor.name} of 1)`;
      run = makeLoop(seg.imp, op, data, width, m);
    } else {
      const name = `${put ? 'store' : 'load'}${bits}`;
      note = put ? `${name}(offset, ${bits === 64 ? 'bigint' : 'number'})` : `${name}(offset)`;
      run = makeLoop(seg.imp, name, put ? (bits === 64 ? 1n : 1) : undefined, width, m);
    }
  } else if (impl === 'koffi') {
    const seg = c.koffiSegment(4096);
    close = () => seg.close();
    const fn = seg.api[op];
    const h = seg.handle;
    note = `koffi ${require('koffi').version}, ${op}(handle, offset, ${data.constructor.name} of 1, 1)`;
    run = (n) => {
      for (let i = 0; i < n; i++) if (fn(h, (i * width) & m, data, 1) !== 0) throw new Error(`${op} failed`);
    };
  } else {
    const addon = c.emptyAddon();
    const fn = addon[op];
    note = { rawEmpty: 'a function that reads nothing', rawArgs: 'reads its 2 arguments (napi_get_cb_info)', addonApiEmpty: 'Napi::Function' }[op];
    run = (n) => { for (let i = 0; i < n; i++) fn(i, data); };
  }
  const time = c.timeLoop(run, CALLS, ROUNDS);
  close();
  const bench = impl === 'empty' ? 'empty call' : BENCH(op);
  const label = impl === 'empty' ? { rawEmpty: 'raw N-API', rawArgs: 'raw N-API, 2 args read', addonApiEmpty: 'node-addon-api' }[op] : impl;
  c.report(bench, label, time, note);
}

// A loop calling imp.<name>(...) as a program would, the name written into
// the source so the call site is an ordinary monomorphic property call.
function makeLoop(imp, name, arg, width, m, argsText) {
  const args = argsText ?? (arg === undefined ? '(i * w) & m' : '(i * w) & m, arg');
  // eslint-disable-next-line no-new-func
  return new Function('imp', 'arg', 'w', 'm', `return (n) => { for (let i = 0; i < n; i++) imp.${name}(${args}); };`)(imp, arg, width, m);
}

function parent() {
  for (const fn of ['rawEmpty', 'rawArgs', 'addonApiEmpty']) c.inChild(__filename, ['child', 'empty', fn]);
  for (const op of OPS) {
    for (const impl of ['rsmapi', 'rsmapi number', 'koffi']) c.inChild(__filename, ['child', impl, op]);
  }
  for (const op of VECTOR_OPS) c.inChild(__filename, ['child', 'rsmapi', op]);
  const prog = c.buildC('transfer_floor');
  if (!prog) {
    for (const op of OPS) console.log(JSON.stringify({ bench: BENCH(op), implementation: 'C', note: 'skipped: no C compiler or librsmsim.so' }));
    return;
  }
  try {
    for (const r of c.runC(prog.exe, ['scalar', String(ROUNDS), String(CALLS * 5)])) {
      c.report(BENCH(r.bench), 'C', { median: r.median / 1000, p99: r.p99 / 1000 }, 'a C loop calling the function in librsmsim.so');
    }
  } finally {
    prog.dispose();
  }
}

if (process.argv[2] === 'child') {
  child(process.argv[3], process.argv[4]).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  parent();
}
