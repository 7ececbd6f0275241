'use strict';
// The ratios `npm run bench` prints, each from rows of the same run, and
// the target each is held to. A ratio whose rows are missing is reported as
// such, never guessed.

const OPS = ['put8', 'put16', 'put32', 'put64', 'get8', 'get16', 'get32', 'get64'];
const BULK = ['1 MiB', '64 MiB'];

function find(rows, bench, implementation) {
  return rows.find((r) => r.bench === bench && r.implementation === implementation && typeof r.median_us === 'number');
}

function ratios(rows) {
  const out = [];
  const add = (name, value, limit, kind, how) => out.push({ name, value, limit, kind, how });
  const time = (b, i) => find(rows, b, i)?.median_us;
  const gbs = (b, i) => find(rows, b, i)?.median_gbs;
  const div = (a, b) => (a === undefined || b === undefined ? undefined : a / b);

  const raw = time('empty call', 'raw N-API');
  const rawArgs = time('empty call', 'raw N-API, 2 args read');
  for (const op of OPS) {
    const b = `${op} 1 element`;
    const ours = time(b, 'rsmapi');
    add(`${op}: rsmapi / empty raw N-API call`, div(ours, raw), 1.5, 'max', 'time ratio');
    add(`${op}: rsmapi / raw N-API call reading its 2 arguments`, div(ours, rawArgs), 1.5, 'max', 'time ratio (reference)');
    add(`${op}: rsmapi / koffi`, div(ours, time(b, 'koffi')), 0.5, 'max', 'time ratio');
    add(`${op}: rsmapi / C loop`, div(ours, time(b, 'C')), undefined, 'max', 'time ratio (reference)');
  }
  for (const op of ['putv', 'getv']) {
    const single = time(`${op.slice(0, 3)} 64 B`, 'rsmapi');
    add(`${op} 1 × 64 B: rsmapi / ${op.slice(0, 3)} 64 B`, div(time(`${op} 1 × 64 B`, 'rsmapi'), single), undefined, 'max', 'time ratio (reference)');
    add(`${op} 16 × 64 B: rsmapi / ${op.slice(0, 3)} 64 B`, div(time(`${op} 16 × 64 B`, 'rsmapi'), single), undefined, 'max', 'time ratio (reference)');
  }
  for (const size of BULK) {
    const b = `bulk ${size}`;
    const floor = gbs(b, 'C memcpy');
    for (const impl of ['rsmapi put', 'rsmapi get', 'rsmapi putv', 'rsmapi getv']) {
      add(`${b}: ${impl} / C memcpy`, div(gbs(b, impl), floor), 0.8, 'min', 'bandwidth ratio');
    }
  }
  for (const r of rows.filter((x) => x.implementation === 'mapped view')) {
    const plain = time(r.bench, 'plain ArrayBuffer');
    add(`${r.bench}: mapped view / plain ArrayBuffer`, div(r.median_us, plain), 1.1, 'max', 'time ratio');
  }
  const node = time('signal one-way latency', 'Node ↔ Node (facade, uv_poll)');
  const cc = time('signal one-way latency', 'C ↔ C (librsmsim.so, poll)');
  const turn = time('signal one-way latency', 'setImmediate round trip');
  add('signal one-way: Node / (2 × C + one event-loop turn)', node === undefined || cc === undefined || turn === undefined ? undefined : node / (2 * cc + turn), 1, 'max', 'time ratio');
  out.push(...require('../channel-targets').channelRatios(rows));
  return out;
}

function verdict(r) {
  if (r.value === undefined) return 'no data';
  if (r.limit === undefined) return '';
  const ok = r.kind === 'max' ? r.value <= r.limit : r.value >= r.limit;
  return `${ok ? 'met' : 'MISSED'} (${r.kind === 'max' ? '≤' : '≥'} ${r.limit})`;
}

module.exports = { ratios, verdict };
