'use strict';
// How `rsm` writes numbers and tables, shared by its commands.

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
function table(headers, rows, { header = true } = {}) {
  const all = header ? [headers, ...rows] : rows;
  const widths = headers.map((_h, i) => Math.max(...all.map((r) => String(r[i]).length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : String(cell).padEnd(widths[i]))).join('  ')).join('\n');
}

/** A permission as chmod writes it: 0640. */
function octal(n) {
  return `0${n.toString(8).padStart(3, '0')}`;
}

/** A 64-bit address or a segment id: 0x…. */
function hex(v) {
  return `0x${BigInt(v).toString(16)}`;
}

module.exports = { table, octal, hex };
