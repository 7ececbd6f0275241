'use strict';
// Hostile and malformed configuration from the environment: each is refused
// with an error naming the variable and the problem, never a crash, a hang
// or a silent default (RSM_SIM_FAULTS: faults.test.js; RSM_BACKEND and
// basic RSM_SIM_NODE values: backend.test.js).
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runChild } = require('./support/child');

const CONNECT = `const c = rsm.getController('sci0'); c.release(); return 'ok';`;

function refused(env, variable, why) {
  const r = runChild(CONNECT, env);
  assert.ok(r.error, `expected a refusal, got ${JSON.stringify(r)}`);
  assert.equal(r.error.code, 'RSMERR_BAD_CONF', r.error.message);
  assert.ok(r.error.message.includes(variable), `names ${variable}: ${r.error.message}`);
  if (why) assert.match(r.error.message, why);
}

describe('bad configuration from the environment', function () {
  this.timeout(60000);
  let tmp;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rsmapi-badenv-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function file(name, content) {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, content);
    return p;
  }

  describe('RSM_SIM_DIR', () => {
    it('a regular file', () => refused({ RSM_SIM_DIR: file('plain', 'x') }, 'RSM_SIM_DIR', /not a directory|cannot create/));
    it('under a regular file', () => refused({ RSM_SIM_DIR: path.join(file('plain2', 'x'), 'sub') }, 'RSM_SIM_DIR', /cannot create/));
    it('a missing parent directory', () => refused({ RSM_SIM_DIR: path.join(tmp, 'no', 'such', 'dir') }, 'RSM_SIM_DIR', /cannot create/));
    it('empty', () => refused({ RSM_SIM_DIR: '' }, 'RSM_SIM_DIR', /empty/));
    it('a path longer than the system allows', () => refused({ RSM_SIM_DIR: path.join(tmp, 'x'.repeat(5000)) }, 'RSM_SIM_DIR', /cannot create/));
    it('a directory inside /proc', () => refused({ RSM_SIM_DIR: '/proc/self/rsm' }, 'RSM_SIM_DIR'));
    it('a directory holding a registry of the wrong size', () => {
      const dir = path.join(tmp, 'wrong-registry');
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'fabric'), crypto.randomBytes(4096));
      const r = runChild(CONNECT, { RSM_SIM_DIR: dir });
      assert.equal(r.error.code, 'RSMERR_BAD_CONF', JSON.stringify(r));
      assert.match(r.error.message, /incompatible layout/);
    });
    it('a directory whose registry is a directory', () => {
      const dir = path.join(tmp, 'registry-dir');
      fs.mkdirSync(path.join(dir, 'fabric'), { recursive: true });
      const r = runChild(CONNECT, { RSM_SIM_DIR: dir });
      assert.equal(r.error.code, 'RSMERR_BAD_CONF', JSON.stringify(r));
      assert.match(r.error.message, /fabric/);
    });
  });

  describe('RSM_SIM_NODE', () => {
    for (const bad of ['64', '-1', '1e3', '99999999999999999999999', ' 1', '1 ', '0x01', '+1', '1.0', '\u0661']) {
      it(`refuses ${JSON.stringify(bad)}`, () => refused({ RSM_SIM_NODE: bad }, 'RSM_SIM_NODE'));
    }
  });

  describe('RSM_SIM_TOPOLOGY', () => {
    const cases = {
      'a missing file': () => path.join(tmp, 'missing.topo'),
      'a directory': () => tmp,
      'an empty file': () => file('empty.topo', ''),
      'only comments': () => file('comments.topo', '# nothing\n\n   # here\n'),
      'binary garbage': () => file('garbage.topo', crypto.randomBytes(64 * 1024)),
      'a 10 MB file of garbage lines': () => file('huge.topo', 'nodes everywhere\n'.repeat(10 * 1024 * 1024 / 16)),
      'a node declared twice': () => file('dup.topo', 'node 1\nnode 1\n'),
      'a node id out of range': () => file('range.topo', 'node 64\n'),
      'a huge node id': () => file('huge-id.topo', 'node 184467440737095516160\n'),
      'a negative node id': () => file('neg.topo', 'node -1\n'),
      'a link to an undeclared node': () => file('link.topo', 'node 1\ncontroller 1 sci0\nlink 1 sci0 2 sci0\n'),
      'a link to an undeclared controller': () => file('link2.topo', 'node 1\nnode 2\ncontroller 1 sci0\nlink 1 sci0 2 sci0\n'),
      'a controller of an undeclared node': () => file('ctl.topo', 'node 1\ncontroller 3 sci0\n'),
      'an unknown attribute': () => file('attr.topo', 'node 1\ncontroller 1 sci0 speed=9\n'),
      'an attribute that is not a number': () => file('attr2.topo', 'node 1\ncontroller 1 sci0 page_size=big\n'),
      'an attribute too large for 64 bits': () => file('attr3.topo', 'node 1\ncontroller 1 sci0 page_size=99999999999999999999999\n'),
      'a bad link state': () => file('state.topo', 'node 1\nnode 2\ncontroller 1 sci0\ncontroller 2 sci0\nlink 1 sci0 2 sci0 state=9\n'),
      'an unknown statement': () => file('stmt.topo', 'node 1\nrm -rf /\n'),
      'the built-in loopback controller': () => file('lo.topo', 'node 1\ncontroller 1 loopback\n'),
      'a NUL byte inside a line': () => file('nul.topo', 'node 1\u0000junk\n'),
    };
    for (const [what, make] of Object.entries(cases)) {
      it(`refuses ${what}`, () => refused({ RSM_SIM_TOPOLOGY: make() }, 'RSM_SIM_TOPOLOGY'));
    }
    it('accepts a well-formed file that lacks this node, and says so by name', () =>
      refused({ RSM_SIM_TOPOLOGY: file('other.topo', 'node 5\ncontroller 5 sci0\n') }, 'RSM_SIM_NODE', /not a node of the topology/));
  });

  describe('RSM_LIBRARY', () => {
    for (const [what, make] of Object.entries({
      'a file of garbage': () => file('garbage.so', crypto.randomBytes(8192)),
      'a directory': () => tmp,
      'a relative name that does not exist': () => 'librsm-does-not-exist.so',
    })) {
      it(`names ${what} when the native backend is required`, () => {
        const r = runChild(CONNECT, { RSM_BACKEND: 'native', RSM_LIBRARY: make() });
        assert.equal(r.error.code, 'ERR_RSM_BACKEND_UNAVAILABLE', JSON.stringify(r));
        assert.ok(r.error.message.length > 0);
      });
    }
  });
});
