'use strict';
// Rules of the driver and of the generic plug-in (docs/semantics.md §4.2,
// §4.3, §4.5, §4.7, §4.9, §4.10), through the facade on both backends, and
// in C by test/c/driver_rules.c (run at the end).
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const rsm = require('..');
const { throwsRsm, rejectsRsm } = require('./support/expect');
const { CONTROLLER, PAGE, pattern, tracker } = require('./support/fixtures');
const { Peer } = require('./support/peer-client');
const { runChild } = require('./support/child');
const { makeClusterDir, removeClusterDir, leftovers } = require('./support/cluster-dir');
const { withTopology } = require('./support/nodes');

const LOCAL = 1;
const held = tracker();

/** Runs `body` in a child that is `node` of the topology in `file`; returns its value or fails with its error. */
function inChild(file, node, body) {
  const r = runChild(body, { RSM_SIM_TOPOLOGY: file, RSM_SIM_NODE: String(node) });
  assert.equal(r.error, undefined, r.error && `${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** `await x` as 'ok' or the error's [code, syscall]. */
const OUTCOME = 'const outcome = async (f) => { try { await f(); return "ok"; } catch (e) { return [e.code, e.syscall]; } };';

describe('driver rules', () => {
  afterEach(() => held.release());

  describe('connect (§4.3)', () => {
    it('a remote importer reaches only segments published on its own interconnect: RSMERR_SEG_NOT_PUBLISHED', async () => {
      await withTopology(['node 1', 'node 2', 'controller 1 sci0', 'controller 1 sci1', 'controller 2 sci0',
        'controller 2 sci1', 'link 1 sci0 2 sci0', 'link 1 sci1 2 sci1'], async (file) => {
        const peer = await Peer.start({ node: 2, env: { RSM_SIM_TOPOLOGY: file } });
        try {
          await peer.call('getController', { name: 'loopback' });
          const [onLoopback] = await peer.call('publishMany', { size: PAGE, lists: [[]] });
          await peer.call('getController', { name: 'sci1' });
          const [onSci1] = await peer.call('publishMany', { size: PAGE, lists: [[]] });
          await peer.call('getController', { name: 'sci0' });
          const [onSci0] = await peer.call('publishMany', { size: PAGE, lists: [[]] });
          const value = inChild(file, 1, `${OUTCOME}
            const sci0 = rsm.getController('sci0'); const sci1 = rsm.getController('sci1');
            const out = {};
            for (const [name, c] of [['sci0', sci0], ['sci1', sci1]]) {
              for (const [where, id] of [['loopback', ${onLoopback}], ['sci0', ${onSci0}], ['sci1', ${onSci1}]]) {
                out[name + '->' + where] = await outcome(async () => (await c.connect(2, id)).disconnect());
              }
            }
            return out;`);
          const refused = ['RSMERR_SEG_NOT_PUBLISHED', 'rsm_memseg_import_connect'];
          assert.deepEqual(value, {
            'sci0->loopback': refused, 'sci0->sci0': 'ok', 'sci0->sci1': refused,
            'sci1->loopback': refused, 'sci1->sci0': refused, 'sci1->sci1': 'ok',
          });
          // On the exporter's own node the controller is not matched.
          const local = await peer.call('probe', { node: 2, requests: [onLoopback, onSci1, onSci0].map((segmentId) => ({
            segmentId, permission: rsm.Permission.RDWR })) });
          assert.deepEqual(local.map((r) => r.connect), ['ok', 'ok', 'ok']);
        } finally {
          await peer.stop();
        }
      });
    });

    it('no path to the node: RSMERR_INTERNAL_ERROR; a path that is down or cut: RSMERR_REMOTE_NODE_UNREACHABLE', async () => {
      await withTopology(['node 1', 'node 2', 'node 3', 'node 4', 'controller 1 sci0', 'controller 2 sci0',
        'controller 3 sci0', 'controller 4 sci1', 'link 1 sci0 2 sci0', 'link 1 sci0 3 sci0 state=4'], async (file) => {
        const value = inChild(file, 1, `${OUTCOME}
          const c = rsm.getController('sci0');
          const out = {};
          for (const node of [2, 3, 4, 9, 63, 64]) out[node] = await outcome(() => c.connect(node, 0x400000));
          rsm.sim.faults.setUnreachable(2);
          try { out.cut = await outcome(() => c.connect(2, 0x400000)); } finally { rsm.sim.faults.setUnreachable(2, false); }
          return out;`);
        const code = (c) => [c, 'rsm_memseg_import_connect'];
        assert.deepEqual(value, {
          2: code('RSMERR_SEG_NOT_PUBLISHED'), // the path works: the exporter answers
          3: code('RSMERR_REMOTE_NODE_UNREACHABLE'), // a path, not active
          4: code('RSMERR_INTERNAL_ERROR'), // in the cluster, but not linked to this controller
          9: code('RSMERR_INTERNAL_ERROR'), // not in the cluster
          63: code('RSMERR_INTERNAL_ERROR'),
          64: code('RSMERR_INTERNAL_ERROR'), // beyond any hardware address
          cut: code('RSMERR_REMOTE_NODE_UNREACHABLE'),
        });
      });
    });

    it('publish and republish naming a node the controller has no path to: RSMERR_INTERNAL_ERROR', async () => {
      await withTopology(['node 1', 'node 2', 'node 3', 'controller 1 sci0', 'controller 2 sci0', 'controller 3 sci0',
        'link 1 sci0 2 sci0 state=1'], async (file) => {
        const value = inChild(file, 1, `${OUTCOME}
          const c = rsm.getController('sci0');
          const out = {};
          const a = c.createExport(${PAGE});
          out.noPath = await outcome(() => a.publish({ accessList: [{ node: 2, permission: 0o666 }, { node: 3, permission: 0o666 }] }));
          out.beyond = await outcome(() => a.publish({ accessList: [{ node: 64, permission: 0o666 }] }));
          out.downPath = await outcome(() => a.publish({ accessList: [{ node: 1, permission: 0o666 }, { node: 2, permission: 0o444 }] }));
          out.republish = await outcome(() => a.republish([{ node: 3, permission: 0o666 }]));
          // The old list stays: node 1 is still in it (the new one leaves it out).
          out.kept = await outcome(async () => (await c.connect(1, a.segmentId)).disconnect());
          // Loopback knows no other node at all; its own node needs no path.
          out.loopback = await outcome(() => rsm.getController('loopback').createExport(${PAGE}).publish({ accessList: [{ node: 1, permission: 0o600 }] }));
          return out;`);
        const code = (c, f) => [c, `rsm_memseg_export_${f}`];
        assert.deepEqual(value, {
          noPath: code('RSMERR_INTERNAL_ERROR', 'publish'),
          beyond: code('RSMERR_INTERNAL_ERROR', 'publish'),
          downPath: 'ok',
          republish: code('RSMERR_INTERNAL_ERROR', 'republish'),
          kept: 'ok',
          loopback: 'ok',
        });
      });
    });
  });

  describe('local memory handles on a generic controller (§4.10)', () => {
    it('are surrogate segments published with an automatic id the local node can import', async () => {
      const ctl = held.add(rsm.getController(CONTROLLER));
      const before = await held.add(ctl.createExport(PAGE)).publish();
      const local = held.add(ctl.createLocalMemory(100));
      const after = await held.add(ctl.createExport(PAGE)).publish();
      assert.equal(after, before + 2, 'the handle took the automatic id between them');
      local.bytes.set(pattern(100, 3));
      const imp = held.add(await ctl.connect(LOCAL, before + 1));
      assert.deepEqual(imp.read(0, 100), pattern(100, 3));
      imp.read(PAGE - 1, 1); // the surrogate covers whole pages
      throwsRsm(() => imp.read(PAGE, 1), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_get');
      imp.disconnect();
      local.free();
      await rejectsRsm(ctl.connect(LOCAL, before + 1), 'RSMERR_SEG_NOT_PUBLISHED', 'rsm_memseg_import_connect');
      // Loopback handles are plain addresses: no id is taken.
      const lo = held.add(rsm.getController('loopback'));
      held.add(lo.createLocalMemory(PAGE));
      assert.equal(await held.add(ctl.createExport(PAGE)).publish(), after + 1);
    });

    it('move data to and from a remote segment with putv/getv', async () => {
      const ctl = held.add(rsm.getController(CONTROLLER));
      const peer = await Peer.start({ node: 2 });
      try {
        await peer.call('getController', { name: CONTROLLER });
        await peer.call('createExport', { size: PAGE });
        const id = await peer.call('publish', {});
        const imp = held.add(await ctl.connect(2, id));
        const local = held.add(ctl.createLocalMemory(3 * PAGE));
        local.bytes.set(pattern(64, 5), 2 * PAGE);
        imp.putv([{ local, localOffset: 2 * PAGE, remoteOffset: 8, length: 64 }]);
        assert.deepEqual(await peer.call('readExport', { at: 8, length: 64 }), Array.from(pattern(64, 5)));
        imp.getv([{ local, localOffset: 0, remoteOffset: 8, length: 64 }]);
        assert.deepEqual(local.bytes.subarray(0, 64), pattern(64, 5));
        imp.disconnect();
        await peer.call('release');
      } finally {
        await peer.stop();
      }
    });
  });

  describe('scatter/gather to a remote segment (§4.5)', () => {
    it('makes no user-level check: the node\'s grant decides', async () => {
      const ctl = held.add(rsm.getController(CONTROLLER));
      const peer = await Peer.start({ node: 2 });
      try {
        await peer.call('getController', { name: CONTROLLER });
        const [all, readOnly] = await peer.call('publishMany', { size: PAGE, lists: [
          [{ node: LOCAL, permission: 0o666 }], [{ node: LOCAL, permission: 0o444 }]] });
        const imp = held.add(await ctl.connect(2, all, { permission: rsm.Permission.READ }));
        assert.equal(imp.putv([{ local: Uint8Array.of(7, 8, 9), remoteOffset: 16 }]), 0);
        const back = new Uint8Array(3);
        imp.getv([{ local: back, remoteOffset: 16 }]);
        assert.deepEqual(back, Uint8Array.of(7, 8, 9));
        const ro = held.add(await ctl.connect(2, readOnly, { permission: rsm.Permission.READ }));
        throwsRsm(() => ro.putv([{ local: Uint8Array.of(1), remoteOffset: 0 }]), 'RSMERR_PERM_DENIED', 'rsm_memseg_import_putv');
        ro.getv([{ local: back, remoteOffset: 0 }]);
        imp.disconnect();
        ro.disconnect();
        await peer.call('release');
      } finally {
        await peer.stop();
      }
    });
  });

  describe('barriers after a forced disconnect (§4.7)', () => {
    it('a generic controller fails open and order once the mapping was used; loopback does not', async () => {
      for (const name of [CONTROLLER, 'loopback']) {
        const ctl = held.add(rsm.getController(name));
        const exp = held.add(ctl.createExport(PAGE));
        const id = await exp.publish(name === 'loopback' ? { accessList: [{ node: LOCAL, permission: 0o600 }] } : {});
        const imp = held.add(await ctl.connect(LOCAL, id));
        imp.setMode(rsm.BarrierMode.EXPLICIT);
        imp.put(0, Uint8Array.of(1));
        exp.unpublish();
        imp.barrier.open(); // the mapping was not used since
        imp.barrier.order();
        imp.put(0, Uint8Array.of(2)); // lands on the orphaned pages
        if (name === 'loopback') {
          imp.barrier.open();
          imp.barrier.order();
        } else {
          throwsRsm(() => imp.barrier.open(), 'RSMERR_BARRIER_OPEN_FAILED', 'rsm_memseg_import_open_barrier');
          throwsRsm(() => imp.barrier.order(), 'RSMERR_BARRIER_FAILURE', 'rsm_memseg_import_order_barrier');
        }
        throwsRsm(() => imp.barrier.close(), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
        // transaction() reports the lost connection, not a barrier to retry.
        assert.throws(() => imp.transaction(() => {}), (e) => e.code === 'RSMERR_CONN_ABORTED' && /connect\(\) again/.test(e.message));
        imp.disconnect();
        // A new connection starts clean.
        const id2 = await exp.publish(name === 'loopback' ? { accessList: [{ node: LOCAL, permission: 0o600 }] } : {});
        const again = held.add(await ctl.connect(LOCAL, id2));
        again.barrier.open();
        again.barrier.order();
        again.barrier.close();
      }
    });
  });

  describe('create and connect limits (§4.2)', () => {
    it('per-controller counts and totals are not enforced at create or connect', async () => {
      await withTopology(['node 1', `controller 1 sci0 max_export_segments=1 tot_export_segment_size=${PAGE} max_import_segments=1`],
        async (file) => {
          const value = inChild(file, 1, `
            const c = rsm.getController('sci0');
            const segs = [c.createExport(${PAGE}), c.createExport(${2 * PAGE}), c.createExport(${PAGE})];
            const id = await segs[0].publish();
            const imps = [await c.connect(1, id), await c.connect(1, id), await c.connect(1, id)];
            return [segs.length, imps.length];`);
          assert.deepEqual(value, [3, 3]);
        });
    });
  });

  describe('topology (§4.9)', () => {
    it('names a remote controller after the local driver and the remote instance', async () => {
      await withTopology(['node 1', 'node 2', 'node 3', 'controller 1 sci0', 'controller 1 wrsm0', 'controller 2 wrsm2',
        'controller 3 sci4', 'controller 3 sci0', 'link 1 sci0 2 wrsm2', 'link 1 sci0 3 sci0', 'link 1 wrsm0 3 sci4'], async (file) => {
        const value = inChild(file, 1, `return rsm.getTopology().controllers.map((c) => [c.name, c.remotes.map((r) => [r.node, r.name])]);`);
        assert.deepEqual(value, [['sci0', [[2, 'sci2'], [3, 'sci0']]], ['wrsm0', [[3, 'wrsm4']]]]);
      });
    });
  });

  it('holds in C, linked against librsmsim.so (test/c/driver_rules.c)', async () => {
    const program = path.join(process.env.RSMAPI_TEST_C_PROGRAMS || path.join(__dirname, '..', 'build', 'Release'), 'rsm_c_driver_rules');
    assert.ok(fs.existsSync(program), `${program} was not built`);
    const dir = makeClusterDir('rsmapi-c-');
    try {
      await withTopology(['node 1', 'node 2', 'node 3', 'controller 1 sci0', 'controller 1 sci1',
        `controller 1 sci5 max_export_segments=2 tot_export_segment_size=${3 * PAGE}`, 'controller 2 sci0',
        'controller 2 sci1', 'controller 2 sci5 max_import_segments=1', 'controller 3 wrsm7',
        'link 1 sci0 2 sci0', 'link 1 sci1 2 sci1', 'link 1 sci5 2 sci5', 'link 1 sci1 3 wrsm7 state=1'], async (file) => {
        const r = spawnSync(program, [], { env: { ...process.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: '1', RSM_SIM_TOPOLOGY: file },
          encoding: 'utf8', timeout: 30000 });
        assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /rsm_c_driver_rules: ok/);
      });
      assert.deepEqual(leftovers(dir), []);
    } finally {
      removeClusterDir(dir);
    }
  });
});
