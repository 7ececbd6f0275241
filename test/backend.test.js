'use strict';
// Backend selection: which implementation is live, and clear errors when the
// one asked for cannot be had. Each case loads the package in a fresh process
// with its own environment.
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const rsm = require('..');

const root = path.join(__dirname, '..');
const simLibrary = path.join(root, 'build', 'Release', 'librsmsim.so');

/** Loads rsmapi in a child with `env`, runs `body` there and returns its JSON result. */
function inChild(env, body) {
  const script = `
    const rsm = require(${JSON.stringify(root)});
    const out = {};
    try { ${body} } catch (e) { out.error = { name: e.name, code: e.code, message: e.message }; }
    process.stdout.write(JSON.stringify(out));`;
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { env: childEnv, encoding: 'utf8' }));
}

describe('backend selection', () => {
  it('reports the live backend, as this run asked for it', () => {
    const info = rsm.backend();
    const requested = process.env.RSM_BACKEND ?? 'auto';
    assert.equal(info.requested, requested);
    if (requested === 'native') {
      assert.equal(info.name, 'native');
      assert.equal(info.library, process.env.RSM_LIBRARY);
    } else if (requested === 'sim') {
      assert.equal(info.name, 'sim');
      assert.equal(info.library, '');
    }
    assert.ok(info.reason.length > 0);
  });

  it('falls back to the simulator under auto when no librsm exists, and says why', () => {
    const out = inChild({ RSM_BACKEND: undefined, RSM_LIBRARY: '/nonexistent/librsm.so.2' }, 'out.info = rsm.backend();');
    assert.equal(out.info.requested, 'auto');
    assert.equal(out.info.name, 'sim');
    assert.match(out.info.reason, /nonexistent\/librsm\.so\.2/);
  });

  it('uses the native backend under auto when the library opens', () => {
    const out = inChild({ RSM_BACKEND: undefined, RSM_LIBRARY: simLibrary }, 'out.info = rsm.backend();');
    assert.equal(out.info.name, 'native');
    assert.equal(out.info.library, simLibrary);
  });

  it('names the missing library when native is required and cannot be opened', () => {
    const out = inChild(
      { RSM_BACKEND: 'native', RSM_LIBRARY: '/nonexistent/librsm.so.2' },
      'out.info = rsm.backend(); rsm.getController("sci0");',
    );
    assert.equal(out.info.name, 'none');
    assert.match(out.info.reason, /nonexistent\/librsm\.so\.2/);
    assert.equal(out.error.code, 'ERR_RSM_BACKEND_UNAVAILABLE');
    assert.match(out.error.message, /nonexistent\/librsm\.so\.2/);
  });

  it('names the missing symbol when the library lacks an entry point', () => {
    // libc opens fine but has no rsm_* symbols.
    const out = inChild({ RSM_BACKEND: 'native', RSM_LIBRARY: 'libc.so.6' }, 'out.info = rsm.backend(); rsm.getController("sci0");');
    assert.equal(out.info.name, 'none');
    assert.match(out.info.reason, /rsm_get_controller/);
    assert.equal(out.error.code, 'ERR_RSM_BACKEND_UNAVAILABLE');
  });

  it('rejects an unknown RSM_BACKEND value by name', () => {
    const out = inChild({ RSM_BACKEND: 'bogus' }, 'out.info = rsm.backend(); rsm.getController("sci0");');
    assert.match(out.info.reason, /bogus/);
    assert.equal(out.error.code, 'ERR_RSM_BACKEND_UNAVAILABLE');
  });

  it('rejects a malformed RSM_SIM_NODE with RSMERR_BAD_CONF naming the variable', () => {
    for (const bad of ['abc', '-1', '99999999999', '']) {
      const out = inChild({ RSM_SIM_NODE: bad }, 'rsm.getController("sci0");');
      assert.equal(out.error && out.error.code, 'RSMERR_BAD_CONF', `RSM_SIM_NODE=${JSON.stringify(bad)}: ${JSON.stringify(out)}`);
      assert.match(out.error.message, /RSM_SIM_NODE/);
    }
  });

  it('rejects a node id that the topology does not have', () => {
    const out = inChild({ RSM_SIM_NODE: '50' }, 'rsm.getController("sci0");');
    assert.equal(out.error.code, 'RSMERR_BAD_CONF');
    assert.match(out.error.message, /50/);
  });
});
