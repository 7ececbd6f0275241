'use strict';
// Every RSMERR_* code docs/semantics.md (§3.1, §4.1-§4.6, §4.9-§4.11) says a
// segment function can return, provoked through the facade on the
// simulator, checking the code and the function that returned it. Codes the
// facade cannot provoke by design are pending with the reason; the ones a C
// caller can provoke (NULL pointers, wrong handle kinds, a forked child's
// handle) are provoked by test/c/null_args.c, run at the end.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const rsm = require('..');
const { throwsRsm, rejectsRsm, peerRejects } = require('./support/expect');
const { CONTROLLER, PAGE, freshSegmentId, tracker } = require('./support/fixtures');
const { Peer } = require('./support/peer-client');
const { runChild } = require('./support/child');
const { makeClusterDir, removeClusterDir, leftovers } = require('./support/cluster-dir');
const { withTopology } = require('./support/nodes');

const LOCAL = 1;
const held = tracker();

async function published(options = {}, exportOptions = {}) {
  const ctl = held.add(rsm.getController(CONTROLLER));
  const exp = held.add(ctl.createExport(4 * PAGE, exportOptions));
  const id = await exp.publish(options);
  return { ctl, exp, id };
}

/** A snippet run in a child with its own topology file; resolves to its result. */
function withTopologyChild(text, body) {
  return withTopology(text, (file) => runChild(body, { RSM_SIM_TOPOLOGY: file }));
}

function childFailed(result, code, syscall) {
  assert.ok(result.error, `expected ${code}, the child succeeded with ${JSON.stringify(result.value)}`);
  assert.equal(result.error.name, 'RsmError', result.error.message);
  assert.equal(result.error.code, code, result.error.message);
  assert.equal(result.error.syscall, syscall);
}

