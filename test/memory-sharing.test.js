'use strict';
// How segment memory is stored and shared between processes, and who may
// reach it: a private cluster by default, a shared one on purpose, read-only
// grants that hold against the importer, importers cut off whatever the
// spelling of RSM_SIM_DIR, rebind transparent to importers, and no orphaned
// memory after SIGKILL. Each through the facade (peer processes) and in C
// (test/c/memory_peer.c linked against librsmsim.so).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const rsm = require('..');
const { Peer } = require('./support/peer-client');
const { lineProgram } = require('./support/nodes');
const { runChild } = require('./support/child');
const { makeClusterDir, sharedClusterEnv, removeClusterDir, shmRoot } = require('./support/cluster-dir');

const PAGE = rsm.pageSize;
const program = path.join(process.env.RSMAPI_TEST_C_PROGRAMS || path.join(__dirname, '..', 'build', 'Release'), 'rsm_c_memory_peer');
const code = (name) => rsm.codes[name];
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** test/c/memory_peer.c in its own process (test/support/nodes.js): one command, one answer line. */
class CPeer {
  /** `env` adds to this process's environment; { exact: true } makes it the whole of it. */
  static async start(env, { exact = false } = {}) {
    const p = new CPeer(lineProgram(program, [], env, { exact }));
    const first = await p.#node.line();
    assert.match(first, /^ready \d+$/);
    return p;
  }

  #node;
  exited;

  constructor(node) {
    this.#node = node;
    this.exited = node.exited;
  }

  get pid() {
    return this.#node.pid;
  }

  /** Sends a command; resolves with its answer line ('exited' if the program ended first). */
  cmd(line) {
    return this.#node.ask(line).catch(() => 'exited');
  }

  /** The value of an "ok <n>" answer; throws on anything else. */
  async value(line) {
    const a = await this.cmd(line);
    const m = /^ok (\d+)/.exec(a);
    if (!m) throw new Error(`${line}: ${a}`);
    return Number(m[1]);
  }

  async stop(signal = 'SIGTERM') {
    return this.#node.stop({ signal });
  }
}

/** The code a facade call in a fresh process gives, and its message. */
function facadeConf(env) {
  const r = runChild("rsm.getController('sci0').release(); return 'ok';", env);
  return r.error ? { code: r.error.code, message: r.error.message } : { code: 'ok' };
}

/** The same through C: "ok" or "rc <n> <configuration error>". */
async function cConf(env, options) {
  const p = await CPeer.start(env, options);
  try {
    return await p.cmd('conf');
  } finally {
    await p.stop();
  }
}

