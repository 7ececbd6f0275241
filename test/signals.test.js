'use strict';
// Interrupt signals (docs/semantics.md §4.8, 5.6): posting, counted waits, timeouts and
// aborts, poll descriptors, and a ping-pong between two processes.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const rsm = require('..');
const { rejectsRsm, throwsRsm, rejectsCode } = require('./support/expect');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');
const { Peer } = require('./support/peer-client');

/**
 * Events pending on a poll descriptor, seen without consuming them: through
 * a second descriptor on the same doorbell FIFO, which is no RSM descriptor
 * to rsm_intr_signal_wait_pollfd, so it is only reported.
 */
function readable(fd) {
  const probe = fs.openSync(`/proc/self/fd/${fd}`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const entry = { fd: probe, events: rsm.POLLRDNORM, revents: 0 };
    return rsm.pollSignals([entry]) === 1 && entry.revents === rsm.POLLRDNORM;
  } finally {
    fs.closeSync(probe);
  }
}

describe('interrupt signals in one process', () => {
  const held = tracker();
  let ctl;
  let exp;
  let imp;
  beforeEach(async () => {
    ctl = held.add(rsm.getController(CONTROLLER));
    exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish();
    imp = held.add(await ctl.connect(1, id));
  });
  afterEach(() => held.release());

  it('accumulates: N posts while nobody waits give exactly N waits, the next one times out', async () => {
    const N = 50;
    for (let i = 0; i < N; i++) imp.signal();
    for (let i = 0; i < N; i++) await exp.waitForSignal({ timeout: 0 });
    await rejectsRsm(exp.waitForSignal({ timeout: 0 }), 'RSMERR_TIMEOUT', 'rsm_intr_signal_wait');
    // The importer's own count is untouched by its posts.
    await rejectsRsm(imp.waitForSignal({ timeout: 0 }), 'RSMERR_TIMEOUT', 'rsm_intr_signal_wait');
  });

  it('wakes a pending wait when the signal comes later', async () => {
    const waiting = exp.waitForSignal({ timeout: 10000 });
    setTimeout(() => imp.signal(), 20);
    await waiting;
    await rejectsRsm(exp.waitForSignal({ timeout: 0 }), 'RSMERR_TIMEOUT', 'rsm_intr_signal_wait');
  });

  it('posts from the exporter to every import connected to it', async () => {
    const second = held.add(await ctl.connect(1, exp.segmentId));
    exp.signal();
    exp.signal();
    for (const s of [imp, second]) {
      await s.waitForSignal({ timeout: 1000 });
      await s.waitForSignal({ timeout: 1000 });
      await rejectsRsm(s.waitForSignal({ timeout: 0 }), 'RSMERR_TIMEOUT', 'rsm_intr_signal_wait');
    }
    await rejectsRsm(exp.waitForSignal({ timeout: 0 }), 'RSMERR_TIMEOUT', 'rsm_intr_signal_wait');
  });

  it('times out with RSMERR_TIMEOUT, not before the deadline', async () => {
    const started = Date.now();
    await rejectsRsm(exp.waitForSignal({ timeout: 60 }), 'RSMERR_TIMEOUT', 'rsm_intr_signal_wait');
    assert.ok(Date.now() - started >= 55, `gave up after ${Date.now() - started} ms`);
    // The segment is free for the next wait.
    imp.signal();
    await exp.waitForSignal({ timeout: 1000 });
  });

  it('rejects with an AbortError when aborted, and leaves pending events alone', async () => {
    const ac = new AbortController();
    const waiting = exp.waitForSignal({ signal: ac.signal });
    setTimeout(() => ac.abort(new Error('enough')), 10);
    await assert.rejects(waiting, (e) => {
      assert.ok(e instanceof rsm.AbortError);
      assert.equal(e.name, 'AbortError');
      assert.equal(e.code, 'ABORT_ERR');
      assert.equal(e.cause.message, 'enough');
      return true;
    });
    await rejectsCode(exp.waitForSignal({ signal: ac.signal }), 'ABORT_ERR', rsm.AbortError);
    imp.signal();
    await exp.waitForSignal({ timeout: 1000 });
  });

  it('allows one pending wait per segment (ERR_RSM_BUSY)', async () => {
    const first = exp.waitForSignal({ timeout: 5000 });
    await rejectsCode(exp.waitForSignal(), 'ERR_RSM_BUSY');
    imp.signal();
    await first;
  });

  it('cancels a pending wait with ERR_RSM_RELEASED on destroy, disconnect and controller release', async () => {
    const onExport = exp.waitForSignal();
    const onImport = imp.waitForSignal();
    imp.disconnect();
    await rejectsCode(onImport, 'ERR_RSM_RELEASED');
    exp.destroy();
    await rejectsCode(onExport, 'ERR_RSM_RELEASED');
    const again = held.add(ctl.createExport(PAGE));
    const pending = again.waitForSignal({ timeout: 10000 });
    ctl.release();
    await rejectsCode(pending, 'ERR_RSM_RELEASED');
    assert.ok(again.destroyed);
  });

  it('iterates over events until aborted', async () => {
    const ac = new AbortController();
    for (let i = 0; i < 5; i++) imp.signal();
    let seen = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of exp.signals({ signal: ac.signal })) {
          if (++seen === 5) setTimeout(() => ac.abort(), 10);
        }
      })(),
      (e) => e.code === 'ABORT_ERR',
    );
    assert.equal(seen, 5);
  });

  it('checks its options', async () => {
    await rejectsCode(exp.waitForSignal({ timeout: -1 }), 'ERR_OUT_OF_RANGE', RangeError);
    await rejectsCode(exp.waitForSignal({ timeout: 'soon' }), 'ERR_INVALID_ARG_TYPE', TypeError);
    await rejectsCode(exp.waitForSignal({ signal: {} }), 'ERR_INVALID_ARG_TYPE', TypeError);
    assert.throws(() => rsm.pollSignals('fd'), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE');
  });

  it('signal() and waits on a released segment throw ERR_RSM_RELEASED', async () => {
    imp.disconnect();
    assert.throws(() => imp.signal(), (e) => e.code === 'ERR_RSM_RELEASED');
    await rejectsCode(imp.waitForSignal({ timeout: 0 }), 'ERR_RSM_RELEASED');
    assert.throws(() => imp.pollDescriptor(), (e) => e.code === 'ERR_RSM_RELEASED');
  });

  it('drops a post toward an unpublished segment, and still succeeds', async () => {
    exp.unpublish();
    imp.signal();
    await rejectsRsm(exp.waitForSignal({ timeout: 0 }), 'RSMERR_TIMEOUT', 'rsm_intr_signal_wait');
  });
});

