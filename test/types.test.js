'use strict';
// The published declarations (types/) say what the package does: tsc compiles
// test/types/usage.ts against them, where each refused use is marked
// @ts-expect-error (so a declaration that accepts it fails the compile).
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

describe('the published declarations', function () {
  this.timeout(120000);

  it('type-check the uses of test/types/usage.ts and refuse the ones it marks', () => {
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'commonjs',
      '--moduleResolution', 'node', '--types', 'node', '--lib', 'es2022,esnext.disposable', path.join(__dirname, 'types', 'usage.ts')], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
  });

  it('leave out what is marked @internal', () => {
    const declarations = fs.readFileSync(path.join(root, 'types', 'controller.d.ts'), 'utf8');
    assert.doesNotMatch(declarations, /\bnative\b\s*:/);
    assert.match(declarations, /createExport\(/);
  });
});
