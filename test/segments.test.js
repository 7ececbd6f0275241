'use strict';
// The segment life cycle and data path beyond the basics: rebind, local
// memory and scatter/gather, read-only and write-only connections, RSM_MAP_FIXED,
// what importers see after unpublish/destroy/rebind, and the topology.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const rsm = require('..');
const { throwsRsm } = require('./support/expect');
const { CONTROLLER, PAGE, pattern, tracker } = require('./support/fixtures');
const { runChild } = require('./support/child');

const LOCAL = 1;

describe('segments: rebind, scatter/gather, permissions smoothing, teardown', () => {
  const held = tracker();
  afterEach(() => held.release());

  async function setup(name = CONTROLLER, exportOptions = {}, publishOptions = {}) {
    const ctl = held.add(rsm.getController(name));
    const exp = held.add(ctl.createExport(4 * PAGE, exportOptions));
    const id = await exp.publish(publishOptions);
    return { ctl, exp, id };
  }

  it('rebinds onto new memory: contents kept, old view detached, old and new mappings see the new pages', async () => {
    const { ctl, exp, id } = await setup(CONTROLLER, { allowRebind: true });
    exp.bytes.set(pattern(100, 3), 50);
    const old = exp.bytes;
    const imp = held.add(await ctl.connect(LOCAL, id));
    const earlier = imp.map({ length: PAGE });
    exp.rebind();
    assert.equal(old.length, 0, 'the old view is detached');
    assert.deepEqual(exp.bytes.subarray(50, 150), pattern(100, 3), 'contents survive the move');
    exp.bytes[7] = 0x5a;
    assert.equal(earlier.bytes[7], 0x5a, 'a mapping made before the rebind shows the new memory (transparent rebind)');
    earlier.bytes[9] = 0x7c;
    assert.equal(exp.bytes[9], 0x7c, 'and what it writes reaches the new memory');
    earlier.unmap();
    const m = imp.map({ length: PAGE });
    assert.equal(m.bytes[7], 0x5a, 'a mapping made after the rebind shows the new memory');
    m.bytes[8] = 0x6b;
    assert.equal(exp.bytes[8], 0x6b);
  });

  it('moves data with putv/getv from LocalMemory and plain views, on loopback and sci0', async () => {
    for (const name of [null, CONTROLLER]) {
      const { ctl, exp, id } = await setup(name, {}, name === null ? { accessList: [{ node: LOCAL, permission: 0o600 }] } : {});
      const imp = held.add(await ctl.connect(LOCAL, id));
      const local = held.add(ctl.createLocalMemory(PAGE));
      local.bytes.set(pattern(200, 1));
      assert.equal(imp.putv([
        { local, localOffset: 10, remoteOffset: 100, length: 50 },
        { local: Uint8Array.of(9, 8, 7), remoteOffset: 3 * PAGE },
      ]), 0);
      assert.deepEqual(exp.bytes.subarray(100, 150), pattern(200, 1).subarray(10, 60));
      assert.deepEqual(exp.bytes.subarray(3 * PAGE, 3 * PAGE + 3), Uint8Array.of(9, 8, 7));
      const into = new Uint16Array(4);
      imp.getv([{ local: into, remoteOffset: 100 }, { local, localOffset: PAGE - 3, remoteOffset: 3 * PAGE, length: 3 }]);
      assert.deepEqual(new Uint8Array(into.buffer), pattern(200, 1).subarray(10, 18));
      assert.deepEqual(local.bytes.subarray(PAGE - 3), Uint8Array.of(9, 8, 7));
      assert.throws(() => imp.putv([]), (e) => e instanceof RangeError && e.code === 'RSMERR_BAD_SGIO');
      assert.throws(() => imp.putv(Array.from({ length: 17 }, () => ({ local, remoteOffset: 0, length: 1 }))), RangeError);
      assert.throws(() => imp.getv([{ local, localOffset: PAGE, remoteOffset: 0, length: 1 }]), RangeError);
      local.free();
      assert.equal(local.bytes.length, 0);
      assert.throws(() => imp.getv([{ local, remoteOffset: 0 }]), (e) => e.code === 'ERR_RSM_RELEASED');
    }
  });

  it('uses offsets relative to an explicit window for loopback putv, as librsm does', async () => {
    const { ctl, exp, id } = await setup(null, {}, { accessList: [{ node: LOCAL, permission: 0o600 }] });
    const imp = held.add(await ctl.connect(LOCAL, id));
    imp.map({ offset: 2 * PAGE, length: PAGE });
    imp.putv([{ local: Uint8Array.of(1, 2), remoteOffset: 4 }]);
    assert.deepEqual(exp.bytes.subarray(2 * PAGE + 4, 2 * PAGE + 6), Uint8Array.of(1, 2));
    throwsRsm(() => imp.putv([{ local: Uint8Array.of(1), remoteOffset: PAGE }]), 'RSMERR_BAD_SGIO', 'rsm_memseg_import_putv');
  });

  it('lets read-only and write-only connections transfer: the facade maps with their permission', async () => {
    const { ctl, exp, id } = await setup();
    exp.bytes.set(pattern(64, 4), PAGE);
    const ro = held.add(await ctl.connect(LOCAL, id, { permission: rsm.Permission.READ }));
    assert.deepEqual(ro.read(PAGE, 64), pattern(64, 4));
    assert.deepEqual(ro.read32(PAGE, 2), new Uint32Array(pattern(64, 4).buffer.slice(0, 8)));
    throwsRsm(() => ro.put(0, Uint8Array.of(1)), 'RSMERR_PERM_DENIED', 'rsm_memseg_import_put');
    throwsRsm(() => ro.read(4 * PAGE - 1, 2), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_get');
    assert.equal(ro.mapping, undefined, 'the facade\'s own mapping is not shown');
    const m = ro.map({ length: PAGE, permission: rsm.Permission.READ });  // the facade's mapping gives way
    m.unmap();
    const wo = held.add(await ctl.connect(LOCAL, id, { permission: rsm.Permission.WRITE }));
    wo.put(3 * PAGE + 8, Uint8Array.of(0xee));
    assert.equal(exp.bytes[3 * PAGE + 8], 0xee);
    ro.disconnect();
    wo.disconnect();
  });

  it('maps with RSM_MAP_FIXED at a range it reserved, and the mapping works', async () => {
    const { ctl, exp, id } = await setup();
    const imp = held.add(await ctl.connect(LOCAL, id));
    const m = imp.map({ length: 2 * PAGE, fixed: true });
    m.bytes[5] = 42;
    assert.equal(exp.bytes[5], 42);
    m.unmap();
  });

  it('gives importers the docs/semantics.md §5.7 answers after unpublish, and keeps a mapped view safe', async () => {
    const { ctl, exp, id } = await setup();
    const implicit = held.add(await ctl.connect(LOCAL, id));
    const explicit = held.add(await ctl.connect(LOCAL, id));
    const connected = held.add(await ctl.connect(LOCAL, id));
    const explicitMode = held.add(await ctl.connect(LOCAL, id));
    implicit.read(0, 1);
    const m = explicit.map({ length: PAGE });
    explicitMode.setMode(rsm.BarrierMode.EXPLICIT);
    explicitMode.read(0, 1);
    exp.unpublish();
    throwsRsm(() => implicit.read(0, 4), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_get');
    throwsRsm(() => connected.read(0, 4), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_get');
    throwsRsm(() => connected.map({ length: PAGE }), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_map');
    throwsRsm(() => explicit.map({ length: PAGE }), 'RSMERR_SEG_ALREADY_MAPPED', 'rsm_memseg_import_map');
    assert.equal(explicitMode.read(0, 4).length, 4, 'explicit mode: the transfer succeeds against cut-off pages');
    m.bytes[0] = 1;  // stores go nowhere, but never fault
    exp.bytes[0] = 2;
    assert.equal(exp.bytes[0], 2);
    throwsRsm(() => implicit.barrier.close(), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_close_barrier');
    throwsRsm(() => connected.unmap(), 'RSMERR_SEG_NOT_MAPPED', 'rsm_memseg_import_unmap');
    throwsRsm(() => explicit.disconnect(), 'RSMERR_SEG_STILL_MAPPED', 'rsm_memseg_import_disconnect');
    m.unmap();
    for (const imp of [implicit, explicit, connected, explicitMode]) imp.disconnect();
  });

  it('cuts importers off when the exporter is destroyed or its controller released', async () => {
    const { ctl, exp, id } = await setup();
    const imp = held.add(await ctl.connect(LOCAL, id));
    imp.read(0, 1);
    exp.destroy();
    throwsRsm(() => imp.read(0, 1), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_get');
    imp.disconnect();
  });

  it('keeps importers connected across rebind and republish; new connects obey the new list', async () => {
    const { ctl, exp, id } = await setup(CONTROLLER, { allowRebind: true });
    const imp = held.add(await ctl.connect(LOCAL, id));
    exp.republish([{ node: 5, permission: 0o666 }]);
    exp.rebind();
    exp.bytes[9] = 77;
    assert.equal(imp.read(9, 1)[0], 77, 'the existing import still works and sees the new pages');
    // This node is off the new list but still shares a connection: later
    // connects from it get mode 0 (docs/semantics.md §5.1 item 5): refused, or for root
    // (privileged) connected but never mappable.
    if (process.getuid() === 0) {
      const late = held.add(await ctl.connect(LOCAL, id));
      throwsRsm(() => late.map({ length: PAGE }), 'RSMERR_BAD_PERMS', 'rsm_memseg_import_map');
      late.disconnect();
    } else {
      await assert.rejects(ctl.connect(LOCAL, id), (e) => e.code === 'RSMERR_PERM_DENIED');
    }
    imp.disconnect();
    await assert.rejects(ctl.connect(LOCAL, id), (e) => e.code === 'RSMERR_SEG_NOT_PUBLISHED_TO_NODE');
  });

  it('ignores create flag bits it does not know (RSM_LOCK_OPS is defined nowhere)', async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE, { flags: 0x100, dontWait: true }));
    assert.ok((await exp.publish()) >= 0x80000000);
  });

  it('reports the default topology, and a custom one from RSM_SIM_TOPOLOGY', () => {
    const t = rsm.getTopology();
    assert.equal(t.localNode, 1);
    assert.deepEqual(t.controllers.map((c) => c.name), ['sci0']);
    assert.deepEqual(t.controllers[0].remotes.map((r) => r.node), [2, 3, 4, 5, 6, 7, 8]);
    assert.ok(t.controllers[0].remotes.every((r) => r.state === 3 && typeof r.hwaddr === 'bigint'));

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsmapi-topo-'));
    try {
      const file = path.join(dir, 'topology');
      fs.writeFileSync(file, [
        '# two adapters on node 1',
        'node 1', 'node 2', 'node 9',
        'controller 1 wrsm0 hwaddr=0x10 max_export_segment_size=65536',
        'controller 1 sci3', 'controller 2 wrsm0 hwaddr=0x20', 'controller 9 sci1',
        'link 1 wrsm0 2 wrsm0', 'link 1 sci3 9 sci1 state=1', '',
      ].join('\n'));
      const r = runChild(`const t = rsm.getTopology();
        const c = rsm.getController('wrsm0'); const a = c.attributes().maxExportSegmentSize;
        let down = null; try { await rsm.getController('sci3').connect(9, 0x400000); } catch (e) { down = e.code; }
        return { localNode: t.localNode, a, down, ctl: t.controllers.map((c) => ({ name: c.name, hw: String(c.hwaddr),
          remotes: c.remotes.map((x) => [x.node, x.name, String(x.hwaddr), x.state]) })) };`, { RSM_SIM_TOPOLOGY: file });
      assert.equal(r.error, undefined, r.error && r.error.message);
      assert.deepEqual(r.value, {
        localNode: 1,
        a: 65536,
        down: 'RSMERR_REMOTE_NODE_UNREACHABLE',
        ctl: [
          { name: 'sci3', hw: '1', remotes: [[9, 'sci1', '9', 1]] },
          { name: 'wrsm0', hw: '16', remotes: [[2, 'wrsm0', '32', 3]] },
        ].sort((x, y) => (x.name < y.name ? 1 : -1)),
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
