'use strict';
// Interrupt-signal delivery (docs/semantics.md §4.8, §5.6, §5.7): no wake-up
// lost under thousands of waiters and a busy or stopped receiver; waits on a
// torn-down import; export-side posts counted per importing connection; poll
// descriptors that report only POLLRDNORM. Each at the C level (a C program
// against librsmsim.so) and through the facade.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const rsm = require('..');
const { rejectsRsm } = require('./support/expect');
const { CONTROLLER, PAGE, freshSegmentId, tracker } = require('./support/fixtures');
const { Peer } = require('./support/peer-client');
const { lineProgram, withTopology } = require('./support/nodes');

const program = path.join(process.env.RSMAPI_TEST_C_PROGRAMS || path.join(__dirname, '..', 'build', 'Release'), 'rsm_c_signal_delivery');
const root = path.join(__dirname, '..');
const POLLIN = 0x1;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Line-driven node processes (test/support/nodes.js): line() waits for the
// next line printed, write()/ask() send one; stop() closes stdin and waits.
const cProgram = (args, env) => lineProgram(program, args, env);

/** A node process running `body` (an async function body given rsm, say(line) and next() for the next stdin line). */
function nodeChild(body, env) {
  const script = `
    const rsm = require(${JSON.stringify(root)});
    const say = (s) => process.stdout.write(s + '\\n');
    const pending = [];
    const queued = [];
    let buf = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\\n')) >= 0) {
        const l = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const p = pending.shift();
        if (p) p(l); else queued.push(l);
      }
    });
    const next = () => queued.length ? Promise.resolve(queued.shift()) : new Promise((r) => pending.push(r));
    (async () => { ${body} })().then(
      () => { process.stdin.destroy(); },
      (e) => { say('error ' + (e.code || '') + ' ' + e.message); process.exitCode = 1; process.stdin.destroy(); },
    );`;
  return lineProgram(process.execPath, ['-e', script], env);
}

describe('signal delivery: no wake-up lost (docs/semantics.md §5.6)', function () {
  this.timeout(120000);
  const held = tracker();
  const children = [];
  afterEach(async () => {
    for (const c of children.splice(0)) await c.stop({ signal: null });
    held.release();
  });

  it('a C program watching 2000 poll descriptors, stopped with SIGSTOP while 3 export-side posts fan out, takes all 6000 events', async () => {
    assert.ok(fs.existsSync(program), `${program} was not built`);
    const id = freshSegmentId();
    const N = 2000;
    const exporter = cProgram(['export', String(id)], { RSM_SIM_NODE: '1' });
    children.push(exporter);
    assert.equal(await exporter.line(), 'published');
    const receiver = cProgram(['storm', '1', String(id), String(N), String(3 * N)], { RSM_SIM_NODE: '2' });
    children.push(receiver);
    assert.equal(await receiver.line(), `ready ${N}`);
    receiver.kill('SIGSTOP');
    // The poster must not block on the stopped receiver.
    assert.equal(await exporter.ask('post 3'), 'ok');
    await sleep(1000);
    receiver.kill('SIGCONT');
    const figures = await receiver.line();
    const { code } = await receiver.exited;
    assert.equal(figures, `woke ${N} of ${N} descriptors, took ${3 * N} of ${3 * N} events`);
    assert.equal(code, 0, receiver.stderr);
  });

  for (const how of ['busy', 'stopped']) {
    it(`2000 facade waits in a receiver ${how === 'busy' ? 'whose event loop is blocked for a second' : 'stopped with SIGSTOP for a second'} while posts arrive: every one settles with its events`, async () => {
      const N = 2000;
      const ROUNDS = 3;
      const ctl = held.add(rsm.getController(CONTROLLER));
      const exp = held.add(ctl.createExport(PAGE));
      const id = await exp.publish();
      const receiver = nodeChild(
        `
        const ctl = rsm.getController('${CONTROLLER}');
        const imps = [];
        for (let i = 0; i < ${N}; i++) imps.push(await ctl.connect(1, ${id}));
        const taken = new Array(${N}).fill(0);
        const all = Promise.all(imps.map(async (imp, i) => {
          for (let r = 0; r < ${ROUNDS}; r++) { await imp.waitForSignal(); taken[i]++; }
        }));
        say('ready');
        if ((await next()) === 'block') {
          say('blocking');
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
        }
        // A lost wake-up shows as figures after a generous deadline, not as a hang.
        let timer;
        const done = await Promise.race([all.then(() => true), new Promise((r) => { timer = setTimeout(() => r(false), 30000); })]);
        clearTimeout(timer);
        let extra = 0;
        if (done) for (const imp of imps) { try { await imp.waitForSignal({ timeout: 0 }); extra++; } catch (e) { if (e.code !== 'RSMERR_TIMEOUT') throw e; } }
        say('woke ' + taken.filter((t) => t === ${ROUNDS}).length + ' of ${N} waiters, took ' + taken.reduce((a, b) => a + b, 0) + ' events, ' + extra + ' extra');
        if (!done) process.exit(1);
        for (const imp of imps) imp.disconnect();
        ctl.release();
        `,
        { RSM_SIM_NODE: '2' },
      );
      children.push(receiver);
      assert.equal(await receiver.line(), 'ready');
      if (how === 'busy') {
        assert.equal(await receiver.ask('block'), 'blocking');
      } else {
        receiver.kill('SIGSTOP');
      }
      for (let r = 0; r < ROUNDS; r++) exp.signal();
      if (how === 'stopped') {
        await sleep(1000);
        receiver.kill('SIGCONT');
        receiver.write('go');
      }
      assert.equal(await receiver.line(), `woke ${N} of ${N} waiters, took ${N * ROUNDS} events, 0 extra`);
      assert.equal((await receiver.exited).code, 0, receiver.stderr);
    });
  }
});

