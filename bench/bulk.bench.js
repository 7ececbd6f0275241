'use strict';
// Bulk copies between a typed array and a segment: put/get and putv/getv
// through rsmapi, next to C memcpy and the same librsmsim.so put/get called
// from C, and TypedArray.prototype.set between two plain arrays in
// JavaScript. Sizes 64 B, 4 KiB, 1 MiB and 64 MiB; pages are touched before
// timing. Each implementation runs in a process of its own.
const c = require('./support/common');

const SIZES = [64, 4096, 1 << 20, 64 << 20];
const ROUNDS = Number(process.env.BENCH_ROUNDS || 9);
const LARGEST = SIZES[SIZES.length - 1];
const label = (n) => (n >= 1 << 20 ? `${n / (1 << 20)} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} B`);
const BENCH = (n) => `bulk ${label(n)}`;
// Enough copies per round that a round moves at least 128 MiB.
const reps = (n) => Math.max(2, Math.floor((128 << 20) / n));

function filled(n, v) {
  const a = new Uint8Array(n);
  a.fill(v);
  return a;
}

async function child(impl) {
  if (impl === 'JS TypedArray.set') {
    for (const n of SIZES) {
      const src = filled(n, 1);
      const dst = filled(n, 2);
      const time = c.timeLoop((k) => { for (let i = 0; i < k; i++) dst.set(src); }, reps(n), ROUNDS, 2);
      c.report(BENCH(n), impl, time, 'between two plain Uint8Arrays', n);
    }
    return;
  }
  const seg = await c.rsmapiSegment(LARGEST);
  const imp = seg.imp;
  seg.exp.bytes.fill(3);
  try {
    for (const n of SIZES) {
      const local = filled(n, 1);
      imp.put(0, local);  // the implicit mapping exists and its pages are touched
      const entries = [{ local, remoteOffset: 0 }];
      let run;
      if (impl === 'rsmapi put') run = (k) => { for (let i = 0; i < k; i++) imp.put(0, local); };
      else if (impl === 'rsmapi get') run = (k) => { for (let i = 0; i < k; i++) imp.get(0, local); };
      else if (impl === 'rsmapi putv') run = (k) => { for (let i = 0; i < k; i++) imp.putv(entries); };
      else run = (k) => { for (let i = 0; i < k; i++) imp.getv(entries); };
      const time = c.timeLoop(run, reps(n), ROUNDS, 2);
      c.report(BENCH(n), impl, time, `${impl.slice(7)}(…, Uint8Array of ${label(n)})`, n);
    }
  } finally {
    seg.close();
  }
}

function parent() {
  for (const impl of ['rsmapi put', 'rsmapi get', 'rsmapi putv', 'rsmapi getv', 'JS TypedArray.set']) {
    c.inChild(__filename, ['child', impl]);
  }
  const prog = c.buildC('transfer_floor');
  if (!prog) return;
  try {
    for (const r of c.runC(prog.exe, ['bulk', String(ROUNDS), ...SIZES.map(String)])) {
      const [what, bytes] = r.bench.split(' ');
      const n = Number(bytes);
      const impl = what === 'memcpy' ? 'C memcpy' : `C rsm ${what}`;
      // The C program reports GB/s; the table wants time per copy as well.
      const us = (gbs) => n / gbs / 1000;
      c.report(BENCH(n), impl, { median: us(r.median), p99: us(r.p99) },
        what === 'memcpy' ? 'between two plain buffers' : `rsm_memseg_import_${what} from C`, n);
    }
  } finally {
    prog.dispose();
  }
}

if (process.argv[2] === 'child') {
  child(process.argv[3]).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  parent();
}
