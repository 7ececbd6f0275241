'use strict';
// The documentation site (`npm run docs`): the API of both entry points,
// the guide pages and the semantics document, with links to the sources.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');

describe('documentation site', function () {
  this.timeout(300000);

  it('has the guides, the semantics document, both entry points and source links', function () {
    // Nothing here depends on the backend: the simulator run is enough.
    if (process.env.RSM_BACKEND === 'native') this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsmapi-site-'));
    try {
      const json = path.join(dir, 'site.json');
      const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--json', json, '--out', path.join(dir, 'html')], {
        cwd: root,
        encoding: 'utf8',
        timeout: 280000,
      });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      const site = JSON.parse(fs.readFileSync(json, 'utf8'));
      assert.deepEqual(
        site.documents.map((d) => d.name),
        ['Getting started', 'The simulator', 'Testing a cluster app in CI', 'Fault injection', 'Observing a cluster', 'semantics'],
      );
      assert.deepEqual(site.children.map((c) => c.name).sort(), ['index', 'testing']);
      const testing = site.children.find((c) => c.name === 'testing');
      const start = testing.children.find((c) => c.name === 'startCluster');
      assert.match(start.sources[0].url, /\/lib\/testing\.ts#L\d+$/);
      for (const page of ['Getting_started', 'The_simulator', 'Testing_a_cluster_app_in_CI', 'Fault_injection', 'Observing_a_cluster', 'semantics']) {
        assert.ok(fs.existsSync(path.join(dir, 'html', 'documents', `${page}.html`)), page);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
