'use strict';
// Reading and writing a mapped segment from JavaScript through a typed view
// (the mapping's external ArrayBuffer), next to the same loop over a plain
// ArrayBuffer of the same size. Each (operation × implementation) runs in a
// process of its own.
const c = require('./support/common');

const SIZES = [64 << 10, 16 << 20];
const ROUNDS = Number(process.env.BENCH_ROUNDS || 15);
const label = (n) => (n >= 1 << 20 ? `${n / (1 << 20)} MiB` : `${n / 1024} KiB`);
const reps = (n) => Math.max(2, Math.floor((64 << 20) / n));

// The loops under test, the same code for both kinds of memory.
function sum(words) {
  let s = 0;
  for (let i = 0; i < words.length; i++) s = (s + words[i]) | 0;
  return s;
}
function fill(words, v) {
  for (let i = 0; i < words.length; i++) words[i] = v + i;
}

async function child(impl, op) {
  const n = Number(process.argv[5]);
  let words;
  let close = () => {};
  if (impl === 'mapped view') {
    const seg = await c.rsmapiSegment(n);
    const mapping = seg.imp.map({ length: n });
    words = mapping.view(Uint32Array);
    close = () => seg.close();
  } else {
    words = new Uint32Array(new ArrayBuffer(n));
  }
  fill(words, 1);  // touch every page first
  let sink = 0;
  const run = op === 'read'
    ? (k) => { for (let i = 0; i < k; i++) sink ^= sum(words); }
    : (k) => { for (let i = 0; i < k; i++) fill(words, i); };
  const time = c.timeLoop(run, reps(n), ROUNDS, 3);
  close();
  if (sink === 0.5) console.error(sink);  // keeps the reads alive
  c.report(`${op} loop ${label(n)}`, impl, time,
    `${op === 'read' ? 'sum of' : 'store to'} every element of a Uint32Array over ${impl === 'mapped view' ? 'an explicit mapping' : 'new ArrayBuffer()'}`, n);
}

function parent() {
  for (const n of SIZES) {
    for (const op of ['read', 'write']) {
      for (const impl of ['mapped view', 'plain ArrayBuffer']) c.inChild(__filename, ['child', impl, op, String(n)]);
    }
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