describe('segment memory: who may reach it, and how it is shared', function () {
  this.timeout(60000);
  const made = [];
  const peers = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) await p.stop();
    for (const d of made.splice(0)) {
      if (fs.lstatSync(d, { throwIfNoEntry: false })?.isSymbolicLink()) fs.rmSync(d);
      else removeClusterDir(d);
    }
  });
  const dirOf = (tag, options) => {
    const d = makeClusterDir(tag, options);
    made.push(d);
    return d;
  };
  const cpeer = async (env) => {
    const p = await CPeer.start(env);
    peers.push(p);
    return p;
  };
  const peer = async (node, env) => {
    const p = await Peer.start({ node, env });
    peers.push(p);
    return p;
  };

  before(function () {
    assert.ok(fs.existsSync(program), `${program} was not built`);
  });

  describe('a private cluster (the default)', () => {
    it('creates an explicit RSM_SIM_DIR 0700 with its registry 0600, and no segment file, through the facade and in C', async () => {
      const base = dirOf('rsmapi-priv-');
      for (const via of ['facade', 'C']) {
        const dir = path.join(base, via);
        const env = { RSM_SIM_DIR: dir, RSM_SIM_NODE: '1' };
        if (via === 'facade') {
          const r = runChild(
            `const c = rsm.getController('sci0'); const e = c.createExport(${PAGE}); const id = await e.publish();
             const i = await c.connect(1, id); i.put(0, Uint8Array.of(1));
             const files = require('fs').readdirSync(${JSON.stringify(dir)}); i.disconnect(); e.destroy(); c.release(); return files;`,
            env,
          );
          assert.deepEqual(r.value, ['fabric'], JSON.stringify(r.error));
        } else {
          const p = await cpeer(env);
          const id = await p.value('export 8192 0 -1 0');
          assert.equal(await p.cmd(`connect 1 ${id} ${rsm.Permission.RDWR}`), 'ok');
          assert.equal(await p.cmd('put 0 5'), 'ok');
          assert.deepEqual(fs.readdirSync(dir), ['fabric'], 'segment memory is not a file of the cluster');
        }
        assert.equal(fs.statSync(dir).mode & 0o7777, 0o700, `${via}: directory mode`);
        assert.equal(fs.statSync(path.join(dir, 'fabric')).mode & 0o7777, 0o600, `${via}: registry mode`);
      }
    });

    it('refuses a directory others can write, naming it and the fix (RSMERR_BAD_CONF), unless shared on purpose', async () => {
      const open = dirOf('rsmapi-open-');
      fs.chmodSync(open, 0o777);
      const env = { RSM_SIM_DIR: open };
      const want = new RegExp(`${open} can be written by other users \\(mode 0777\\): chmod 700 ${open}; to share a cluster between users on purpose, set RSM_SIM_SHARED=1`);
      const f = facadeConf(env);
      assert.equal(f.code, 'RSMERR_BAD_CONF');
      assert.match(f.message, want);
      assert.match(await cConf(env), new RegExp(`^rc ${code('RSMERR_BAD_CONF')} .*${want.source}`));
      // Shared on purpose: still refused while anyone could replace the registry...
      const shared = { ...env, RSM_SIM_SHARED: '1' };
      assert.match(facadeConf(shared).message, /is shared but not sticky \(mode 0777\).*chmod \+t/);
      assert.match(await cConf(shared), /is shared but not sticky/);
      // ...and accepted once sticky.
      fs.chmodSync(open, 0o1777);
      assert.equal(facadeConf(shared).code, 'ok');
      assert.equal(await cConf(shared), 'ok');
      assert.equal(fs.statSync(path.join(open, 'fabric')).mode & 0o777, 0o666, 'a shared registry is open to the other users');
      assert.match(facadeConf({ ...env, RSM_SIM_SHARED: 'yes' }).message, /RSM_SIM_SHARED: 'yes' is neither 1/);
    });

    it('refuses a registry that is a symbolic link, or that another user owns or can write', async function () {
      const dir = dirOf('rsmapi-reg-');
      const elsewhere = dirOf('rsmapi-reg-target-');
      fs.writeFileSync(path.join(elsewhere, 'fabric'), '');
      fs.symlinkSync(path.join(elsewhere, 'fabric'), path.join(dir, 'fabric'));
      const env = { RSM_SIM_DIR: dir };
      assert.match(facadeConf(env).message, /fabric: .*symbolic link: remove it/);
      assert.match(await cConf(env), /symbolic link: remove it/);
      fs.rmSync(path.join(dir, 'fabric'));
      fs.writeFileSync(path.join(dir, 'fabric'), '');
      fs.chmodSync(path.join(dir, 'fabric'), 0o666);
      assert.match(facadeConf(env).message, /fabric belongs to another user or can be written by others: remove it/);
      assert.match(await cConf(env), /can be written by others/);
      if (!isRoot) return;
      fs.chmodSync(path.join(dir, 'fabric'), 0o600);
      fs.chownSync(path.join(dir, 'fabric'), 1001, 1001);
      assert.match(facadeConf(env).message, /fabric belongs to another user/);
    });

    it('refuses an explicit directory another user owns', async function () {
      if (!isRoot) this.skip('needs root to give a directory away');
      const dir = dirOf('rsmapi-theirs-');
      fs.chownSync(dir, 1001, 1001);
      const env = { RSM_SIM_DIR: dir };
      assert.match(facadeConf(env).message, new RegExp(`RSM_SIM_DIR: ${dir} belongs to uid 1001, not to this user \\(uid 0\\)`));
      assert.match(await cConf(env), /belongs to uid 1001/);
    });

    it('never reaches the default directory through a symbolic link, nor uses one another user owns', async function () {
      if (!isRoot) this.skip('needs root: runs as a uid of its own so its default directory is not in use');
      if (shmRoot() !== '/dev/shm' && !process.env.RSMAPI_TEST_ROOT) this.skip('no /dev/shm');
      const uid = 42000 + (process.pid % 1000);
      const theDefault = `/dev/shm/rsmsim-${uid}`;
      fs.rmSync(theDefault, { recursive: true, force: true });
      const target = dirOf('rsmapi-default-target-');
      fs.chownSync(target, uid, uid);
      fs.symlinkSync(target, theDefault);
      made.push(theDefault);
      const env = { RSM_SIM_DIR: undefined, RSM_TEST_UID: String(uid), RSM_TEST_GID: String(uid) };
      delete env.RSM_SIM_DIR;
      const childEnv = { ...process.env, ...env };
      delete childEnv.RSM_SIM_DIR;
      const asUser = `process.setgroups([]); process.setgid(${uid}); process.setuid(${uid});
        try { rsm.getController('sci0').release(); return 'ok'; } catch (e) { return { code: e.code, message: e.message }; }`;
      const viaFacade = () => runChildWithout(asUser, childEnv);
      assert.match(viaFacade().message, new RegExp(`cluster directory ${theDefault} is a symbolic link or not a directory`));
      assert.match(await cConf(childEnv, { exact: true }), /is a symbolic link or not a directory/);
      fs.rmSync(theDefault);
      fs.mkdirSync(theDefault, { mode: 0o700 }); // root's, not the user's
      assert.match(viaFacade().message, new RegExp(`cluster directory ${theDefault} belongs to uid 0, not to this user \\(uid ${uid}\\)`));
      assert.match(await cConf(childEnv, { exact: true }), /belongs to uid 0/);
      fs.rmdirSync(theDefault);
      assert.equal(viaFacade(), 'ok', 'made afresh, private');
      assert.equal(fs.lstatSync(theDefault).mode & 0o7777, 0o700);
      assert.equal(fs.lstatSync(theDefault).uid, uid);
      fs.rmSync(theDefault, { recursive: true });
    });
  });

  describe('a cluster shared between users on purpose (needs root)', () => {
    let cluster;
    const OWNER = { RSM_TEST_UID: '1001', RSM_TEST_GID: '1001', RSM_TEST_GROUPS: '' };
    const OTHER = { RSM_TEST_UID: '1003', RSM_TEST_GID: '1003', RSM_TEST_GROUPS: '' };
    beforeEach(function () {
      if (!isRoot) this.skip('needs root: processes of other uids');
      cluster = dirOf('rsmapi-shared-', { shared: true });
    });

    it('gives a read-only importer of another user a descriptor that can be neither mapped writable, reopened read-write nor truncated', async () => {
      const env = sharedClusterEnv(cluster);
      // Through the facade.
      const exporter = await peer(2, { ...env, ...OWNER });
      await exporter.call('getController', { name: 'sci0' });
      await exporter.call('createExport', { size: PAGE });
      const id = await exporter.call('publish', { accessList: [{ node: 3, permission: 0o644 }] });
      const importer = await peer(3, { ...env, ...OTHER });
      await importer.call('getController', { name: 'sci0' });
      await importer.call('connect', { node: 2, segmentId: id, permission: rsm.Permission.READ });
      assert.equal(await importer.call('map', { offset: 0, length: PAGE, permission: rsm.Permission.READ }), false);
      assert.deepEqual(await importer.call('memoryDescriptors'), [{ mode: 'ro', reopen: 'EACCES' }]);
      // In C.
      const cx = await cpeer({ ...env, ...OWNER, RSM_SIM_NODE: '2' });
      const cid = await cx.value('export 8192 0 3 420'); // 0644
      const ci = await cpeer({ ...env, ...OTHER, RSM_SIM_NODE: '3' });
      assert.equal(await ci.cmd(`connect 2 ${cid} ${rsm.Permission.READ}`), 'ok');
      assert.equal(await ci.cmd(`map ${rsm.Permission.READ}`), 'ok');
      assert.equal(await ci.cmd('fdcheck'), 'ok 1 ro:nomap:noreopen:notrunc');
      assert.equal(await cx.cmd('xwrite 0 9'), 'ok');
      assert.equal(await ci.cmd('mread 0'), 'ok 9', 'it still reads the live memory');
    });

    it('keeps a denied connect denied when the registry is rewritten (the exporter decides from its own records)', async () => {
      const env = sharedClusterEnv(cluster);
      const forge = () => {
        // The one access entry { node 3, 0644 } in the registry: make it 0666.
        const file = path.join(cluster, 'fabric');
        const buf = fs.readFileSync(file);
        const entry = Buffer.from([3, 0, 0, 0, 0o644 & 0xff, 0o644 >> 8, 0, 0]);
        const at = buf.indexOf(entry);
        assert.ok(at >= 0 && buf.indexOf(entry, at + 1) < 0, 'one such entry');
        const fd = fs.openSync(file, 'r+');
        fs.writeSync(fd, Buffer.from([0o666 & 0xff, 0o666 >> 8]), 0, 2, at + 4);
        fs.closeSync(fd);
      };
      // In C.
      const cx = await cpeer({ ...env, ...OWNER, RSM_SIM_NODE: '2' });
      const cid = await cx.value('export 8192 0 3 420');
      const ci = await cpeer({ ...env, ...OTHER, RSM_SIM_NODE: '3' });
      assert.equal(await ci.cmd(`connect 2 ${cid} ${rsm.Permission.RDWR}`), `rc ${code('RSMERR_PERM_DENIED')} rsm_memseg_import_connect`);
      forge();
      assert.equal(await ci.cmd(`connect 2 ${cid} ${rsm.Permission.RDWR}`), `rc ${code('RSMERR_PERM_DENIED')} rsm_memseg_import_connect`);
      assert.equal(await ci.cmd(`connect 2 ${cid} ${rsm.Permission.READ}`), 'ok', 'what the exporter granted still works');
      assert.equal(await ci.cmd('fdcheck'), 'ok 1 ro:nomap:noreopen:notrunc');
      await cx.cmd('destroy');
      // Through the facade.
      const exporter = await peer(2, { ...env, ...OWNER });
      await exporter.call('getController', { name: 'sci0' });
      await exporter.call('createExport', { size: PAGE });
      const id = await exporter.call('publish', { accessList: [{ node: 3, permission: 0o644 }] });
      forge();
      const importer = await peer(3, { ...env, ...OTHER });
      await importer.call('getController', { name: 'sci0' });
      const [r] = await importer.call('probe', { node: 2, requests: [{ segmentId: id, permission: rsm.Permission.RDWR }] });
      assert.deepEqual(r, { connect: 'RSMERR_PERM_DENIED', map: null });
    });
  });

  describe('unpublish and destroy cut importers off, whatever the spelling of RSM_SIM_DIR', () => {
    const spellings = {
      'a symbolic link': (dir) => {
        const link = `${dir}-link`;
        fs.symlinkSync(dir, link);
        made.push(link);
        return link;
      },
      'a relative path': (dir) => path.relative(process.cwd(), dir),
      'a path with //': (dir) => dir.replace(/\/([^/]+)$/, '//$1'),
    };
    for (const [name, spell] of Object.entries(spellings)) {
      it(`${name}: through the facade (unpublish) and in C (unpublish, destroy)`, async () => {
        const dir = dirOf('rsmapi-spell-');
        const exporterEnv = { RSM_SIM_DIR: spell(dir) };
        const importerEnv = { RSM_SIM_DIR: dir };
        // Through the facade.
        const exporter = await peer(2, exporterEnv);
        await exporter.call('getController', { name: 'sci0' });
        await exporter.call('createExport', { size: PAGE });
        const id = await exporter.call('publish', {});
        const importer = await peer(3, importerEnv);
        await importer.call('getController', { name: 'sci0' });
        await importer.call('connect', { node: 2, segmentId: id, permission: rsm.Permission.RDWR });
        await importer.call('map', { offset: 0, length: PAGE, permission: rsm.Permission.RDWR });
        await importer.call('mapWrite', { at: 0, bytes: [1] });
        assert.deepEqual(await exporter.call('readExport', { at: 0, length: 1 }), [1], 'shared before');
        await exporter.call('unpublish');
        await importer.call('mapWrite', { at: 0, bytes: [2] });
        await exporter.call('fillExport', { at: 1, bytes: [3] });
        assert.deepEqual(await exporter.call('readExport', { at: 0, length: 1 }), [1], "the importer's store does not reach the exporter");
        assert.deepEqual(await importer.call('mapRead', { at: 1, length: 1 }), [0], "the exporter's store does not reach the importer");
        // In C, unpublish then destroy.
        for (const step of ['unpublish', 'destroy']) {
          const cx = await cpeer({ ...exporterEnv, RSM_SIM_NODE: '2' });
          const cid = await cx.value('export 8192 0 -1 0');
          const ci = await cpeer({ ...importerEnv, RSM_SIM_NODE: '3' });
          assert.equal(await ci.cmd(`connect 2 ${cid} ${rsm.Permission.RDWR}`), 'ok');
          assert.equal(await ci.cmd(`map ${rsm.Permission.RDWR}`), 'ok');
          assert.equal(await ci.cmd('mwrite 0 1'), 'ok');
          assert.equal(await cx.cmd('xread 0'), 'ok 1');
          assert.equal(await cx.cmd(step), 'ok');
          assert.equal(await ci.cmd('mwrite 0 2'), 'ok');
          assert.equal(await cx.cmd('xwrite 1 3'), 'ok');
          assert.equal(await cx.cmd('xread 0'), 'ok 1', `${step}: the importer's store does not reach the exporter`);
          assert.equal(await ci.cmd('mread 1'), 'ok 0', `${step}: the exporter's store does not reach the importer`);
        }
      });
    }
  });

  describe('rebind is transparent to importers (docs/semantics.md §5.4)', () => {
    it('through the facade: an existing mapping, implicit put/get and a new mapping all reach the new memory', async () => {
      const exporter = await peer(2, {});
      await exporter.call('getController', { name: 'sci0' });
      await exporter.call('createExport', { size: PAGE, allowRebind: true });
      const id = await exporter.call('publish', {});
      const mapped = await peer(3, {});
      await mapped.call('getController', { name: 'sci0' });
      await mapped.call('connect', { node: 2, segmentId: id, permission: rsm.Permission.RDWR });
      await mapped.call('map', { offset: 0, length: PAGE, permission: rsm.Permission.RDWR });
      const implicit = await peer(4, {});
      await implicit.call('getController', { name: 'sci0' });
      await implicit.call('connect', { node: 2, segmentId: id, permission: rsm.Permission.RDWR });
      await implicit.call('put', { offset: 0, bytes: [7] });
      await exporter.call('rebind');
      assert.deepEqual(await exporter.call('readExport', { at: 0, length: 1 }), [7], 'contents kept');
      await exporter.call('fillExport', { at: 1, bytes: [11] });
      assert.deepEqual(await mapped.call('mapRead', { at: 1, length: 1 }), [11], 'the existing mapping reads the new memory');
      assert.deepEqual(await implicit.call('get', { offset: 1, length: 1 }), [11], 'get reads the new memory');
      await mapped.call('mapWrite', { at: 2, bytes: [22] });
      await implicit.call('put', { offset: 3, bytes: [33] });
      assert.deepEqual(await exporter.call('readExport', { at: 2, length: 2 }), [22, 33], 'nothing written after the rebind is lost');
      await mapped.call('unmap');
      await mapped.call('map', { offset: 0, length: PAGE, permission: rsm.Permission.RDWR });
      assert.deepEqual(await mapped.call('mapRead', { at: 1, length: 3 }), [11, 22, 33], 'a new mapping too');
      await exporter.call('rebind');
      await mapped.call('mapWrite', { at: 4, bytes: [44] });
      assert.deepEqual(await exporter.call('readExport', { at: 4, length: 1 }), [44], 'and again after a second rebind');
    });

    it('in C: an existing mapping and put/get reach the new memory; the old pages are the process\'s own again', async () => {
      const cx = await cpeer({ RSM_SIM_NODE: '2' });
      const id = await cx.value('export 8192 0 -1 0');
      const mapped = await cpeer({ RSM_SIM_NODE: '3' });
      assert.equal(await mapped.cmd(`connect 2 ${id} ${rsm.Permission.RDWR}`), 'ok');
      assert.equal(await mapped.cmd(`map ${rsm.Permission.RDWR}`), 'ok');
      const implicit = await cpeer({ RSM_SIM_NODE: '4' });
      assert.equal(await implicit.cmd(`connect 2 ${id} ${rsm.Permission.RDWR}`), 'ok');
      assert.equal(await implicit.cmd('put 0 7'), 'ok');
      assert.equal(await cx.cmd('rebind'), 'ok');
      assert.equal(await cx.cmd('xread 0'), 'ok 7');
      assert.equal(await cx.cmd('xwrite 1 11'), 'ok');
      assert.equal(await mapped.cmd('mread 1'), 'ok 11');
      assert.equal(await implicit.cmd('get 1'), 'ok 11');
      assert.equal(await mapped.cmd('mwrite 2 22'), 'ok');
      assert.equal(await implicit.cmd('put 3 33'), 'ok');
      assert.equal(await cx.cmd('xread 2'), 'ok 22');
      assert.equal(await cx.cmd('xread 3'), 'ok 33');
    });
  });

  describe('an exporter that cannot answer', () => {
    it('stopped: connect fails with RSMERR_REMOTE_NODE_UNREACHABLE within a bounded wait, in C and through the facade; dead: RSMERR_SEG_NOT_PUBLISHED', async function () {
      this.timeout(60000);
      const cx = await cpeer({ RSM_SIM_NODE: '2' });
      const id = await cx.value('export 8192 0 -1 0');
      const ci = await cpeer({ RSM_SIM_NODE: '3' });
      const ctl = rsm.getController('sci0');
      try {
        process.kill(cx.pid, 'SIGSTOP');
        try {
          let t = Date.now();
          assert.equal(await ci.cmd(`connect 2 ${id} ${rsm.Permission.RDWR}`), `rc ${code('RSMERR_REMOTE_NODE_UNREACHABLE')} rsm_memseg_import_connect`);
          assert.ok(Date.now() - t < 15000, 'bounded');
          t = Date.now();
          await assert.rejects(ctl.connect(2, id), (e) => e.code === 'RSMERR_REMOTE_NODE_UNREACHABLE');
          assert.ok(Date.now() - t < 15000, 'bounded');
        } finally {
          process.kill(cx.pid, 'SIGCONT');
        }
        assert.equal(await ci.cmd(`connect 2 ${id} ${rsm.Permission.RDWR}`), 'ok', 'answers again once it runs');
        await cx.stop('SIGKILL');
        await assert.rejects(ctl.connect(2, id), (e) => e.code === 'RSMERR_SEG_NOT_PUBLISHED');
      } finally {
        ctl.release();
      }
    });
  });

  describe('no orphaned segment memory after SIGKILL', () => {
    it('a few hundred kills of processes churning create/publish/connect/rebind/destroy leave only the registry', async function () {
      this.timeout(90000);
      const dir = dirOf('rsmapi-churn-');
      // The churning processes' temp dir is one of this test's own, so what
      // they might leave outside the cluster directory is seen there, and
      // nothing else on the machine is looked at.
      const tmp = dirOf('rsmapi-churn-tmp-');
      const env = { RSM_SIM_DIR: dir, RSM_SIM_NODE: '1', TMPDIR: tmp };
      const started = Date.now();
      let kills = 0;
      let seed = 1;
      const worker = async () => {
        while (kills < 300 && Date.now() - started < 30000) {
          const p = await CPeer.start(env);
          p.cmd(`churn 60000 ${seed++}`).catch(() => {});
          await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 60)));
          await p.stop('SIGKILL');
          kills++;
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      // A newcomer sweeps what the dead left in the registry.
      const survivor = runChild(
        `const c = rsm.getController('sci0'); c.createExport(${PAGE}).destroy(); c.release(); return rsm.sim.snapshot();`,
        { ...env, RSM_BACKEND: 'sim' },
      );
      const orphans = fs.readdirSync(dir).filter((f) => f !== 'fabric');
      const shmOrphans = fs.readdirSync(tmp);
      console.log(`      churn: ${kills} kills, ${orphans.length + shmOrphans.length} orphans`);
      assert.ok(kills >= 100, `only ${kills} kills`);
      assert.deepEqual(orphans, []);
      assert.deepEqual(shmOrphans, []);
      assert.deepEqual(survivor.value.segments, [], 'no segment of a dead process is left in the registry');
    });
  });
});

/** runChild with an environment that lacks some variables altogether. */
function runChildWithout(body, env) {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
  try {
    const r = runChild(body, env);
    return r.value ?? r.error;
  } finally {
    for (const k of Object.keys(saved)) process.env[k] = saved[k];
  }
}
