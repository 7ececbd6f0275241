'use strict';
// Runs a snippet of JavaScript in a fresh node process with extra
// environment (for settings the simulator reads once per process, such as
// RSM_SIM_TOPOLOGY and RSM_SIM_SEGMENTID_FILE). The snippet is the body of
// an async function given `rsm`; what it returns comes back as JSON, and a
// thrown error comes back as { error: { name, code, syscall, message } }.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');

function runChild(body, env = {}) {
  const script = `
    const rsm = require(${JSON.stringify(root)});
    (async () => { ${body} })().then(
      (value) => process.stdout.write(JSON.stringify({ value: value === undefined ? null : value })),
      (e) => process.stdout.write(JSON.stringify({ error: { name: e.name, code: e.code, syscall: e.syscall, message: e.message } })),
    );`;
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status} ${r.signal ?? ''}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

module.exports = { runChild };