describe('a signal wait on an import whose connection is torn down (docs/semantics.md §5.7)', function () {
  this.timeout(60000);
  const held = tracker();
  let ctl;
  beforeEach(() => {
    ctl = held.add(rsm.getController(CONTROLLER));
  });
  afterEach(() => held.release());

  it('settles with RSMERR_CONN_ABORTED when the exporter unpublishes, after taking the event already counted', async () => {
    const exp = held.add(ctl.createExport(PAGE));
    const imp = held.add(await ctl.connect(1, await exp.publish()));
    exp.signal();
    exp.unpublish();
    await imp.waitForSignal();
    await rejectsRsm(imp.waitForSignal(), 'RSMERR_CONN_ABORTED', 'rsm_intr_signal_wait');
    assert.equal(imp.disconnected, false, 'the application still has to disconnect');
  });

  it('settles a pending wait, and ends signals(), with RSMERR_CONN_ABORTED when the exporter unpublishes or destroys the segment', async () => {
    for (const end of ['unpublish', 'destroy']) {
      for (const form of ['waitForSignal', 'signals']) {
        const exp = held.add(ctl.createExport(PAGE));
        const imp = held.add(await ctl.connect(1, await exp.publish()));
        const waiting =
          form === 'waitForSignal'
            ? imp.waitForSignal()
            : (async () => {
                for await (const _ of imp.signals()) assert.fail('no event was posted');
              })();
        await sleep(20);
        exp[end]();
        await rejectsRsm(waiting, 'RSMERR_CONN_ABORTED', 'rsm_intr_signal_wait');
        // Nothing can come any more: a new wait says so at once.
        await rejectsRsm(imp.waitForSignal(), 'RSMERR_CONN_ABORTED', 'rsm_intr_signal_wait');
      }
    }
  });

  for (const end of ['SIGKILL', 'crash']) {
    it(`settles a pending wait with RSMERR_CONN_ABORTED when the exporting node ${end === 'SIGKILL' ? 'is killed with SIGKILL' : 'crashes (rsm.sim.faults.crashNode)'}`, async () => {
      const peer = await Peer.start({ node: 2 });
      try {
        await peer.call('getController', { name: CONTROLLER });
        await peer.call('createExport', { size: PAGE });
        const id = await peer.call('publish', {});
        const imp = held.add(await ctl.connect(2, id));
        const waiting = imp.waitForSignal();
        await sleep(20);
        if (end === 'SIGKILL') await peer.stop({ signal: 'SIGKILL' });
        else rsm.sim.faults.crashNode(2);
        await rejectsRsm(waiting, 'RSMERR_CONN_ABORTED', 'rsm_intr_signal_wait');
      } finally {
        await peer.stop();
      }
    });
  }

  it('in C, as the driver does: queued events are still taken, then the wait runs to its timeout (unpublish, SIGKILL)', async () => {
    const id = freshSegmentId();
    const exporter = cProgram(['export', String(id)], { RSM_SIM_NODE: '1' });
    let importer;
    try {
      assert.equal(await exporter.line(), 'published');
      importer = cProgram(['fanout', '1', String(id), 'sci0'], { RSM_SIM_NODE: '2' });
      assert.equal(await importer.line(), 'ready');
      assert.equal(await exporter.ask('post 1'), 'ok');
      assert.equal(await exporter.ask('unpublish'), 'ok');
      assert.equal(await importer.ask('wait 0 300'), String(rsm.codes.RSM_SUCCESS ?? 0));
      assert.equal(await importer.ask('wait 0 300'), String(rsm.codes.RSMERR_TIMEOUT));
      assert.equal(await exporter.ask('publish'), 'ok');
      assert.equal(await importer.ask('connect sci0'), 'ok');
      exporter.kill('SIGKILL');
      await exporter.exited;
      assert.equal(await importer.ask('wait 1 300'), String(rsm.codes.RSMERR_TIMEOUT));
    } finally {
      if (importer) await importer.stop({ signal: null });
      await exporter.stop({ signal: null });
    }
  });
});

