'use strict';
// Exports of one process whose ranges overlap, fully or partly, on one
// controller or two (docs/semantics.md §4.2): the driver allows them, and
// the overlapping pages are one memory for the exporter and every importer.
// The exporter is test/c/overlap_peer.c (linked against librsmsim.so; the
// facade always allocates fresh memory, so it cannot overlap exports); the
// importers are facade peers on other nodes, on whichever backend this run
// tests, and the C program itself through loopback.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const rsm = require('..');
const { Peer } = require('./support/peer-client');
const { makeClusterDir, sharedClusterEnv, removeClusterDir, leftovers } = require('./support/cluster-dir');

const PAGE = rsm.pageSize;
const program = path.join(process.env.RSMAPI_TEST_C_PROGRAMS || path.join(__dirname, '..', 'build', 'Release'), 'rsm_c_overlap_peer');
const code = (name) => rsm.codes[name];
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** test/c/overlap_peer.c: one command, one answer line. */
async function startC(env) {
  const child = spawn(program, [], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  const waiters = [];
  const exited = new Promise((resolve) => child.once('exit', resolve));
  readline.createInterface({ input: child.stdout }).on('line', (l) => (waiters.length ? waiters.shift()(l) : lines.push(l)));
  exited.then(() => waiters.splice(0).forEach((w) => w('exited')));
  const next = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((r) => waiters.push(r)));
  assert.match(await next(), /^ready \d+$/);
  const c = {
    cmd: (line) => {
      child.stdin.write(`${line}\n`);
      return next();
    },
    /** Runs a command that must succeed; its number, if it answers one. */
    ok: async (line) => {
      const a = await c.cmd(line);
      assert.match(a, /^ok( \d+)?$/, `${line}: ${a}`);
      return a === 'ok' ? undefined : Number(a.slice(3));
    },
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      return exited;
    },
  };
  return c;
}

