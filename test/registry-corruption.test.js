'use strict';
// The registry file (RSM_SIM_DIR/fabric) is input, not truth: any process
// of the user can write it. Damaged in each way below while processes of
// the cluster are attached, it gives them (members) and processes that
// attach afterwards (newcomers) a clean error, RSMERR_BAD_CONF where the
// registry itself is wrong, never a SIGSEGV, a SIGBUS or a hang; a forged
// owner of the registry lock wedges nobody, `rsm sim reset --force` included.
const assert = require('node:assert/strict');
const { spawnSync, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const rsm = require('..');
const { peerRejects } = require('./support/expect');
const { PAGE } = require('./support/fixtures');
const { Peer } = require('./support/peer-client');
const { runChild } = require('./support/child');
const { makeClusterDir, removeClusterDir } = require('./support/cluster-dir');

const root = path.join(__dirname, '..');
const programs = process.env.RSMAPI_TEST_C_PROGRAMS || path.join(root, 'build', 'Release');
const L = JSON.parse(execFileSync(path.join(programs, 'rsm_registry_layout'), { encoding: 'utf8' }));
// Far beyond any call here; only a hang reaches it.
const HANG_MS = 8000;
const BAD_CONF = 'RSMERR_BAD_CONF';

/** The promise, or a rejection naming what hung. */
function within(promise, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} hung (${HANG_MS} ms)`)), HANG_MS))),
  ]);
}

function u32(v) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

// A held, process-shared, robust mutex as glibc lays it out (lock word,
// count, owner, users, kind), held by thread `tid`.
function forgedMutex(tid) {
  const forged = Buffer.alloc(L.lockSize);
  forged.writeInt32LE(tid, 0);
  forged.writeInt32LE(tid, 8);
  forged.writeUInt32LE(1, 12);
  forged.writeInt32LE(16 | 128, 16);
  return forged;
}

describe('a damaged registry', function () {
  this.timeout(40000);
  let dir;
  let fabric;
  let peers;

  const write = (offset, bytes) => {
    const fd = fs.openSync(fabric, 'r+');
    try {
      fs.writeSync(fd, bytes, 0, bytes.length, offset);
    } finally {
      fs.closeSync(fd);
    }
  };
  const read = (offset, length) => {
    const b = Buffer.alloc(length);
    const fd = fs.openSync(fabric, 'r');
    try {
      fs.readSync(fd, b, 0, length, offset);
    } finally {
      fs.closeSync(fd);
    }
    return b;
  };
  const exportEntry = (segid) => {
    for (let i = 0; i < L.maxExports; i++) {
      const at = L.exports + i * L.exportSize;
      const e = read(at, L.exportSize);
      if (e.readUInt32LE(L.exportState) !== 0 && e.readUInt32LE(L.exportSegid) === segid) return at;
    }
    throw new Error(`no export entry for ${segid}`);
  };
  const boundEntry = () => {
    for (let i = 0; i < L.maxExports; i++) {
      const at = L.exports + i * L.exportSize;
      if (read(at + L.exportState, 4).readUInt32LE() === 1) return at;
    }
    throw new Error('no bound export entry');
  };
  const importEntry = (segid) => {
    for (let i = 0; i < L.maxImports; i++) {
      const at = L.imports + i * L.importSize;
      const m = read(at, L.importSize);
      if (m.readUInt32LE(L.importInUse) === 1 && m.readUInt32LE(L.importSegid) === segid) return i;
    }
    throw new Error(`no import entry for ${segid}`);
  };

  async function member(node) {
    const peer = await Peer.start({ node, env: { RSM_SIM_DIR: dir } });
    peers.push(peer);
    await peer.call('getController', { name: 'sci0' });
    return peer;
  }

  /** An exporter (node 1) with a published segment and an importer (node 2) connected to it. */
  async function cluster() {
    const exporter = await member(1);
    await exporter.call('createExport', { size: PAGE });
    const id = await exporter.call('publish', { segmentId: 0x6a0001 });
    const importer = await member(2);
    await importer.call('connect', { node: 1, segmentId: id });
    return { exporter, importer, id };
  }

  /** What a process attaching now gets from getController(): 'ok' or the error code. */
  function newcomer() {
    const r = runChild("rsm.getController('sci0').release(); return 'ok';", { RSM_SIM_DIR: dir, RSM_SIM_NODE: '3' });
    return r.error ? r.error.code : r.value;
  }

  /** The member is still running and answering. */
  async function alive(peer) {
    assert.equal((await within(peer.call('backend'), 'a member')).name, rsm.backend().name);
  }

  beforeEach(() => {
    dir = makeClusterDir('rsmapi-corrupt-');
    fabric = path.join(dir, 'fabric');
    peers = [];
  });
  afterEach(async () => {
    for (const p of peers) await p.stop({ signal: 'SIGKILL' });
    removeClusterDir(dir);
  });

  // A member's next registry call, and a newcomer, both get RSMERR_BAD_CONF.
  async function expectBadConf({ exporter }, { newcomerToo = true } = {}) {
    await peerRejects(within(exporter.call('createExport', { size: PAGE }), 'createExport'), BAD_CONF, 'rsm_memseg_export_create');
    await alive(exporter);
    if (newcomerToo) assert.equal(newcomer(), BAD_CONF);
  }

  it('truncated to 0: members get RSMERR_BAD_CONF (no SIGBUS); a newcomer starts a fresh registry', async () => {
    const c = await cluster();
    fs.truncateSync(fabric, 0);
    // The importer's mapped registry page is gone: its connection reads as torn down.
    await peerRejects(within(c.importer.call('put', { offset: 0, bytes: [1] }), 'put'), 'RSMERR_CONN_ABORTED');
    await peerRejects(within(c.importer.call('connect', { node: 1, segmentId: c.id }), 'connect'), BAD_CONF, 'rsm_memseg_import_connect');
    await expectBadConf(c, { newcomerToo: false });
    assert.equal(newcomer(), 'ok');
    // The fresh registry is not the one the members joined.
    await peerRejects(within(c.exporter.call('createExport', { size: PAGE }), 'createExport'), BAD_CONF);
  });

  for (const [what, size] of [
    ['to half its size', () => Math.floor(L.size / 2)],
    ['to a few bytes short', () => L.size - 3],
    ['to a few bytes long', () => L.size + 5],
  ]) {
    it(`truncated ${what}: members and newcomers get RSMERR_BAD_CONF`, async () => {
      const c = await cluster();
      fs.truncateSync(fabric, size());
      await expectBadConf(c);
      await peerRejects(within(c.importer.call('connect', { node: 1, segmentId: c.id }), 'connect'), BAD_CONF);
      await alive(c.importer);
    });
  }

  for (const [what, offset, bytes] of [
    ['magic', () => L.magic, Buffer.from('NOTSIMUL')],
    ['version', () => L.version, u32(99)],
    ['layout size', () => L.layoutSize, u32(12345)],
  ]) {
    it(`a wrong ${what}: members and newcomers get RSMERR_BAD_CONF`, async () => {
      const c = await cluster();
      write(offset(), bytes);
      await expectBadConf(c);
    });
  }

  it('garbage over the process and export tables: members and newcomers get RSMERR_BAD_CONF', async () => {
    const c = await cluster();
    write(L.procs, crypto.randomBytes(L.exports + 64 * L.exportSize - L.procs));
    await expectBadConf(c);
  });

  it('garbage over the import table: a newcomer gets RSMERR_BAD_CONF; members go on without crashing', async () => {
    const c = await cluster();
    write(L.imports, crypto.randomBytes(64 * L.importSize));
    assert.equal(newcomer(), BAD_CONF);
    await within(c.importer.call('signal', { on: 'import' }).catch((e) => e), 'signal');
    await alive(c.importer);
    await alive(c.exporter);
  });

  it('an access list length of 1000: connect and newcomers get RSMERR_BAD_CONF', async () => {
    const c = await cluster();
    write(exportEntry(c.id) + L.exportAclLen, u32(1000));
    await peerRejects(within(c.importer.call('connect', { node: 1, segmentId: c.id }), 'connect'), BAD_CONF, 'rsm_memseg_import_connect');
    assert.equal(newcomer(), BAD_CONF);
  });

  it('an export owner slot out of range: connect and newcomers get RSMERR_BAD_CONF', async () => {
    const c = await cluster();
    write(exportEntry(c.id) + L.exportOwner, u32(0xfffffff0));
    await peerRejects(within(c.importer.call('connect', { node: 1, segmentId: c.id }), 'connect'), BAD_CONF, 'rsm_memseg_import_connect');
    await alive(c.importer);
    assert.equal(newcomer(), BAD_CONF);
  });

  it('an export node out of range: publish gets RSMERR_BAD_CONF', async () => {
    const exporter = await member(1);
    await exporter.call('createExport', { size: PAGE });
    write(boundEntry() + L.exportNode, u32(0x7ffffff0));
    await peerRejects(within(exporter.call('publish', {}), 'publish'), BAD_CONF, 'rsm_memseg_export_publish');
    await alive(exporter);
    assert.equal(newcomer(), BAD_CONF);
  });

  it("an import's export index out of range: its signal post gets RSMERR_BAD_CONF", async () => {
    const c = await cluster();
    const index = importEntry(c.id);
    write(L.imports + index * L.importSize + L.importExportIndex, u32(0xffffff00));
    await peerRejects(within(c.importer.call('signal', { on: 'import' }), 'signal'), BAD_CONF, 'rsm_intr_signal_post');
    await alive(c.importer);
    assert.equal(newcomer(), BAD_CONF);
  });

  it("garbage in an import's generation slot: its transfers report RSMERR_CONN_ABORTED", async () => {
    const c = await cluster();
    const index = importEntry(c.id);
    write(L.generation + index * 2, Buffer.from([0xa5, 0x5a]));
    await peerRejects(within(c.importer.call('put', { offset: 0, bytes: [1] }), 'put'), 'RSMERR_CONN_ABORTED');
    await alive(c.importer);
  });

  for (const [what, owner] of [
    ['a live thread that does not hold it', () => process.pid],
    ['a dead thread', () => spawnSync('true').pid],
  ]) {
    it(`a registry lock whose owner names ${what} wedges no member, newcomer or \`rsm sim reset --force\``, async () => {
      const c = await cluster();
      write(L.lock, forgedMutex(owner()));
      write(L.writing, u32(1));  // and the mid-update mark
      const id = await within(c.exporter.call('createExport', { size: PAGE }).then(() => c.exporter.call('publish', {})), 'publish');
      await within(c.importer.call('connect', { node: 1, segmentId: id }), 'connect');
      assert.equal(newcomer(), 'ok');
      const r = spawnSync(process.execPath, [path.join(root, 'bin', 'rsm.js'), 'sim', 'reset', '--dir', dir, '--force'], {
        encoding: 'utf8',
        timeout: HANG_MS,
      });
      assert.equal(r.signal, null, `rsm sim reset --force hung: ${r.stderr}`);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(fs.existsSync(fabric), false);
    });
  }

  it("a signal slot lock whose owner names a live thread that does not hold it wedges neither poster nor waiter", async () => {
    const c = await cluster();
    const index = (exportEntry(c.id) - L.exports) / L.exportSize;
    write(L.exportSignals + index * L.signalSlotSize, forgedMutex(process.pid));
    await within(c.importer.call('signal', { on: 'import' }), 'signal post');
    await within(c.exporter.call('waitSignal', { on: 'export', timeout: 5000 }), 'signal wait');
  });

  it('`rsm sim reset --force` removes a registry too damaged to read', async () => {
    await member(1);
    fs.truncateSync(fabric, 100);
    const r = spawnSync(process.execPath, [path.join(root, 'bin', 'rsm.js'), 'sim', 'reset', '--dir', dir, '--force'], {
      encoding: 'utf8',
      timeout: HANG_MS,
    });
    assert.equal(r.status, 0, `${r.signal ?? ''} ${r.stderr}`);
    assert.equal(fs.existsSync(fabric), false);
  });

  it('in C: a registry truncated under the program gives RSMERR_BAD_CONF from each call, no SIGBUS', () => {
    const r = spawnSync(path.join(programs, 'rsm_c_damaged_registry'), [], {
      env: { ...process.env, RSM_SIM_DIR: dir, RSM_SIM_NODE: '1' },
      encoding: 'utf8',
      timeout: HANG_MS,
    });
    assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`);
    const code = rsm.codes.RSMERR_BAD_CONF;
    assert.equal(
      r.stdout,
      ['rsm_memseg_export_publish', 'rsm_memseg_export_create', 'rsm_memseg_import_connect', 'rsm_get_controller']
        .map((f) => `${f} ${code}\n`)
        .join(''),
    );
    assert.deepEqual(fs.readdirSync(dir), ['fabric']);
  });
});