describe('export-side posts count one event per importing (node, controller) connection (docs/semantics.md §4.8)', function () {
  this.timeout(60000);
  const LINES = ['node 1', 'node 2', 'controller 1 sci0', 'controller 2 sci0', 'controller 2 sci1', 'link 1 sci0 2 sci0', 'link 1 sci0 2 sci1'];

  it('in C: importers through two controllers see 2 per post; a torn-down handle not yet disconnected is still counted', () => withTopology(LINES, async (topology) => {
    const env = { RSM_SIM_TOPOLOGY: topology };
    const id = freshSegmentId();
    const exporter = cProgram(['export', String(id)], { ...env, RSM_SIM_NODE: '1' });
    let importer;
    try {
      assert.equal(await exporter.line(), 'published');
      importer = cProgram(['fanout', '1', String(id), 'sci0', 'sci1', 'sci0'], { ...env, RSM_SIM_NODE: '2' });
      assert.equal(await importer.line(), 'ready');
      assert.equal(await exporter.ask('post 1'), 'ok');
      assert.equal(await importer.ask('count'), '2 2 2');
      // Unpublish tears the three down; they stay in the application's hands.
      assert.equal(await exporter.ask('unpublish'), 'ok');
      assert.equal(await exporter.ask('post 1'), 'ok');
      assert.equal(await importer.ask('count'), '0 0 0', 'no importing connection is left');
      assert.equal(await exporter.ask('publish'), 'ok');
      assert.equal(await importer.ask('connect sci0'), 'ok');
      assert.equal(await exporter.ask('post 2'), 'ok');
      assert.equal(await importer.ask('count'), '2 2 2 2');
    } finally {
      if (importer) await importer.stop({ signal: null });
      await exporter.stop({ signal: null });
    }
  }));

  it('through the facade: the same counts', () => withTopology(LINES, async (topology) => {
    const env = { RSM_SIM_TOPOLOGY: topology };
    const id = freshSegmentId();
    const exporter = cProgram(['export', String(id)], { ...env, RSM_SIM_NODE: '1' });
    assert.equal(await exporter.line(), 'published');
    const importer = nodeChild(
      `
      const imps = [];
      const connect = async (name) => imps.push(await rsm.getController(name).connect(1, ${id}));
      const count = async () => {
        const out = [];
        for (const imp of imps) {
          let n = 0;
          for (;;) { try { await imp.waitForSignal({ timeout: 0 }); n++; } catch (e) { if (e.code !== 'RSMERR_TIMEOUT') throw e; break; } }
          out.push(n);
        }
        return out.join(' ');
      };
      for (const name of ['sci0', 'sci1', 'sci0']) await connect(name);
      say('ready');
      for (;;) {
        const cmd = await next();
        if (cmd === 'count') say(await count());
        else if (cmd.startsWith('connect ')) { await connect(cmd.slice(8)); say('ok'); }
        else break;
      }
      for (const imp of imps) imp.disconnect();
      `,
      { ...env, RSM_SIM_NODE: '2' },
    );
    try {
      assert.equal(await importer.line(), 'ready');
      assert.equal(await exporter.ask('post 1'), 'ok');
      assert.equal(await importer.ask('count'), '2 2 2');
      assert.equal(await exporter.ask('unpublish'), 'ok');
      assert.equal(await exporter.ask('publish'), 'ok');
      assert.equal(await importer.ask('connect sci0'), 'ok');
      assert.equal(await exporter.ask('post 1'), 'ok');
      assert.equal(await importer.ask('count'), '1 1 1 1');
      importer.write('quit');
      assert.equal((await importer.exited).code, 0, importer.stderr);
    } finally {
      if (importer) await importer.stop({ signal: null });
      await exporter.stop({ signal: null });
    }
  }));
});

describe('poll descriptors report only POLLRDNORM (docs/semantics.md §4.8)', () => {
  const held = tracker();
  afterEach(() => held.release());

  it('in C: an entry asking POLLIN|POLLRDNORM gets POLLRDNORM and its event is consumed', function () {
    assert.ok(fs.existsSync(program), `${program} was not built`);
    const { spawnSync } = require('node:child_process');
    const r = spawnSync(program, ['pollmask'], { env: { ...process.env, RSM_SIM_NODE: '1' }, encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /pollmask: ok/);
  });

  it('through pollSignals(): POLLIN|POLLRDNORM gives revents POLLRDNORM and takes one event per call', async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    const imp = held.add(await ctl.connect(1, await exp.publish()));
    const fd = imp.pollDescriptor();
    try {
      exp.signal();
      exp.signal();
      for (let i = 0; i < 2; i++) {
        const entry = { fd, events: POLLIN | rsm.POLLRDNORM, revents: 0 };
        assert.equal(rsm.pollSignals([entry]), 1);
        assert.equal(entry.revents, rsm.POLLRDNORM);
      }
      const entry = { fd, events: POLLIN | rsm.POLLRDNORM, revents: 0 };
      assert.equal(rsm.pollSignals([entry]), 0);
      assert.equal(entry.revents, 0);
      await rejectsRsm(imp.waitForSignal({ timeout: 0 }), 'RSMERR_TIMEOUT', 'rsm_intr_signal_wait');
    } finally {
      imp.releasePollDescriptor();
    }
  });
});
