'use strict';
// `npm run bench`: runs every bench/*.bench.js in a process of its own (so
// one benchmark's JIT state, threads or leftovers cannot colour another's)
// and prints one table of what they report.
//
// A benchmark prints JSON lines on stdout, each
//   { "bench": "...", "implementation": "...", "median_us": n, "p99_us": n, "note": "..." }
// and anything else on stderr.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const only = process.argv.slice(2);
const files = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const rows = [];
let failed = 0;
for (const file of files) {
  process.stderr.write(`running ${file}...\n`);
  const r = spawnSync(process.execPath, [path.join(__dirname, file)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`${file} failed (exit ${r.status}, signal ${r.signal})\n`);
  }
  for (const line of r.stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      rows.push(JSON.parse(line));
    } catch {
      process.stderr.write(`${file}: not JSON: ${line}\n`);
    }
  }
}

const fmt = (v) => (typeof v === 'number' ? v.toFixed(2) : '');
const table = [['benchmark', 'implementation', 'median µs', 'p99 µs', 'note']].concat(
  rows.map((r) => [r.bench, r.implementation, fmt(r.median_us), fmt(r.p99_us), r.note ?? '']),
);
const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
const cpu = os.cpus()[0];
console.log(`\nNode ${process.version}, ${os.cpus().length} × ${cpu ? cpu.model : 'unknown CPU'}, ${os.platform()} ${os.release()}\n`);
for (const [i, row] of table.entries()) {
  console.log(row.map((c, k) => String(c).padEnd(widths[k])).join('  ').trimEnd());
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
process.exit(failed === 0 ? 0 : 1);
