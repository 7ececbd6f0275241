'use strict';
// The `rsm` command, run as a user runs it: a separate process, judged by
// its exit code and output.
const assert = require('node:assert/strict');
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const rsm = require('..');
const { makeClusterDir, removeClusterDir } = require('./support/cluster-dir');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');
const { Peer } = require('./support/peer-client');
const { runChild } = require('./support/child');

const CLI = path.join(__dirname, '..', 'bin', 'rsm.js');

function cli(args, { env = {}, unset = [] } = {}) {
  const childEnv = { ...process.env, ...env };
  for (const name of unset) delete childEnv[name];
  return spawnSync(process.execPath, [CLI, ...args], { env: childEnv, encoding: 'utf8', timeout: 20000 });
}

describe('the rsm command', () => {
  describe('command line', () => {
    it('prints help with --help and exits 0', () => {
      const r = cli(['--help']);
      assert.equal(r.status, 0, r.stderr);
      for (const c of ['backend', 'topology', 'segments', 'watch', 'sim reset', 'sim run']) assert.match(r.stdout, new RegExp(c));
      assert.match(cli(['segments', '--help']).stdout, /Usage: rsm segments/);
    });

    it('exits 2 with a message for a missing or unknown command or option', () => {
      const cases = [
        [[], /Usage: rsm/],
        [['frobnicate'], /unknown command 'frobnicate'/],
        [['segments', '--bogus'], /Unknown option '--bogus'/],
        [['sim', 'explode'], /unknown sim command 'explode'/],
        [['sim', 'run', '--', 'true'], /needs --node/],
        [['sim', 'run', '--node', 'x', '--', 'true'], /--node must be a node id/],
        [['sim', 'run', '--node', '64', '--', 'true'], /--node must be a node id/],
        [['sim', 'run', '--node', '2'], /needs a command/],
        [['watch', '--bogus'], /Unknown option '--bogus'/],
        [['watch', '--interval', '0'], /--interval must be a number of seconds from 0.1 to 3600, got '0'/],
        [['watch', '-n', 'soon'], /--interval must be a number of seconds from 0.1 to 3600, got 'soon'/],
        [['watch', '--interval', '3601'], /--interval must be/],
        [['topology', '--dot', '--color'], /Unknown option '--color'/],
      ];
      for (const [args, message] of cases) {
        const r = cli(args);
        assert.equal(r.status, 2, `rsm ${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message, `rsm ${args.join(' ')}`);
      }
    });
  });

  describe('messages', () => {
    it('--version prints the package version', () => {
      for (const flag of ['--version', '-V']) {
        const r = cli([flag]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, `${require('../package.json').version}\n`);
      }
    });

    /** One line on stderr, naming `what`, and no JavaScript stack. */
    const oneLine = (r, what) => {
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
      assert.match(r.stderr, /^rsm: /);
      assert.ok(r.stderr.includes(what), `${JSON.stringify(what)} named in ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    };

    it('a mistake on the command line or in the environment is one line naming it, with no stack', () => {
      const cases = [
        [['segments', '--bogus'], {}, 2, '--bogus'],
        [['frobnicate'], {}, 2, 'frobnicate'],
        [['topology'], { RSM_SIM_NODE: 'abc' }, 1, 'RSM_SIM_NODE'],
        [['topology'], { RSM_SIM_TOPOLOGY: '/nonexistent/topology' }, 1, 'RSM_SIM_TOPOLOGY'],
        [['segments', '--dir', '/nonexistent/cluster'], {}, 1, '/nonexistent/cluster'],
        [['watch', '--once', '--dir', '/nonexistent/cluster'], {}, 1, '/nonexistent/cluster'],
        [['watch', '--once', '-n', '-1'], {}, 2, "'-n'"],
        [['watch', '--once'], { RSM_SIM_NODE: 'abc' }, 1, 'RSM_SIM_NODE'],
        [['topology', '--dot'], { RSM_SIM_NODE: 'abc' }, 1, 'RSM_SIM_NODE'],
      ];
      for (const [args, env, status, what] of cases) {
        const r = cli(args, { env });
        assert.equal(r.status, status, `rsm ${args.join(' ')}: ${r.stderr}`);
        oneLine(r, what);
        assert.equal(r.stdout, '');
      }
    });

    it('with --json an error is a JSON object on stdout', () => {
      const usage = cli(['segments', '--json', '--bogus']);
      assert.equal(usage.status, 2);
      assert.deepEqual(JSON.parse(usage.stdout), { error: { code: 'ERR_RSM_USAGE', message: "Unknown option '--bogus' (see rsm segments --help)" } });
      const conf = cli(['topology', '--json'], { env: { RSM_SIM_NODE: 'abc' } });
      assert.equal(conf.status, 1);
      const { error } = JSON.parse(conf.stdout);
      assert.equal(error.code, 'RSMERR_BAD_CONF');
      assert.match(error.message, /RSM_SIM_NODE: 'abc' is not a node id/);
      const both = cli(['topology', '--dot', '--json']);
      assert.equal(both.status, 2);
      assert.deepEqual(JSON.parse(both.stdout), {
        error: { code: 'ERR_RSM_USAGE', message: '--json and --dot cannot be used together (see rsm topology --help)' },
      });
      const none = cli(['segments', '--json', '--dir', '/nonexistent/cluster']);
      assert.equal(none.status, 1);
      assert.equal(JSON.parse(none.stdout).error.code, 'ERR_RSM_NO_CLUSTER');
    });
  });

  it('backend: exits 1 when the backend RSM_BACKEND asks for cannot be used, saying why', () => {
    for (const env of [{ RSM_BACKEND: 'native', RSM_LIBRARY: '/nonexistent/librsm.so' }, { RSM_BACKEND: 'bogus' }]) {
      const text = cli(['backend'], { env });
      assert.equal(text.status, 1, `${JSON.stringify(env)}: ${text.stdout}`);
      assert.match(text.stdout, /^backend\s+none$/m);
      assert.match(text.stderr, /^rsm: backend unavailable: .*(\/nonexistent\/librsm\.so|RSM_BACKEND=bogus)/);
      const json = cli(['backend', '--json'], { env });
      assert.equal(json.status, 1);
      assert.equal(JSON.parse(json.stdout).name, 'none');
    }
    assert.equal(cli(['backend'], { env: { RSM_BACKEND: 'sim' } }).status, 0);
  });

  it('backend: reports what the facade reports, as a table and as JSON', () => {
    const json = cli(['backend', '--json']);
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { ...rsm.backend() });
    const text = cli(['backend']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^backend\\s+${rsm.backend().name}$`, 'm'));
    assert.match(text.stdout, /^reason\s+\S/m);
  });

  it("topology: lists each controller's connections, as a table and as JSON", () => {
    const expected = rsm.getTopology();
    const json = cli(['topology', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const hex = (v) => `0x${v.toString(16)}`;
    assert.deepEqual(JSON.parse(json.stdout), {
      localNode: expected.localNode,
      controllers: expected.controllers.map((c) => ({
        name: c.name,
        hwaddr: hex(c.hwaddr),
        remotes: c.remotes.map((r) => ({ ...r, hwaddr: hex(r.hwaddr) })),
      })),
    });
    const text = cli(['topology']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^local node ${expected.localNode}$`, 'm'));
    const remotes = expected.controllers.flatMap((c) => c.remotes.map((r) => [c.name, r]));
    assert.ok(remotes.length > 0, 'the default topology links the nodes');
    for (const [name, r] of remotes) {
      const row = new RegExp(`^${name}\\s+\\S+\\s+${r.node}\\s+${r.name}\\s+${hex(r.hwaddr)}\\s+active$`, 'm');
      assert.match(text.stdout, row);
    }
  });

  it('topology --dot: a Graphviz graph of the nodes, their controllers and each connection with its state', () => {
    const topology = rsm.getTopology();
    const r = cli(['topology', '--dot']);
    assert.equal(r.status, 0, r.stderr);
    const graph = parseDot(r.stdout);
    const remotes = topology.controllers.flatMap((c) => c.remotes.map((remote) => [c.name, remote]));
    assert.ok(remotes.length > 0, 'the default topology links the nodes');
    // Every controller of the local node and every remote one is a node of the graph, in its node's box.
    for (const c of topology.controllers) assert.equal(graph.nodes.get(`${topology.localNode}:${c.name}`), `cluster_node_${topology.localNode}`);
    for (const [, remote] of remotes) assert.equal(graph.nodes.get(`${remote.node}:${remote.name}`), `cluster_node_${remote.node}`);
    // One edge per connection, labelled with its state.
    const expected = remotes.map(([name, remote]) => `${topology.localNode}:${name} -- ${remote.node}:${remote.name} active`).sort();
    assert.deepEqual(graph.edges.map((e) => `${e.from} -- ${e.to} ${e.attrs.label}`).sort(), expected);
    const dot = spawnSync('dot', ['-Tplain'], { input: r.stdout, encoding: 'utf8' });
    if (dot.error && dot.error.code === 'ENOENT') return; // Graphviz is not installed: the structural check above stands alone.
    assert.equal(dot.status, 0, dot.stderr);
    assert.equal(dot.stdout.split('\n').filter((l) => l.startsWith('edge ')).length, remotes.length, dot.stdout);
  });

  describe('segments', () => {
    const held = tracker();
    afterEach(() => held.release());

    it('lists a segment with its owner, access list, state and importers', async () => {
      const ctl = held.add(rsm.getController(CONTROLLER));
      const exp = held.add(ctl.createExport(2 * PAGE));
      const unpublished = held.add(ctl.createExport(PAGE));
      const id = await exp.publish({ accessList: [{ node: 1, permission: 0o640 }, { node: 2, permission: 0o400 }] });
      held.add(await ctl.connect(1, id, { permission: rsm.Permission.READ }));

      const r = cli(['segments', '--json']);
      assert.equal(r.status, 0, r.stderr);
      const snap = JSON.parse(r.stdout);
      assert.equal(snap.dir, path.resolve(process.env.RSM_SIM_DIR));
      const seg = snap.segments.find((s) => s.segmentId === id);
      assert.ok(seg, `segment ${id} missing from ${r.stdout}`);
      assert.equal(seg.state, 'published');
      assert.equal(seg.node, 1);
      assert.equal(seg.length, 2 * PAGE);
      assert.equal(seg.controller, CONTROLLER);
      assert.equal(seg.pid, process.pid);
      assert.equal(seg.ownerAlive, true);
      assert.equal(seg.uid, process.getuid());
      assert.equal(seg.gid, process.getgid());
      assert.deepEqual(seg.accessList, [
        { node: 1, permission: 0o640 },
        { node: 2, permission: 0o400 },
      ]);
      // Read access (0o444) under a grant of 0o640.
      assert.deepEqual(seg.importers, [{ node: 1, pid: process.pid, permission: 0o440, connected: true, pendingSignals: 0 }]);
      const bound = snap.segments.find((s) => s.pid === process.pid && s.state === 'bound');
      assert.ok(bound, 'the unpublished export is listed as bound');
      assert.equal(bound.segmentId, null);
      assert.equal(bound.length, unpublished.size);

      const table = cli(['segments']);
      assert.equal(table.status, 0, table.stderr);
      const line = table.stdout.split('\n').find((l) => l.includes(`0x${id.toString(16)}`));
      assert.ok(line, table.stdout);
      assert.match(line, /published/);
      assert.match(line, /1:0640,2:0400/);
      assert.match(line, new RegExp(`1/${process.pid}:0440`));
    });

    it('fails with exit 1 for a directory that holds no simulated cluster', () => {
      const dir = makeClusterDir('rsmapi-cli-empty-');
      try {
        const r = cli(['segments', '--dir', dir]);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /no simulated cluster/);
        assert.deepEqual(fs.readdirSync(dir), [], 'looking created nothing');
      } finally {
        removeClusterDir(dir);
      }
    });

    it('uses the same default cluster directory as the simulator', function () {
      // Needs a fresh default directory that no one else uses: a private uid.
      if (process.getuid() !== 0) this.skip();
      const uid = 40000 + (process.pid % 20000);
      const env = { ...process.env, RSM_BACKEND: 'sim' };
      delete env.RSM_SIM_DIR;
      const opts = { env, uid, gid: uid, encoding: 'utf8', cwd: '/' };
      // That user must be able to read the package (not so in a private checkout).
      const readable = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(CLI)}, 4)`], opts);
      if (readable.status !== 0) this.skip();
      const sim = spawnSync(process.execPath, ['-e', `console.log(require(${JSON.stringify(path.join(__dirname, '..'))}).sim.snapshot().dir)`], opts);
      const simDir = sim.stdout.trim();
      try {
        assert.equal(sim.status, 0, sim.stderr);
        assert.match(simDir, new RegExp(`rsmsim-${uid}$`));
        const r = spawnSync(process.execPath, [CLI, 'segments', '--json'], opts);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(JSON.parse(r.stdout).dir, simDir);
      } finally {
        if (simDir.endsWith(`rsmsim-${uid}`)) fs.rmSync(simDir, { recursive: true, force: true });
      }
    });
  });

  describe('watch', () => {
    let dir;
    const peers = [];
    beforeEach(() => {
      dir = makeClusterDir('rsmapi-cli-watch-');
    });
    afterEach(async () => {
      for (const p of peers.splice(0)) await p.stop();
      removeClusterDir(dir);
    });

    /** An exporter on node 2 and an importer on node 3 that posted `signals` to it; a fault on node 5. */
    async function liveCluster(signals) {
      const exporter = await Peer.start({ node: 2, env: { RSM_SIM_DIR: dir } });
      peers.push(exporter);
      const importer = await Peer.start({ node: 3, env: { RSM_SIM_DIR: dir } });
      peers.push(importer);
      await exporter.call('getController', { name: CONTROLLER });
      await exporter.call('createExport', { size: 2 * PAGE });
      const id = await exporter.call('publish', { accessList: [{ node: 3, permission: 0o600 }] });
      await importer.call('getController', { name: CONTROLLER });
      await importer.call('connect', { node: 2, segmentId: id, permission: rsm.Permission.READ });
      for (let i = 0; i < signals; i++) await importer.call('signal', { on: 'import' });
      assert.deepEqual(runChild('rsm.sim.faults.setUnreachable(5); return null;', { RSM_SIM_DIR: dir, RSM_SIM_NODE: '1' }), { value: null });
      return { exporter, importer, id };
    }

    it('--once shows the processes, the segment, its importer, the pending signals and the faults in force', async () => {
      const { exporter, importer, id } = await liveCluster(2);
      const r = cli(['watch', '--once', '--dir', dir]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      const lines = r.stdout.split('\n');
      const after = (title) => lines.slice(lines.indexOf(title) + 2);
      assert.match(r.stdout, /^2 live process\(es\), 1 segment\(s\), 1 importer\(s\), 1 node\(s\) with faults$/m);
      for (const [node, pid] of [[2, exporter.pid], [3, importer.pid]]) assert.match(r.stdout, new RegExp(`^${node}\\s+${pid}\\s+yes$`, 'm'));
      const segment = after('SEGMENTS')[0];
      assert.match(segment, new RegExp(`^2\\s+0x${id.toString(16)}\\s+published\\s+${2 * PAGE}\\s+${CONTROLLER}\\s+${exporter.pid}\\s+\\d+/\\d+\\s+0\\d{3}\\s+3:0600\\s+2$`));
      const imported = after('IMPORTERS')[0];
      assert.match(imported, new RegExp(`^2:0x${id.toString(16)}\\s+3\\s+${importer.pid}\\s+0400\\s+connected\\s+0$`));
      assert.match(after('FAULTS')[0], /^5\s+unreachable$/);
    });

    it('--once --json is the snapshot with the faults in force and the time it was read', async () => {
      const { exporter, importer, id } = await liveCluster(3);
      const r = cli(['watch', '--once', '--json', '--dir', dir]);
      assert.equal(r.status, 0, r.stderr);
      const view = JSON.parse(r.stdout);
      assert.deepEqual(Object.keys(view), ['time', 'dir', 'processes', 'segments', 'faults']);
      assert.ok(Math.abs(Date.parse(view.time) - Date.now()) < 60000, view.time);
      assert.equal(view.dir, dir);
      assert.deepEqual(view.processes.map((p) => [p.node, p.pid, p.alive]).sort(), [[2, exporter.pid, true], [3, importer.pid, true]]);
      assert.equal(view.segments.length, 1);
      const [segment] = view.segments;
      assert.equal(segment.segmentId, id);
      assert.equal(segment.pendingSignals, 3);
      assert.deepEqual(segment.accessList, [{ node: 3, permission: 0o600 }]);
      assert.deepEqual(segment.importers, [{ node: 3, pid: importer.pid, permission: 0o400, connected: true, pendingSignals: 0 }]);
      assert.deepEqual(view.faults, [
        { node: 5, barrierOpenFail: 0, barrierCloseFail: 0, unreachable: true, unresponsive: false, noResources: false, noMemory: false },
      ]);
      // The exporter consumes one: the next frame counts two.
      await exporter.call('waitSignal', { on: 'export', timeout: 5000 });
      assert.equal(JSON.parse(cli(['watch', '--once', '--json', '--dir', dir]).stdout).segments[0].pendingSignals, 2);
    });

    it('redraws as plain frames when not on a terminal and exits 0 on SIGINT', async () => {
      await liveCluster(0);
      for (const json of [false, true]) {
        const child = spawn(process.execPath, [CLI, 'watch', '-n', '0.1', '--dir', dir, ...(json ? ['--json'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        const frames = () => (json ? stdout.split('\n').filter(Boolean) : stdout.split(/^(?=cluster )/m).filter(Boolean));
        const deadline = Date.now() + 20000;
        while (frames().length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        child.kill('SIGINT');
        const [code, signal] = await new Promise((resolve) => child.once('exit', (c, s) => resolve([c, s])));
        assert.deepEqual([code, signal], [0, null], stderr);
        assert.equal(stderr, '');
        assert.ok(frames().length >= 3, stdout);
        assert.doesNotMatch(stdout, /\x1b/, 'no terminal controls when not on a terminal');
        if (json) for (const line of frames()) assert.equal(JSON.parse(line).segments.length, 1);
        else for (const f of frames().slice(0, -1)) assert.match(f, /^SEGMENTS$/m);
      }
    });

    it('redraws in place on a terminal and quits on q', async function () {
      // script(1) gives the command a pseudo-terminal; without it there is no terminal to test on.
      if (spawnSync('script', ['--version']).status !== 0) this.skip();
      await liveCluster(0);
      const command = [process.execPath, CLI, 'watch', '-n', '0.1', '--dir', dir].map((a) => `'${a}'`).join(' ');
      const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm' } });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const deadline = Date.now() + 20000;
      while ((stdout.match(/SEGMENTS/g) ?? []).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      child.stdin.write('q');
      const code = await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(code, 0, stdout);
      assert.ok((stdout.match(/SEGMENTS/g) ?? []).length >= 2, stdout);
      // Into the alternate screen and back; each frame from the top, never by clearing the screen.
      assert.ok(stdout.includes('\x1b[?1049h') && stdout.includes('\x1b[?1049l'), JSON.stringify(stdout.slice(0, 200)));
      assert.ok((stdout.match(/\x1b\[H/g) ?? []).length >= 2);
      assert.doesNotMatch(stdout, /\x1b\[2J/);
    });
  });

  describe('sim reset', () => {
    let dir;
    beforeEach(() => {
      dir = makeClusterDir('rsmapi-cli-reset-');
    });
    afterEach(() => removeClusterDir(dir));

    it('refuses while a live process uses the cluster, then resets once it is gone', async () => {
      const peer = await Peer.start({ node: 2, env: { RSM_SIM_DIR: dir } });
      try {
        await peer.call('getController', { name: CONTROLLER });
        await peer.call('createExport', { size: PAGE });
        await peer.call('publish', {});
        const refused = cli(['sim', 'reset', '--dir', dir]);
        assert.equal(refused.status, 1, refused.stderr);
        assert.match(refused.stderr, new RegExp(`in use by 1 live process\\(es\\): pid ${peer.pid} \\(node 2\\)`));
        assert.ok(fs.readdirSync(dir).includes('fabric'), 'the registry is still there');
      } finally {
        await peer.stop();
      }
      const r = cli(['sim', 'reset', '--dir', dir, '--json']);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(JSON.parse(r.stdout).removed.includes('fabric'));
      assert.deepEqual(fs.readdirSync(dir), []);
    });

    it('resets in spite of live processes with --force', async () => {
      const peer = await Peer.start({ node: 3, env: { RSM_SIM_DIR: dir } });
      try {
        await peer.call('getController', { name: CONTROLLER });
        await peer.call('createExport', { size: PAGE });
        const r = cli(['sim', 'reset', '--dir', dir, '--force']);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /while 1 live process/);
        assert.deepEqual(fs.readdirSync(dir), []);
      } finally {
        await peer.stop();
      }
    });

    it('succeeds on a directory with no cluster in it, or none at all', () => {
      for (const where of [dir, path.join(dir, 'not-made')]) {
        const r = cli(['sim', 'reset', '--dir', where, '--json']);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), { dir: where, removed: [], liveProcesses: [] });
      }
      assert.deepEqual(fs.readdirSync(dir), []);
    });

    it('removes the doorbell FIFOs a killed process left, with the registry or without it', async () => {
      const peer = await Peer.start({ node: 2, env: { RSM_SIM_DIR: dir } });
      try {
        await peer.call('getController', { name: CONTROLLER });
        await peer.call('createExport', { size: PAGE });
        await peer.call('publish', {});
        await peer.call('startWait', { on: 'export' });
      } finally {
        await peer.stop({ signal: 'SIGKILL' });
      }
      const bells = fs.readdirSync(dir).filter((f) => f.startsWith('sig-'));
      assert.ok(bells.length > 0 && bells.every((f) => fs.statSync(path.join(dir, f)).isFIFO()), `a doorbell is left: ${fs.readdirSync(dir)}`);
      const r = cli(['sim', 'reset', '--dir', dir, '--json']);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).removed.sort(), ['fabric', ...bells].sort());
      assert.deepEqual(fs.readdirSync(dir), []);
      // A stale doorbell with no registry beside it; a file that only looks like one stays.
      execFileSync('mkfifo', [path.join(dir, 'sig-i3-7')]);
      fs.writeFileSync(path.join(dir, 'sig-e1-1'), 'not a FIFO');
      const again = cli(['sim', 'reset', '--dir', dir]);
      assert.equal(again.status, 0, again.stderr);
      assert.deepEqual(fs.readdirSync(dir), ['sig-e1-1']);
    });

    it('touches nothing in a directory that is not a simulated cluster', () => {
      fs.writeFileSync(path.join(dir, 'fabric'), 'not a registry');
      fs.writeFileSync(path.join(dir, 'seg-1-1.mem'), 'x');
      const r = cli(['sim', 'reset', '--dir', dir, '--force']);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /is not a simulator registry/);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['fabric', 'seg-1-1.mem']);
    });
  });

  describe('sim run', () => {
    it('runs a command as the given node of the given cluster and passes its exit code', () => {
      const script = 'console.log(process.env.RSM_SIM_NODE, process.env.RSM_SIM_DIR); process.exit(3)';
      const r = cli(['sim', 'run', '--node', '5', '--dir', '/tmp/some-cluster', '--', process.execPath, '-e', script]);
      assert.equal(r.status, 3, r.stderr);
      assert.equal(r.stdout.trim(), '5 /tmp/some-cluster');
    });

    it('runs a node that really joins the cluster as that node', () => {
      const script = `const r = require(${JSON.stringify(path.join(__dirname, '..'))});
        const c = r.getController('sci0'); c.createExport(r.pageSize);
        console.log(JSON.stringify(r.sim.segments().filter((s) => s.pid === process.pid).map((s) => s.node)));
        c.release();`;
      const r = cli(['sim', 'run', '--node', '6', '--', process.execPath, '-e', script], { env: { RSM_BACKEND: 'sim' } });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [6]);
    });

    it('exits 128+signal when the command is killed, 127 when it cannot start', () => {
      const killed = cli(['sim', 'run', '--node', '1', '--', process.execPath, '-e', "process.kill(process.pid, 'SIGTERM')"]);
      assert.equal(killed.status, 128 + 15);
      const missing = cli(['sim', 'run', '--node', '1', '--', '/nonexistent/command']);
      assert.equal(missing.status, 127);
      assert.match(missing.stderr, /cannot run \/nonexistent\/command/);
    });
  });
});

/**
 * Reads the DOT `rsm topology --dot` writes, checking its structure: one
 * undirected graph, balanced braces, statements ended by ';', and every
 * edge's endpoints declared as nodes. Returns node id -> enclosing subgraph,
 * and the edges with their attributes.
 */
function parseDot(text) {
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|--|[{}\[\];=,]|[A-Za-z_][\w]*|\S/g);
  const unquote = (t) => (t.startsWith('"') ? t.slice(1, -1).replace(/\\(.)/g, '$1') : t);
  assert.deepEqual(tokens.slice(0, 3), ['graph', 'rsm', '{'], text);
  assert.equal(tokens[tokens.length - 1], '}');
  const nodes = new Map();
  const edges = [];
  const stack = [];
  let i = 2;
  const attrs = () => {
    const out = {};
    if (tokens[i] !== '[') return out;
    for (i++; tokens[i] !== ']'; ) {
      const key = tokens[i++];
      assert.equal(tokens[i++], '=', `attribute ${key}`);
      out[key] = unquote(tokens[i++]);
      if (tokens[i] === ',') i++;
    }
    i++;
    return out;
  };
  while (i < tokens.length) {
    const t = tokens[i];
    if (t === '{') {
      stack.push(tokens[i - 1] === 'rsm' ? 'rsm' : unquote(tokens[i - 1]));
      i++;
    } else if (t === '}') {
      assert.ok(stack.pop() !== undefined, 'a } without its {');
      i++;
    } else if (t === 'subgraph') {
      i += 2;
    } else if (t === 'graph' || t === 'node') {
      i++;
      attrs();
      assert.equal(tokens[i++], ';');
    } else if (tokens[i + 1] === '=') {
      i += 3;
      assert.equal(tokens[i++], ';');
    } else if (tokens[i + 1] === '--') {
      const from = unquote(t);
      const to = unquote(tokens[i + 2]);
      i += 3;
      edges.push({ from, to, attrs: attrs() });
      assert.equal(tokens[i++], ';');
    } else if (t === 'style') {
      i += 3;
    } else {
      assert.ok(t.startsWith('"'), `a node id, not ${t}`);
      nodes.set(unquote(t), stack[stack.length - 1]);
      i++;
      attrs();
      assert.equal(tokens[i++], ';', `after node ${t}`);
    }
  }
  assert.equal(stack.length, 0, 'braces balance');
  for (const e of edges) {
    assert.ok(nodes.has(e.from), `edge endpoint ${e.from} declared`);
    assert.ok(nodes.has(e.to), `edge endpoint ${e.to} declared`);
  }
  return { nodes, edges };
}
