'use strict';
// `npm run bench`: runs every bench/*.bench.js in a process of its own (so
// one benchmark's JIT state, threads or leftovers cannot colour another's)
// and prints one table of what they report.
//
// A benchmark prints JSON lines on stdout, each
//   { "bench": "...", "implementation": "...", "median_us": n, "p99_us": n, "note": "..." }
// (bulk copies add "bytes" and "median_gbs") and anything else on stderr.
//
//   npm run bench [-- [--compare <results.json>] [name...]]
//
// Prints the table and the ratios between implementations measured in this
// run (bench/support/targets.js), and writes everything, with the machine,
// to bench/results/<timestamp>.json; --compare sets a saved run beside it.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { ratios, verdict } = require('./support/targets');

const args = process.argv.slice(2);
let compareWith;
const at = args.indexOf('--compare');
if (at >= 0) {
  if (!args[at + 1]) {
    process.stderr.write('--compare needs a results file\n');
    process.exit(2);
  }
  compareWith = JSON.parse(fs.readFileSync(args[at + 1], 'utf8'));
  args.splice(at, 2);
}
const only = args;
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

// Times in the unit that keeps three significant digits readable.
function fmt(us) {
  if (typeof us !== 'number') return '';
  if (us < 1) return `${(us * 1000).toFixed(1)} ns`;
  if (us < 1000) return `${us.toFixed(2)} µs`;
  return `${(us / 1000).toFixed(2)} ms`;
}
const gbs = (r) => (typeof r.median_gbs === 'number' ? r.median_gbs.toFixed(2) : '');

function print(table) {
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
  for (const [i, row] of table.entries()) {
    console.log(row.map((c, k) => String(c).padEnd(widths[k])).join('  ').trimEnd());
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

const cpu = os.cpus()[0];
const machine = {
  cpu: cpu ? cpu.model : 'unknown CPU',
  cores: os.cpus().length,
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};
console.log(`\nNode ${machine.node}, ${machine.cores} × ${machine.cpu}, ${machine.platform}\n`);
const previous = new Map((compareWith?.rows ?? []).map((r) => [`${r.bench}\0${r.implementation}`, r]));
const header = ['benchmark', 'implementation', 'median', 'p99', 'GB/s'];
if (compareWith) header.push('before', 'change');
header.push('note');
print([header].concat(rows.map((r) => {
  const row = [r.bench, r.implementation, fmt(r.median_us), fmt(r.p99_us), gbs(r)];
  if (compareWith) {
    const old = previous.get(`${r.bench}\0${r.implementation}`);
    const change = old && typeof old.median_us === 'number' && typeof r.median_us === 'number'
      ? `${((r.median_us / old.median_us - 1) * 100).toFixed(1)}%` : '';
    row.push(old ? fmt(old.median_us) : '', change);
  }
  row.push(r.note ?? '');
  return row;
})));

const computed = ratios(rows);
console.log('\nRatios (medians of this run)\n');
print([['ratio', 'value', 'target']].concat(computed.map((r) => [r.name, r.value === undefined ? '' : r.value.toFixed(2), verdict(r)])));

const resultsDir = path.join(__dirname, 'results');
fs.mkdirSync(resultsDir, { recursive: true });
const file = path.join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, rows, ratios: computed }, null, 2) + '\n');
console.log(`\nresults: ${path.relative(process.cwd(), file)}${compareWith ? ` (compared with the run of ${compareWith.date})` : ''}`);
process.exit(failed === 0 ? 0 : 1);