describe('overlapping exports (docs/semantics.md §4.2)', function () {
  this.timeout(60000);
  let dir;
  const procs = [];
  beforeEach(() => {
    assert.ok(fs.existsSync(program), `${program} was not built`);
    dir = makeClusterDir('rsmapi-overlap-');
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.stop();
    assert.deepEqual(leftovers(dir), [], 'nothing is left in the cluster directory');
    removeClusterDir(dir);
  });
  const exporter = async (env = {}) => {
    const c = await startC({ RSM_SIM_DIR: dir, RSM_SIM_NODE: '1', ...env });
    procs.push(c);
    await c.ok('arena 4');
    return c;
  };
  /** A facade importer on `node`, connected read-write to node 1's `id`. */
  const importer = async (node, id) => {
    const p = await Peer.start({ node, env: { RSM_SIM_DIR: dir } });
    procs.push(p);
    await p.call('getController', { name: 'sci0' });
    await p.call('connect', { node: 1, segmentId: id, permission: rsm.Permission.RDWR });
    return p;
  };
  const put = (p, offset, byte) => p.call('put', { offset, bytes: [byte] });
  const get = async (p, offset) => (await p.call('get', { offset, length: 1 }))[0];

  it('full overlap: two exports of the same pages are one memory', async () => {
    const c = await exporter();
    const a = await c.ok('export 0 0 2 sci0 0');
    const b = await c.ok('export 1 0 2 sci0 0');
    const [ia, ib] = [await importer(2, a), await importer(3, b)];
    await put(ia, PAGE + 5, 17);
    assert.equal(await get(ib, PAGE + 5), 17, "B's importer reads what A's importer stored");
    assert.equal(await c.ok(`aread ${PAGE + 5}`), 17, 'and so does the exporter, at that address');
    await put(ib, 3, 29);
    assert.equal(await get(ia, 3), 29);
  });

  it('partial overlap: the shared pages are one memory, at their offset in each segment', async () => {
    const c = await exporter();
    const a = await c.ok('export 0 0 2 sci0 0');
    const b = await c.ok('export 1 1 2 sci0 0');  // B's page 0 is A's page 1
    const [ia, ib] = [await importer(2, a), await importer(3, b)];
    await put(ia, PAGE + 7, 41);
    assert.equal(await get(ib, 7), 41, "A's importer's store is seen by B's importer");
    assert.equal(await c.ok(`aread ${PAGE + 7}`), 41, 'and by the exporter');
    await put(ib, PAGE + 2, 42);  // B's own page
    assert.equal(await c.ok(`aread ${2 * PAGE + 2}`), 42);
    await c.ok(`awrite ${PAGE} 43`);
    assert.equal(await get(ia, PAGE), 43);
    assert.equal(await get(ib, 0), 43, "the exporter's store is seen by both");
    // An export bridging both ranges joins the same memory.
    const bridge = await c.ok('export 2 0 3 sci0 0');
    const ic = await importer(4, bridge);
    assert.equal(await get(ic, 2 * PAGE + 2), 42);
    await put(ic, PAGE + 9, 44);
    assert.equal(await get(ia, PAGE + 9), 44);
    assert.equal(await get(ib, 9), 44);
  });

  it('two controllers: an export on sci0 and one on loopback over the same pages', async () => {
    const c = await exporter();
    const a = await c.ok('export 0 0 2 sci0 0');
    const b = await c.ok('export 1 1 1 loopback 0');
    const ia = await importer(2, a);
    await c.ok(`connect 0 1 ${b} loopback`);  // the exporter's own node, through loopback
    await put(ia, PAGE + 1, 61);
    assert.equal(await c.ok('get 0 1'), 61, 'the loopback importer of B sees the sci0 importer of A');
    await c.ok('put 0 2 62');
    assert.equal(await get(ia, PAGE + 2), 62);
    assert.equal(await c.ok(`aread ${PAGE + 2}`), 62);
    await c.ok('disconnect 0');
  });

  it("destroying A cuts A's importers off and leaves B's memory and importers alone", async () => {
    const c = await exporter();
    const a = await c.ok('export 0 0 2 sci0 0');
    const b = await c.ok('export 1 1 2 sci0 0');
    const ia = await importer(2, a);
    await ia.call('map', { offset: 0, length: 2 * PAGE, permission: rsm.Permission.RDWR });
    await put(ia, 5, 11);
    await put(ia, PAGE + 5, 12);
    await c.ok('destroy 0');
    // A's importer: told, and its stores through its mapping reach nobody.
    await assert.rejects(get(ia, 5), { code: 'RSMERR_CONN_ABORTED' });
    await ia.call('mapWrite', { at: PAGE + 5, bytes: [99] });
    await ia.call('mapWrite', { at: 5, bytes: [98] });
    assert.equal(await c.ok(`aread ${PAGE + 5}`), 12, 'the exporter keeps what B covers');
    assert.equal(await c.ok('aread 5'), 11, 'and what only A covered stays its memory');
    const ib = await importer(3, b);
    assert.equal(await get(ib, 5), 12);
    await put(ib, 6, 13);
    assert.equal(await c.ok(`aread ${PAGE + 6}`), 13, "B's importer keeps working");
    await c.ok('destroy 1');
  });

  it("unpublishing A while B is imported keeps B's importer working", async () => {
    const c = await exporter();
    const a = await c.ok('export 0 0 2 sci0 0');
    const b = await c.ok('export 1 1 2 sci0 0');
    const [ia, ib] = [await importer(2, a), await importer(3, b)];
    await c.ok('unpublish 0');
    await assert.rejects(put(ia, PAGE, 1), { code: 'RSMERR_CONN_ABORTED' });
    await put(ib, 0, 21);
    assert.equal(await c.ok(`aread ${PAGE}`), 21);
    await c.ok(`awrite ${PAGE + 1} 22`);
    assert.equal(await get(ib, 1), 22);
    await c.ok('destroy 0');
    await put(ib, PAGE, 23);
    assert.equal(await c.ok(`aread ${2 * PAGE}`), 23, 'nor does destroying it');
  });

  it("rebinding one while the other is imported: the other's importers keep the old pages", async () => {
    const c = await exporter();
    const a = await c.ok('export 0 0 2 sci0 0');
    const b = await c.ok('export 1 1 2 sci0 0');
    const ib = await importer(3, b);
    await put(ib, 3, 31);
    await c.ok('rebind 0');  // nobody holds A's memory: A leaves for memory of its own
    assert.equal(await c.ok(`xread 0 ${PAGE + 3}`), 31, "A's new pages hold what A held");
    const ia = await importer(2, a);
    await put(ia, PAGE + 4, 32);
    assert.equal(await c.ok(`xread 0 ${PAGE + 4}`), 32, "A's importer reaches A's new pages");
    assert.equal(await c.ok(`aread ${PAGE + 4}`), 0, 'not the old ones');
    assert.equal(await get(ib, 4), 0);
    await put(ib, 8, 33);
    assert.equal(await c.ok(`aread ${PAGE + 8}`), 33, "B's importer reaches B's pages");
    assert.equal(await get(ia, PAGE + 8), 0, 'which are no longer A');
    await c.ok('rebind 0');  // and again, transparently to A's importer
    await put(ia, 1, 34);
    assert.equal(await c.ok('xread 0 1'), 34);
    assert.equal(await get(ia, PAGE + 4), 32);
  });

  it('rebinding one whose importers hold the shared memory takes it along, and the other keeps its contents', async () => {
    const c = await exporter();
    const a = await c.ok('export 0 0 2 sci0 0');
    const b = await c.ok('export 1 1 2 sci0 0');
    const ia = await importer(2, a);
    await ia.call('map', { offset: 0, length: 2 * PAGE, permission: rsm.Permission.RDWR });
    await put(ia, PAGE + 3, 41);
    await c.ok('rebind 0');
    await ia.call('mapWrite', { at: PAGE + 4, bytes: [42] });
    assert.equal(await c.ok(`xread 0 ${PAGE + 4}`), 42, "A's existing mapping reaches A's new pages");
    assert.equal(await c.ok(`xread 0 ${PAGE + 3}`), 41);
    assert.equal(await c.ok(`aread ${PAGE + 4}`), 0, 'the old pages are no longer A');
    assert.equal(await c.ok(`aread ${PAGE + 3}`), 41, 'and keep their contents for B');
    const ib = await importer(3, b);
    assert.equal(await get(ib, 3), 41);
    await put(ib, 8, 43);
    assert.equal(await c.ok(`aread ${PAGE + 8}`), 43);
    assert.deepEqual(await ia.call('mapRead', { at: PAGE + 8, length: 1 }), [0]);
  });

  it('rebinding an export whose memory importers of an overlapping export also hold is refused (docs/semantics.md §7)', async () => {
    const c = await exporter();
    const a = await c.ok('export 0 0 2 sci0 0');
    const b = await c.ok('export 1 1 2 sci0 0');
    await importer(2, a);
    const ib = await importer(3, b);
    assert.equal(await c.cmd('rebind 0'), `rc ${code('RSMERR_INSUFFICIENT_MEM')} rsm_memseg_export_rebind`);
    await put(ib, 0, 51);
    assert.equal(await c.ok(`aread ${PAGE}`), 51, 'nothing moved');
  });

  it('an export bridging two ranges whose memories importers already hold is refused (docs/semantics.md §7)', async () => {
    const c = await exporter();
    const a = await c.ok('export 0 0 1 sci0 0');
    const b = await c.ok('export 1 2 1 sci0 0');
    await importer(2, a);
    const ib = await importer(3, b);
    assert.equal(await c.cmd('create 2 0 3 sci0'), `rc ${code('RSMERR_INSUFFICIENT_MEM')} rsm_memseg_export_create`);
    await put(ib, 0, 81);
    assert.equal(await c.ok(`aread ${2 * PAGE}`), 81, 'nothing moved');
    await c.ok('create 3 1 2 sci0');  // one of them is enough to join
  });

  it("destroying A while importers of A and B both hold the shared pages: A's importer is told, its mapping still reaches them (docs/semantics.md §7)", async () => {
    const c = await exporter();
    const a = await c.ok('export 0 0 2 sci0 0');
    const b = await c.ok('export 1 1 2 sci0 0');
    const [ia, ib] = [await importer(2, a), await importer(3, b)];
    await ia.call('map', { offset: 0, length: 2 * PAGE, permission: rsm.Permission.RDWR });
    await get(ib, 0);
    await c.ok('destroy 0');
    await assert.rejects(get(ia, PAGE), { code: 'RSMERR_CONN_ABORTED' });
    await ia.call('mapWrite', { at: PAGE + 1, bytes: [91] });
    assert.equal(await get(ib, 1), 91);
  });

  it('in C alone: overlapping exports on loopback imported by the same process', async () => {
    const c = await exporter();
    const a = await c.ok('export 0 0 3 loopback 0');
    const b = await c.ok('export 1 2 2 loopback 0');
    await c.ok(`connect 0 1 ${a} loopback`);
    await c.ok(`connect 1 1 ${b} loopback`);
    await c.ok(`put 0 ${2 * PAGE + 1} 71`);
    assert.equal(await c.ok('get 1 1'), 71);
    assert.equal(await c.ok(`aread ${2 * PAGE + 1}`), 71);
    await c.ok('destroy 0');
    assert.equal(await c.cmd('get 0 1'), `rc ${code('RSMERR_CONN_ABORTED')} rsm_memseg_import_get8`);
    await c.ok(`put 1 ${PAGE} 72`);
    assert.equal(await c.ok(`aread ${3 * PAGE}`), 72);
    await c.ok('disconnect 0');
    await c.ok('disconnect 1');
  });

  it('in a shared cluster, gives another user memory shared by overlapping exports only if it may import them all', async function () {
    if (!isRoot) this.skip('needs root to run an importer as another user');
    removeClusterDir(dir);
    dir = makeClusterDir('rsmapi-overlap-shared-', { shared: true });
    const env = sharedClusterEnv(dir);
    const c = await exporter(env);
    await c.ok('create 0 0 2 sci0');  // A: bound, not published
    const b = await c.ok('export 1 1 2 sci0 0');
    const other = await startC({ ...env, RSM_SIM_NODE: '2', RSM_TEST_UID: '1001', RSM_TEST_GID: '1001' });
    procs.push(other);
    const read = rsm.Permission.READ;
    assert.equal(await other.cmd(`connect 0 1 ${b} sci0 ${read}`), `rc ${code('RSMERR_PERM_DENIED')} rsm_memseg_import_connect`);
    // The owner's own user may: it could reach the pages anyway.
    const own = await startC({ ...env, RSM_SIM_NODE: '3' });
    procs.push(own);
    await own.ok(`connect 0 1 ${b} sci0`);
    await own.ok('disconnect 0');
    // Once A is published to that user too, B's memory may go to it.
    assert.equal(await c.cmd('unpublish 1'), 'ok');
    await c.ok('destroy 1');
    await c.ok('destroy 0');
    const a2 = await c.ok('export 0 0 2 sci0 0');
    const b2 = await c.ok('export 1 1 2 sci0 0');
    await other.ok(`connect 1 1 ${b2} sci0 ${read}`);
    await other.ok(`connect 2 1 ${a2} sci0 ${read}`);
    // That importer holds the memory now: it must not grow to pages it was never granted.
    assert.equal(await c.cmd('create 2 2 2 sci0'), `rc ${code('RSMERR_INSUFFICIENT_MEM')} rsm_memseg_export_create`);
    await c.ok('create 3 1 1 sci0');  // adding no page is fine
  });
});
