'use strict';
// Processes of the cluster killed with SIGKILL at awkward moments: the
// survivors get the errors docs/semantics.md gives for a vanished peer, promptly (all
// waits here are bounded), the cluster directory is left with no file of the
// dead, its registry is left consistent (nothing awaits cleanup, the
// lock is free), and the dead exporter's segment id can be published again.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const rsm = require('..');
const { throwsRsm, rejectsRsm, rsmCode, eventually: waitFor } = require('./support/expect');
const { CONTROLLER, PAGE, freshSegmentId, tracker } = require('./support/fixtures');
const { Peer } = require('./support/peer-client');
const { runChild } = require('./support/child');

// Survivors must see a crash within this long.
const PROMPT_MS = 3000;
let crashes = 0;

const eventually = (check, what) => waitFor(check, what, PROMPT_MS);

async function kill(peer) {
  const { signal } = await peer.stop({ signal: 'SIGKILL' });
  assert.equal(signal, 'SIGKILL');
  crashes++;
}

/** The registry as the built-in simulator reads it, from a fresh process (works under either backend). */
function registry() {
  const r = runChild('return rsm.sim.snapshot();', { RSM_BACKEND: 'sim' });
  if (r.error) throw new Error(`snapshot failed: ${r.error.message}`);
  return r.value;
}

/** Files a node's processes left in the cluster directory: segment files and doorbells. */
function filesOf(node, { exportEntries = [] } = {}) {
  const dir = process.env.RSM_SIM_DIR;
  return fs.readdirSync(dir).filter((f) => f.startsWith(`seg-${node}-`) || exportEntries.some((e) => f.startsWith(`sig-e${e}-`)));
}

/** Nothing of the dead remains: no process awaiting cleanup, no segment of the node, no file of it. */
function assertReclaimed(node) {
  const snap = registry();
  assert.deepEqual(snap.processes.filter((p) => !p.alive), [], 'no dead process awaits cleanup');
  assert.deepEqual(snap.segments.filter((s) => s.node === node), [], `node ${node} has no segment left`);
  assert.deepEqual(filesOf(node), [], `node ${node} left no segment file`);
}