describe('poll descriptors', () => {
  const held = tracker();
  let ctl;
  let exp;
  let imp;
  beforeEach(async () => {
    ctl = held.add(rsm.getController(CONTROLLER));
    exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish();
    imp = held.add(await ctl.connect(1, id));
  });
  afterEach(() => {
    while (!exp.destroyed && exp.releasePollDescriptor());
    while (!imp.disconnected && imp.releasePollDescriptor());
    held.release();
  });

  it('is a real descriptor, the same one each time, readable exactly while events are pending', () => {
    const fd = exp.pollDescriptor();
    assert.ok(Number.isInteger(fd) && fd >= 0);
    assert.equal(exp.pollDescriptor(), fd);
    assert.ok(fs.fstatSync(fd).isFIFO(), 'the simulator rings a FIFO');
    assert.equal(readable(fd), false);
    imp.signal();
    imp.signal();
    assert.equal(readable(fd), true);
    const entry = { fd, events: rsm.POLLRDNORM, revents: 0 };
    assert.equal(rsm.pollSignals([entry]), 1);
    assert.equal(entry.revents, rsm.POLLRDNORM);
    assert.equal(readable(fd), true, 'one event left');
    assert.equal(rsm.pollSignals([entry]), 1);
    assert.equal(readable(fd), false, 'all consumed');
    assert.equal(rsm.pollSignals([entry]), 0);
    assert.equal(entry.revents, 0);
  });

  it('counts as rsm_intr_signal_wait_pollfd does: one event per ready RSM descriptor, other descriptors untouched', async () => {
    const other = held.add(ctl.createExport(PAGE));
    const fdA = exp.pollDescriptor();
    const fdB = other.pollDescriptor();
    const file = fs.openSync(__filename, 'r');
    try {
      imp.signal();
      imp.signal();
      const entries = () => [fdA, fdB, file].map((fd) => ({ fd, events: rsm.POLLRDNORM, revents: -1 }));
      let list = entries();
      assert.equal(rsm.pollSignals(list), 2);
      assert.deepEqual(list.map((e) => e.revents), [rsm.POLLRDNORM, 0, rsm.POLLRDNORM]);
      list = entries();
      assert.equal(rsm.pollSignals(list), 2);
      list = entries();
      assert.equal(rsm.pollSignals(list), 1, 'only the file is left ready');
      assert.deepEqual(list.map((e) => e.revents), [0, 0, rsm.POLLRDNORM]);
      assert.equal(rsm.pollSignals([{ fd: fdA, events: rsm.POLLRDNORM, revents: 0 }]), 0);
    } finally {
      fs.closeSync(file);
    }
    await rejectsRsm(exp.waitForSignal({ timeout: 0 }), 'RSMERR_TIMEOUT', 'rsm_intr_signal_wait');
  });

  it('is reference counted: export destroy and import disconnect refuse with RSMERR_POLLFD_IN_USE; unpublish and unmap do not', () => {
    exp.pollDescriptor();
    exp.pollDescriptor();
    imp.pollDescriptor();
    throwsRsm(() => exp.destroy(), 'RSMERR_POLLFD_IN_USE', 'rsm_memseg_export_destroy');
    throwsRsm(() => imp.disconnect(), 'RSMERR_POLLFD_IN_USE', 'rsm_memseg_import_disconnect');
    imp.put(0, new Uint8Array([1, 2, 3, 4]));
    imp.unmap();
    exp.unpublish();
    assert.equal(exp.releasePollDescriptor(), true);
    throwsRsm(() => exp.destroy(), 'RSMERR_POLLFD_IN_USE', 'rsm_memseg_export_destroy');
    assert.equal(exp.releasePollDescriptor(), true);
    assert.equal(exp.releasePollDescriptor(), false, 'nothing left to give back');
    exp.destroy();
    assert.equal(imp.releasePollDescriptor(), true);
    imp.disconnect();
    assert.ok(exp.destroyed && imp.disconnected);
  });

  it('a wait needs no descriptor of the caller, and a held descriptor does not stop a wait', async () => {
    const fd = imp.pollDescriptor();
    const waiting = imp.waitForSignal({ timeout: 5000 });
    exp.signal();
    await waiting;
    assert.equal(readable(fd), false);
  });

  it('leaves no doorbell behind once the handles are gone', () => {
    exp.pollDescriptor();
    imp.pollDescriptor();
    const dir = process.env.RSM_SIM_DIR;
    const bells = () => fs.readdirSync(dir).filter((f) => f.startsWith('sig-'));
    assert.equal(bells().length, 2, `doorbells: ${bells()}`);
    exp.releasePollDescriptor();
    imp.releasePollDescriptor();
    assert.equal(bells().length, 2, 'kept for later waits while the handles live');
    imp.disconnect();
    exp.destroy();
    assert.deepEqual(bells(), []);
  });
});

