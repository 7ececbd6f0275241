'use strict';
// getController() with no name: the first interconnect controller the
// topology lists for this node (a cluster program works unchanged), and
// loopback only on a node whose topology lists none. The facade chooses, so
// both backends behave alike.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const rsm = require('..');
const { runChild } = require('./support/child');
const { CONTROLLER, PAGE } = require('./support/fixtures');

describe('the default controller', () => {
  it('is the first controller the topology lists: an export on node 1 made with it is importable from node 2', async () => {
    assert.equal(rsm.getTopology().controllers[0].name, CONTROLLER);
    for (const c of [rsm.getController(), rsm.getController(null)]) {
      try {
        assert.equal(c.name, CONTROLLER);
        assert.equal(c.attributes().pageSize, PAGE);
        const exp = c.createExport(PAGE);
        exp.bytes.set([7, 8, 9]);
        const id = await exp.publish();
        const r = runChild(`const imp = await rsm.getController().connect(1, ${id});
          const got = Array.from(imp.read(0, 3)); imp.disconnect(); return got;`, { RSM_SIM_NODE: '2' });
        assert.deepEqual(r, { value: [7, 8, 9] });
      } finally {
        c.release();
      }
    }
  });

  it('follows the topology\'s order, and is loopback on a node whose topology lists no controller', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsmapi-default-'));
    try {
      const file = path.join(dir, 'topology');
      fs.writeFileSync(file, 'node 1\nnode 2\nnode 3\ncontroller 1 wrsm4\ncontroller 1 sci0\ncontroller 2 sci0\n');
      const body = 'const c = rsm.getController(); const out = { name: c.name, page: c.attributes().pageSize }; c.release(); return out;';
      assert.deepEqual(runChild(body, { RSM_SIM_TOPOLOGY: file, RSM_SIM_NODE: '1' }).value.name, 'wrsm4');
      assert.deepEqual(runChild(body, { RSM_SIM_TOPOLOGY: file, RSM_SIM_NODE: '3' }), { value: { name: 'loopback', page: 8 } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