describe('crashes (SIGKILL) of cluster processes', function () {
  this.timeout(60000);
  const held = tracker();
  let ctl;
  const peers = [];
  async function startPeer(node) {
    const p = await Peer.start({ node });
    peers.push(p);
    await p.call('getController', { name: CONTROLLER });
    return p;
  }
  beforeEach(() => {
    ctl = held.add(rsm.getController(CONTROLLER));
  });
  afterEach(async () => {
    while (peers.length > 0) await peers.pop().stop();
    held.release();
  });
  after(() => {
    console.log(`      (${crashes} processes killed with SIGKILL, every survivor recovered)`);
  });

  /** A peer on node 2 exporting a page under a fresh id. */
  async function exporter(id = freshSegmentId()) {
    const p = await startPeer(2);
    await p.call('createExport', { size: PAGE });
    await p.call('fillExport', { at: 0, bytes: [0xa5] });
    assert.equal(await p.call('publish', { segmentId: id }), id);
    return { peer: p, id };
  }

  it('exporter killed while two importers (this process and another) have it mapped; ten times over, reusing the id', async () => {
    const id = freshSegmentId();
    const other = await startPeer(3);
    for (let round = 0; round < 10; round++) {
      const { peer } = await exporter(id);
      const imp = held.add(await ctl.connect(2, id));
      const mapping = imp.map({ length: PAGE });
      assert.equal(mapping.bytes[0], 0xa5, 'mapped the live pages');
      await other.call('connect', { node: 2, segmentId: id });
      await other.call('map', { offset: 0, length: PAGE, permission: rsm.Permission.RDWR });
      await kill(peer);
      await eventually(() => rsmCode(() => imp.put(0, new Uint8Array([1]))) === 'RSMERR_CONN_ABORTED', 'our put failing');
      throwsRsm(() => imp.barrier.close(), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
      await eventually(async () => {
        try {
          await other.call('put', { offset: 0, bytes: [2] });
          return false;
        } catch (e) {
          return e.code === 'RSMERR_CONN_ABORTED';
        }
      }, "the other importer's put failing");
      // The old mapping stays readable (no fault), and can be undone.
      assert.equal(mapping.bytes.length, PAGE);
      mapping.unmap();
      imp.disconnect();
      await other.call('unmap');
      await other.call('disconnect');
      assertReclaimed(2);
    }
  });

  it('exporter killed while an importer is inside a barrier: close reports RSMERR_CONN_ABORTED, a reconnect to a new exporter works', async () => {
    const { peer, id } = await exporter();
    const imp = held.add(await ctl.connect(2, id));
    imp.setMode(rsm.BarrierMode.EXPLICIT);
    imp.barrier.open();
    imp.put(0, new Uint8Array([1, 2, 3]));
    await kill(peer);
    throwsRsm(() => imp.barrier.close(), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
    imp.disconnect();
    assertReclaimed(2);
    const next = await exporter(id);
    const again = held.add(await ctl.connect(2, id));
    assert.deepEqual(again.read(0, 1), new Uint8Array([0xa5]));
    again.put(0, new Uint8Array([9]));
    await next.peer.call('readExport', { at: 0, length: 1 }).then((b) => assert.deepEqual(b, [9]));
  });

  it('exporter killed while an importer waits for a signal: the wait ends with RSMERR_CONN_ABORTED (docs/semantics.md §5.7), the connection is aborted', async () => {
    const { peer, id } = await exporter();
    const imp = held.add(await ctl.connect(2, id));
    const started = Date.now();
    const waiting = imp.waitForSignal({ timeout: 700 });
    await new Promise((r) => setTimeout(r, 50));
    await kill(peer);
    await rejectsRsm(waiting, 'RSMERR_CONN_ABORTED', 'rsm_intr_signal_wait');
    assert.ok(Date.now() - started < PROMPT_MS);
    await eventually(() => rsmCode(() => imp.read(0, 1)) === 'RSMERR_CONN_ABORTED', 'get failing');
    imp.disconnect();
    assertReclaimed(2);
  });

  it('exporter killed while another process is in a loop of puts: the loop stops with RSMERR_CONN_ABORTED', async () => {
    const { peer, id } = await exporter();
    const looper = await startPeer(3);
    await looper.call('connect', { node: 2, segmentId: id });
    const started = Date.now();
    const loop = looper.call('putLoop', { count: 1e9, length: 256 });
    await new Promise((r) => setTimeout(r, 150));
    await kill(peer);
    const { done, code } = await loop;
    assert.equal(code, 'RSMERR_CONN_ABORTED');
    assert.ok(done > 0, 'puts went through before the kill');
    assert.ok(Date.now() - started < PROMPT_MS + 150, `the loop stopped promptly (${Date.now() - started} ms)`);
    await looper.call('disconnect');
    assertReclaimed(2);
  });

  it('importer killed while connected and mapped: the exporter sees it go, can signal, unpublish and destroy; nothing of it remains', async () => {
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish({ segmentId: freshSegmentId() });
    const importer = await startPeer(3);
    await importer.call('connect', { node: 1, segmentId: id });
    await importer.call('map', { offset: 0, length: PAGE, permission: rsm.Permission.RDWR });
    await importer.call('mapWrite', { at: 0, bytes: [7] });
    await importer.call('startWait', {});
    assert.equal(exp.bytes[0], 7);
    const dir = process.env.RSM_SIM_DIR;
    await eventually(() => fs.readdirSync(dir).some((f) => f.startsWith('sig-i')), "the importer's doorbell appearing");
    await kill(importer);
    await eventually(() => registry().segments.find((s) => s.segmentId === id).importers.length === 0, 'the dead importer reaped');
    await eventually(() => !fs.readdirSync(dir).some((f) => f.startsWith('sig-i')), "the importer's doorbell removed");
    assert.deepEqual(registry().processes.filter((p) => !p.alive), []);
    exp.signal();
    exp.bytes[0] = 8;
    exp.unpublish();
    exp.destroy();
    assert.deepEqual(filesOf(1), [], 'our own segment file is gone with the destroy');
  });

  it('an importer killed while connected does not hold on to the segment: destroy, then a new export takes the id', async () => {
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish({ segmentId: freshSegmentId() });
    const importer = await startPeer(3);
    await importer.call('connect', { node: 1, segmentId: id });
    await kill(importer);
    exp.destroy();
    const again = held.add(ctl.createExport(PAGE));
    assert.equal(await again.publish({ segmentId: id }), id);
    const other = await startPeer(4);
    await other.call('connect', { node: 1, segmentId: id });
    await other.call('put', { offset: 0, bytes: [3] });
    assert.equal(again.bytes[0], 3);
  });
});