describe('interrupt signals between two processes (node 1 here, node 2 in a child)', function () {
  const held = tracker();
  let ctl;
  let peer;
  beforeEach(async () => {
    ctl = held.add(rsm.getController(CONTROLLER));
    peer = await Peer.start({ node: 2 });
    await peer.call('getController', { name: CONTROLLER });
  });
  afterEach(async () => {
    await peer.stop();
    held.release();
  });

  it('ping-pongs 3000 round trips with no wake-up lost or doubled', async function () {
    this.timeout(120000);
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish();
    await peer.call('connect', { node: 1, segmentId: id });
    const ROUNDS = 3000;
    const words = new Uint32Array(exp.bytes.buffer, 0, 2);
    const echoed = peer.call('echo', { rounds: ROUNDS });
    for (let i = 1; i <= ROUNDS; i++) {
      words[0] = i;
      exp.signal();
      await exp.waitForSignal({ timeout: 10000 });
      assert.equal(words[1], i, `round ${i}: the echo carried ${words[1]}`);
    }
    assert.equal(await echoed, ROUNDS);
    // Nothing extra on either side.
    await rejectsRsm(exp.waitForSignal({ timeout: 0 }), 'RSMERR_TIMEOUT', 'rsm_intr_signal_wait');
    await assert.rejects(peer.call('waitSignal', { timeout: 0 }), (e) => e.code === 'RSMERR_TIMEOUT');
  });

  it('an importer in another process reaches the exporter, which reaches every importer', async () => {
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish();
    await peer.call('connect', { node: 1, segmentId: id });
    const local = held.add(await ctl.connect(1, id));
    for (let i = 0; i < 3; i++) await peer.call('signal');
    for (let i = 0; i < 3; i++) await exp.waitForSignal({ timeout: 1000 });
    await rejectsRsm(exp.waitForSignal({ timeout: 0 }), 'RSMERR_TIMEOUT', 'rsm_intr_signal_wait');
    exp.signal();
    await local.waitForSignal({ timeout: 1000 });
    await peer.call('waitSignal', { timeout: 1000 });
  });

  it('removes the doorbell of an importer killed with SIGKILL', async function () {
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish();
    await peer.call('connect', { node: 1, segmentId: id });
    await peer.call('startWait');
    const dir = process.env.RSM_SIM_DIR;
    const bells = () => fs.readdirSync(dir).filter((f) => /^sig-i/.test(f));
    assert.equal(bells().length, 1, 'the waiting importer has a doorbell');
    await peer.stop({ signal: 'SIGKILL' });
    const deadline = Date.now() + 5000;
    while (bells().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(bells(), []);
    // Posting toward the dead importer is fine.
    exp.signal();
  });
});

describe('interrupt signals in several worker threads at once', () => {
  it('each worker ping-pongs on its own segments; a worker ended mid-wait leaves nothing behind', async function () {
    this.timeout(60000);
    const { Worker } = require('node:worker_threads');
    const root = path.join(__dirname, '..');
    const body = `
      const { parentPort, workerData } = require('node:worker_threads');
      const rsm = require(${JSON.stringify(root)});
      (async () => {
        const ctl = rsm.getController('${CONTROLLER}');
        const exp = ctl.createExport(${PAGE});
        const id = await exp.publish();
        const imp = await ctl.connect(1, id);
        if (workerData.hang) {
          exp.waitForSignal().catch(() => {});
          imp.waitForSignal().catch(() => {});
          parentPort.postMessage('waiting');
          setInterval(() => {}, 1000);
          return;
        }
        let rounds = 0;
        for (let i = 0; i < workerData.rounds; i++) {
          imp.signal();
          await exp.waitForSignal({ timeout: 10000 });
          exp.signal();
          await imp.waitForSignal({ timeout: 10000 });
          rounds++;
        }
        imp.disconnect();
        exp.destroy();
        ctl.release();
        parentPort.postMessage(rounds);
      })().catch((e) => { parentPort.postMessage('error: ' + e.stack); });`;
    const dir = process.env.RSM_SIM_DIR;
    const before = fs.readdirSync(dir).filter((f) => f !== 'fabric').length;
    const run = (data) =>
      new Promise((resolve, reject) => {
        const w = new Worker(body, { eval: true, workerData: data });
        let got;
        w.on('message', (m) => {
          got = m;
          if (m === 'waiting') w.terminate();
        });
        w.on('error', reject);
        w.on('exit', () => resolve(got));
      });
    const results = await Promise.all([
      run({ rounds: 300 }),
      run({ rounds: 300 }),
      run({ rounds: 300 }),
      run({ hang: true }),
    ]);
    assert.deepEqual(results, [300, 300, 300, 'waiting']);
    assert.equal(fs.readdirSync(dir).filter((f) => f !== 'fabric').length, before, 'nothing left in the cluster directory');
  });
});
