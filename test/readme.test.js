'use strict';
// The README's first example runs as pasted: its first code block, saved as
// first.mjs in a project that has rsmapi installed, run with `node first.mjs`.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { makeClusterDir, removeClusterDir, leftovers } = require('./support/cluster-dir');

const root = path.join(__dirname, '..');

/** The first ```js block after the heading `heading`. */
function codeAfter(heading) {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const at = readme.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `README has a "${heading}" section`);
  const m = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, `a js block follows "${heading}"`);
  return m[1];
}

describe('README', function () {
  this.timeout(60000);

  it('the first example runs as pasted: node 2 reads the greeting, node 1 the reply', () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'rsmapi-readme-'));
    const cluster = makeClusterDir('rsmapi-readme-');
    try {
      fs.mkdirSync(path.join(project, 'node_modules'));
      fs.symlinkSync(root, path.join(project, 'node_modules', 'rsmapi'), 'dir');
      fs.writeFileSync(path.join(project, 'first.mjs'), codeAfter('## First example'));
      const env = { ...process.env, RSM_SIM_DIR: cluster };
      delete env.RSM_SIM_NODE;
      const r = spawnSync(process.execPath, ['first.mjs'], { cwd: project, env, encoding: 'utf8', timeout: 30000 });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.deepEqual(r.stdout.trim().split('\n'), ['node 2 reads "hello"', 'node 1 reads "hi"']);
      assert.deepEqual(leftovers(cluster), []);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
      removeClusterDir(cluster);
    }
  });
});