// code -> [function, how it is provoked, test | reason it cannot be]
const TABLE = [
  ['RSMERR_BAD_LIBRARY_VERSION', 'rsm_get_controller', 'a controller plug-in of the wrong version', null,
    'the simulator has no plug-in shared objects to load'],
  ['RSMERR_BAD_TOPOLOGY_PTR', 'rsm_get_interconnect_topology', 'a NULL result pointer', null,
    'the facade always passes a result pointer (provoked in C below)'],
  ['RSMERR_BAD_CTLR_HNDL', 'rsm_get_controller / rsm_release_controller', 'NULL arguments; releasing a released controller', null,
    'the facade passes no NULL and releases a controller once (provoked in C below)'],
  ['RSMERR_CTLR_NOT_PRESENT', 'rsm_get_controller', 'a controller this node does not have', () => {
    throwsRsm(() => rsm.getController('wrsm7'), 'RSMERR_CTLR_NOT_PRESENT', 'rsm_get_controller');
  }],
  ['RSMERR_CTLR_NOT_PRESENT', 'rsm_memseg_import_connect', 'loopback connect to another node', async () => {
    const lo = held.add(rsm.getController('loopback'));
    await rejectsRsm(lo.connect(2, 0x400000), 'RSMERR_CTLR_NOT_PRESENT', 'rsm_memseg_import_connect');
  }],
  ['RSMERR_BAD_SEG_HNDL', 'segment functions', 'NULL or wrong-kind handles', null,
    'facade handles are always of the right kind and never NULL (provoked in C below)'],
  ['RSMERR_SEG_ALREADY_PUBLISHED', 'rsm_memseg_export_publish', 'publishing twice', async () => {
    const { exp } = await published();
    await rejectsRsm(exp.publish(), 'RSMERR_SEG_ALREADY_PUBLISHED', 'rsm_memseg_export_publish');
  }],
  ['RSMERR_SEG_NOT_PUBLISHED', 'rsm_memseg_export_republish', 'republishing an unpublished segment', async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    throwsRsm(() => exp.republish([]), 'RSMERR_SEG_NOT_PUBLISHED', 'rsm_memseg_export_republish');
    throwsRsm(() => exp.unpublish(), 'RSMERR_SEG_NOT_PUBLISHED', 'rsm_memseg_export_unpublish');
    await rejectsRsm(ctl.connect(LOCAL, freshSegmentId()), 'RSMERR_SEG_NOT_PUBLISHED', 'rsm_memseg_import_connect');
  }],
  ['RSMERR_SEG_NOT_PUBLISHED_TO_NODE', 'rsm_memseg_import_connect', 'a node missing from the access list', async () => {
    const { ctl, id } = await published({ accessList: [{ node: 3, permission: 0o666 }] });
    await rejectsRsm(ctl.connect(LOCAL, id), 'RSMERR_SEG_NOT_PUBLISHED_TO_NODE', 'rsm_memseg_import_connect');
  }],
  ['RSMERR_SEG_ALREADY_MAPPED', 'rsm_memseg_import_map', 'map after an implicit map', async () => {
    const { ctl, id } = await published();
    const imp = held.add(await ctl.connect(LOCAL, id));
    imp.read(0, 1);
    throwsRsm(() => imp.map({ length: PAGE }), 'RSMERR_SEG_ALREADY_MAPPED', 'rsm_memseg_import_map');
  }],
  ['RSMERR_SEG_STILL_MAPPED', 'rsm_memseg_import_disconnect', 'disconnect with an explicit mapping', async () => {
    const { ctl, id } = await published();
    const imp = held.add(await ctl.connect(LOCAL, id));
    imp.map({ length: PAGE });
    throwsRsm(() => imp.disconnect(), 'RSMERR_SEG_STILL_MAPPED', 'rsm_memseg_import_disconnect');
  }],
  ['RSMERR_SEG_NOT_MAPPED', 'rsm_memseg_import_unmap', 'unmap with nothing mapped', async () => {
    const { ctl, id } = await published();
    const imp = held.add(await ctl.connect(LOCAL, id));
    throwsRsm(() => imp.unmap(), 'RSMERR_SEG_NOT_MAPPED', 'rsm_memseg_import_unmap');
  }],
  ['RSMERR_NOT_CREATOR', 'rsm_memseg_export_publish', 'publish from a forked child', null,
    'Node.js processes cannot fork with live handles (provoked in C below)'],
  ['RSMERR_BAD_SGIO', 'rsm_memseg_import_getv', 'generic controller, remote segment, connection cut', async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const peer = await Peer.start({ node: 2 });
    try {
      await peer.call('getController', { name: CONTROLLER });
      await peer.call('createExport', { size: PAGE });
      const id = await peer.call('publish', {});
      const imp = held.add(await ctl.connect(2, id));
      const local = held.add(ctl.createLocalMemory(64));
      assert.equal(imp.getv([{ local, remoteOffset: 0 }]), 0);
      await peer.call('unpublish');
      throwsRsm(() => imp.getv([{ local, remoteOffset: 0 }]), 'RSMERR_BAD_SGIO', 'rsm_memseg_import_getv');
      throwsRsm(() => imp.putv([{ local, remoteOffset: 0 }]), 'RSMERR_BAD_SGIO', 'rsm_memseg_import_putv');
      imp.disconnect();
      await peer.call('release');
    } finally {
      await peer.stop();
    }
  }],
  ['RSMERR_BAD_LOCALMEM_HNDL', 'rsm_create/free_localmemory_handle', 'NULL local handle', null,
    'a LocalMemory always has a handle (provoked in C below)'],
  ['RSMERR_BAD_ADDR', 'rsm_memseg_export_create and others', 'NULL or unaligned addresses', null,
    'the facade allocates page-aligned memory itself (provoked in C below)'],
  ['RSMERR_BAD_MEM_ALIGNMENT', 'rsm_memseg_export_create', 'a size that is not a page multiple', null,
    'createExport() refuses such a size itself, as it refuses 0 (provoked in C below)'],
  ['RSMERR_BAD_MEM_ALIGNMENT', 'rsm_memseg_import_put16 / rsm_memseg_import_map', 'misaligned offsets', async () => {
    const { ctl, id } = await published();
    const imp = held.add(await ctl.connect(LOCAL, id));
    throwsRsm(() => imp.put16(1, Uint16Array.of(1)), 'RSMERR_BAD_MEM_ALIGNMENT', 'rsm_memseg_import_put16');
    throwsRsm(() => imp.map({ offset: 100, length: PAGE }), 'RSMERR_BAD_MEM_ALIGNMENT', 'rsm_memseg_import_map');
  }],
  ['RSMERR_BAD_OFFSET', 'rsm_memseg_import_get', 'a range past the mapped window', async () => {
    const { ctl, id } = await published();
    const imp = held.add(await ctl.connect(LOCAL, id));
    throwsRsm(() => imp.read(4 * PAGE - 2, 4), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_get');
  }],
  ['RSMERR_BAD_LENGTH', 'rsm_memseg_import_map', 'length 0, or a window past the end', async () => {
    const { ctl, id } = await published();
    const imp = held.add(await ctl.connect(LOCAL, id));
    throwsRsm(() => imp.map({ length: 0 }), 'RSMERR_BAD_LENGTH', 'rsm_memseg_import_map');
    throwsRsm(() => imp.map({ offset: PAGE, length: 4 * PAGE }), 'RSMERR_BAD_LENGTH', 'rsm_memseg_import_map');
  }],
  ['RSMERR_BAD_LENGTH', 'rsm_memseg_export_create', 'over the controller\'s maximum segment size', async () => {
    const r = await withTopologyChild(`node 1\ncontroller 1 sci0 max_export_segment_size=${PAGE}\n`,
      `const c = rsm.getController('sci0'); c.createExport(${2 * PAGE});`);
    childFailed(r, 'RSMERR_BAD_LENGTH', 'rsm_memseg_export_create');
  }],
  ['RSMERR_BAD_ACL', 'rsm_memseg_export_publish', 'a node over 64, a permission over 0666', async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    await rejectsRsm(exp.publish({ accessList: [{ node: 65, permission: 0o600 }] }), 'RSMERR_BAD_ACL', 'rsm_memseg_export_publish');
    await rejectsRsm(exp.publish({ accessList: [{ node: 2, permission: 0o700 }] }), 'RSMERR_BAD_ACL', 'rsm_memseg_export_publish');
  }],
  ['RSMERR_BAD_ACL', 'rsm_memseg_export_publish', 'loopback: two entries, or one not naming the local node', async () => {
    const lo = held.add(rsm.getController('loopback'));
    const exp = held.add(lo.createExport(PAGE));
    await rejectsRsm(exp.publish({ accessList: [{ node: 2, permission: 0o600 }] }), 'RSMERR_BAD_ACL', 'rsm_memseg_export_publish');
    await rejectsRsm(exp.publish({ accessList: [{ node: 1, permission: 0o600 }, { node: 1, permission: 0o600 }] }),
      'RSMERR_BAD_ACL', 'rsm_memseg_export_publish');
  }],
  ['RSMERR_BAD_SEGID', 'rsm_memseg_export_publish', 'a NULL id pointer', null,
    'the facade always passes the id (provoked in C below)'],
  ['RSMERR_RESERVED_SEGID', 'rsm_memseg_export_publish', 'an id in a reserved range', async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    await rejectsRsm(exp.publish({ segmentId: 0x3fffff }), 'RSMERR_RESERVED_SEGID', 'rsm_memseg_export_publish');
  }],
  ['RSMERR_SEGID_IN_USE', 'rsm_memseg_export_publish', 'an id published by another segment', async () => {
    const id = freshSegmentId();
    await published({ segmentId: id });
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    await rejectsRsm(exp.publish({ segmentId: id }), 'RSMERR_SEGID_IN_USE', 'rsm_memseg_export_publish');
  }],
  ['RSMERR_BAD_PERMS', 'rsm_memseg_import_map', 'a map permission over 0600', async () => {
    const { ctl, id } = await published();
    const imp = held.add(await ctl.connect(LOCAL, id));
    throwsRsm(() => imp.map({ length: PAGE, permission: 0o700 }), 'RSMERR_BAD_PERMS', 'rsm_memseg_import_map');
  }],
  ['RSMERR_BAD_PERMS', 'rsm_memseg_import_map', 'a protection the stored mode lacks (0044 entry)', async () => {
    const { ctl, id } = await published({ accessList: [{ node: LOCAL, permission: 0o044 }] });
    // This run is the exporter's owner, so 0044 grants nothing to the owner;
    // root may connect anyway (privilege) but never map.
    if (process.getuid() !== 0) {
      await rejectsRsm(ctl.connect(LOCAL, id, { permission: rsm.Permission.READ }), 'RSMERR_PERM_DENIED', 'rsm_memseg_import_connect');
      return;
    }
    const imp = held.add(await ctl.connect(LOCAL, id, { permission: rsm.Permission.READ }));
    throwsRsm(() => imp.map({ length: PAGE, permission: rsm.Permission.READ }), 'RSMERR_BAD_PERMS', 'rsm_memseg_import_map');
    throwsRsm(() => imp.read(0, 4), 'RSMERR_BAD_PERMS', 'rsm_memseg_import_get');
  }],
  ['RSMERR_PERM_DENIED', 'rsm_memseg_import_connect', 'a requested permission outside 0600', async () => {
    const { ctl, id } = await published();
    await rejectsRsm(ctl.connect(LOCAL, id, { permission: 0o700 }), 'RSMERR_PERM_DENIED', 'rsm_memseg_import_connect');
  }],
  ['RSMERR_PERM_DENIED', 'rsm_memseg_import_put', 'a put on a read-only connection', async () => {
    const { ctl, id } = await published();
    const imp = held.add(await ctl.connect(LOCAL, id, { permission: rsm.Permission.READ }));
    throwsRsm(() => imp.put(0, Uint8Array.of(1)), 'RSMERR_PERM_DENIED', 'rsm_memseg_import_put');
  }],
  ['RSMERR_REBIND_NOT_ALLOWED', 'rsm_memseg_export_rebind', 'rebind without allowRebind', () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    throwsRsm(() => exp.rebind(), 'RSMERR_REBIND_NOT_ALLOWED', 'rsm_memseg_export_rebind');
  }],
  ['RSMERR_INSUFFICIENT_RESOURCES', 'rsm_memseg_export_publish', 'over the interconnect\'s segment count or bytes', async () => {
    const r = await withTopologyChild(`node 1\ncontroller 1 sci0 max_export_segments=2 tot_export_segment_size=${3 * PAGE}\n`,
      `const c = rsm.getController('sci0'); await c.createExport(${PAGE}).publish();
       const codes = [];
       for (const size of [${3 * PAGE}, ${PAGE}, ${PAGE}]) {
         try { await c.createExport(size).publish(); codes.push('ok'); } catch (e) { codes.push([e.code, e.syscall]); }
       }
       return codes;`);
    assert.equal(r.error, undefined, r.error && r.error.message);
    const refused = ['RSMERR_INSUFFICIENT_RESOURCES', 'rsm_memseg_export_publish'];
    assert.deepEqual(r.value, [refused, 'ok', refused], 'over the total bytes, within both, over the count');
  }],
  ['RSMERR_INSUFFICIENT_RESOURCES', 'rsm_memseg_import_connect', 'over the interconnect\'s import count', async () => {
    await withTopology('node 1\nnode 2\ncontroller 1 sci0 max_import_segments=1\ncontroller 2 sci0\nlink 1 sci0 2 sci0\n', async (file) => {
      const peer = await Peer.start({ node: 2, env: { RSM_SIM_TOPOLOGY: file } });
      try {
        await peer.call('getController', { name: CONTROLLER });
        const [a, b] = await peer.call('publishMany', { size: PAGE, lists: [[], []] });
        const r = runChild(`const c = rsm.getController('sci0'); await c.connect(2, ${a}); await c.connect(2, ${a});
          await c.connect(2, ${b});`, { RSM_SIM_TOPOLOGY: file });
        childFailed(r, 'RSMERR_INSUFFICIENT_RESOURCES', 'rsm_memseg_import_connect');
      } finally {
        await peer.stop();
      }
    });
  }],
  ['RSMERR_INSUFFICIENT_MEM', 'rsm_memseg_export_create', 'no exportable memory left on the node', () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    rsm.sim.faults.setOutOfMemory(LOCAL);
    try {
      throwsRsm(() => ctl.createExport(PAGE), 'RSMERR_INSUFFICIENT_MEM', 'rsm_memseg_export_create');
    } finally {
      rsm.sim.faults.setOutOfMemory(LOCAL, false);
    }
  }],
  ['RSMERR_MAP_FAILED', 'rsm_memseg_import_map', 'mmap failing for an unlisted reason', null,
    'needs mmap to fail with an errno other than the listed ones; nothing the facade passes does that'],
  ['RSMERR_POLLFD_IN_USE', 'rsm_memseg_export_destroy / rsm_memseg_import_disconnect', 'poll descriptors outstanding', null,
    'belongs to the poll-descriptor API, tested with interrupt signals'],
  ['RSMERR_BARRIER_UNINITIALIZED', 'rsm_memseg_import_get', 'implicit mode with no barrier', async () => {
    const { ctl, id } = await published();
    const imp = held.add(await ctl.connect(LOCAL, id));
    imp.barrier.destroy();
    throwsRsm(() => imp.read(0, 1), 'RSMERR_BARRIER_UNINITIALIZED', 'rsm_memseg_import_get');
  }],
  ['RSMERR_REMOTE_NODE_UNREACHABLE', 'rsm_memseg_import_connect', 'a path that is down', async () => {
    const r = await withTopologyChild('node 1\nnode 2\ncontroller 1 sci0\ncontroller 2 sci0\nlink 1 sci0 2 sci0 state=1\n',
      "await rsm.getController('sci0').connect(2, 0x400000);");
    childFailed(r, 'RSMERR_REMOTE_NODE_UNREACHABLE', 'rsm_memseg_import_connect');
  }],
  ['RSMERR_INTERNAL_ERROR', 'rsm_memseg_import_connect', 'a node the controller has no path to', async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    await rejectsRsm(ctl.connect(40, 0x400000), 'RSMERR_INTERNAL_ERROR', 'rsm_memseg_import_connect');
    await rejectsRsm(ctl.connect(64, 0x400000), 'RSMERR_INTERNAL_ERROR', 'rsm_memseg_import_connect');
  }],
  ['RSMERR_CONN_ABORTED', 'rsm_memseg_import_get / rsm_memseg_import_map', 'the exporter unpublished', async () => {
    const { ctl, exp, id } = await published();
    const a = held.add(await ctl.connect(LOCAL, id));
    const b = held.add(await ctl.connect(LOCAL, id));
    a.read(0, 1);
    exp.unpublish();
    throwsRsm(() => a.read(0, 1), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_get');
    throwsRsm(() => b.map({ length: PAGE }), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_map');
  }],
  ['RSMERR_INTERRUPTED', 'rsm_memseg_import_connect', 'a connect racing an unpublish', null,
    'the simulator connects under the registry lock, so no unpublish can interleave'],
  ['RSMERR_BAD_APPID', 'rsm_get_segmentid_range', 'an appid the file does not list', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsmapi-segid-'));
    try {
      const file = path.join(dir, 'rsm.segmentid');
      fs.writeFileSync(file, '# reserved ranges\nreserved SUNWfoo 0x600000 1000\n');
      const env = { RSM_SIM_SEGMENTID_FILE: file };
      childFailed(runChild("return rsm.segmentIdRange('nothere');", env), 'RSMERR_BAD_APPID', 'rsm_get_segmentid_range');
      assert.deepEqual(runChild("return rsm.segmentIdRange('sunwfoo');", env).value, { base: 0x600000, length: 1000 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }],
  ['RSMERR_BAD_CONF', 'rsm_get_segmentid_range', 'the file missing or malformed', () => {
    const missing = path.join(os.tmpdir(), `rsmapi-no-such-${process.pid}`);
    childFailed(runChild("return rsm.segmentIdRange('a');", { RSM_SIM_SEGMENTID_FILE: missing }),
      'RSMERR_BAD_CONF', 'rsm_get_segmentid_range');
  }],
];

// Never produced by librsm (docs/semantics.md §3.1), so no test can provoke them.
const NEVER = ['RSMERR_MISALIGNED_OFFSET', 'RSMERR_LOCKS_NOT_SUPPORTED', 'RSMERR_LOCKS_NOT_ENABLED',
  'RSMERR_BARRIER_NOT_OPENED', 'RSMERR_SEG_NOT_CONNECTED'];

describe('error table: every segment-function code, through the facade', function () {
  this.timeout(30000);
  afterEach(() => held.release());

  for (const [code, fn, how, run, reason] of TABLE) {
    if (run) {
      it(`${code} from ${fn}: ${how}`, run);
    } else {
      it.skip(`${code} from ${fn}: ${how} — not through the facade: ${reason}`);
    }
  }
  for (const code of NEVER) it.skip(`${code} — librsm never returns it`);

  it('names only real codes, and covers every code docs/semantics.md lists for segment functions', () => {
    const listed = new Set(TABLE.map(([code]) => code));
    for (const code of listed) assert.equal(typeof rsm.codes[code], 'number', code);
    const segmentCodes = Object.keys(rsm.codes).filter((c) => rsm.codes[c] > 0 && rsm.codes[c] <= 45);
    // Returned by barrier, mode and signal functions (docs/semantics.md §4.7, 4.8), not the sections above.
    const otherSections = ['RSMERR_BAD_BARRIER_PTR', 'RSMERR_BAD_MODE', 'RSMERR_BARRIER_OPEN_FAILED',
      'RSMERR_BARRIER_FAILURE', 'RSMERR_TIMEOUT'];
    const missing = segmentCodes.filter((c) => !listed.has(c) && !NEVER.includes(c) && !otherSections.includes(c));
    assert.deepEqual(missing, []);
  });

  it('provokes in C the codes the facade cannot (NULL pointers, wrong kinds, a forked child)', () => {
    const program = path.join(process.env.RSMAPI_TEST_C_PROGRAMS || path.join(__dirname, '..', 'build', 'Release'), 'rsm_c_null_args');
    assert.ok(fs.existsSync(program), `${program} was not built`);
    const dir = makeClusterDir('rsmapi-c-');
    try {
      const r = spawnSync(program, [], { env: { ...process.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: '1' }, encoding: 'utf8', timeout: 20000 });
      assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
      const seen = new Set(r.stdout.split('\n').filter((l) => l.startsWith('RSMERR_')).map((l) => l.split(' ')[0]));
      for (const code of ['RSMERR_BAD_TOPOLOGY_PTR', 'RSMERR_BAD_CTLR_HNDL', 'RSMERR_BAD_SEG_HNDL', 'RSMERR_NOT_CREATOR',
        'RSMERR_BAD_LOCALMEM_HNDL', 'RSMERR_BAD_ADDR', 'RSMERR_BAD_SEGID', 'RSMERR_BAD_SGIO', 'RSMERR_BAD_MEM_ALIGNMENT']) {
        assert.ok(seen.has(code), `${code} not checked by the C program`);
      }
      assert.deepEqual(leftovers(dir), []);
    } finally {
      removeClusterDir(dir);
    }
  });
});
