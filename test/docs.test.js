'use strict';
// The API reference builds (TypeDoc, as `npm run docs`) with every public
// symbol documented: the configuration turns an undocumented symbol into a
// failure, which the second case shows on a file made to lack a comment.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const typedoc = path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');

function runTypedoc(options, cwd = root) {
  return spawnSync(process.execPath, [typedoc, '--options', options, '--emit', 'none'], {
    cwd,
    encoding: 'utf8',
    timeout: 120000,
  });
}

describe('API documentation', function () {
  this.timeout(120000);

  it('documents every public symbol of lib/index.ts', () => {
    const r = runTypedoc(path.join(root, 'typedoc.json'));
    assert.equal(r.status, 0, `typedoc failed:\n${r.stdout}${r.stderr}`);
  });

  it('fails on an undocumented public symbol', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsmapi-docs-'));
    try {
      fs.writeFileSync(path.join(dir, 'index.ts'), '/** Documented. */\nexport function documented(): void {}\nexport function bare(): void {}\n');
      fs.writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { strict: true, types: [] }, files: ['index.ts'] }),
      );
      // The package's settings, over this file instead of lib/.
      fs.writeFileSync(
        path.join(dir, 'typedoc.json'),
        JSON.stringify({ extends: [path.join(root, 'typedoc.json')], entryPoints: ['index.ts'], tsconfig: 'tsconfig.json' }),
      );
      const r = runTypedoc(path.join(dir, 'typedoc.json'), dir);
      assert.notEqual(r.status, 0, 'typedoc accepted an undocumented export');
      assert.match(r.stdout + r.stderr, /bare.*does not have any documentation/);
      assert.doesNotMatch(r.stdout + r.stderr, /documented \(Function\).*does not have/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
