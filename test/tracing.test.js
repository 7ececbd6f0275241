'use strict';
// Tracing on node:diagnostics_channel: every documented channel is published
// with the handle's controller, node and segment id; asynchronous operations
// show start/end/asyncStart/asyncEnd and their errors; put/get publish
// nothing; the names in the guide are the ones the package exports.
const assert = require('node:assert/strict');
const dc = require('node:diagnostics_channel');
const fs = require('node:fs');
const path = require('node:path');
const rsm = require('..');
const { throwsRsm, rejectsRsm } = require('./support/expect');
const { CONTROLLER, PAGE, freshSegmentId, tracker } = require('./support/fixtures');

const LOCAL = 1;
const PHASES = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'];
const ASYNC = new Set([rsm.TraceChannels.IMPORT_CONNECT, rsm.TraceChannels.EXPORT_PUBLISH, rsm.TraceChannels.IMPORT_WAIT_FOR_SIGNAL, rsm.TraceChannels.EXPORT_WAIT_FOR_SIGNAL]);

/** Subscribes to every documented channel; `messages` lists what arrived, `close()` unsubscribes. */
function recordAll() {
  const messages = [];
  const undo = [];
  for (const name of Object.values(rsm.TraceChannels)) {
    const handlers = {};
    for (const phase of PHASES) {
      // Copied at publication: the context object is updated in place later.
      handlers[phase] = (m) => messages.push({ name, phase, controller: m.controller, node: m.node, segmentId: m.segmentId, error: m.error, result: m.result });
    }
    const channel = dc.tracingChannel(name);
    channel.subscribe(handlers);
    undo.push(() => channel.unsubscribe(handlers));
  }
  for (const name of Object.values(rsm.EventChannels)) {
    const handler = (m) => messages.push({ name, phase: 'event', ...m });
    dc.subscribe(name, handler);
    undo.push(() => dc.unsubscribe(name, handler));
  }
  return { messages, close: () => undo.forEach((f) => f()) };
}

describe('tracing on diagnostics_channel', () => {
  const held = tracker();
  let rec;
  let ctl;
  beforeEach(() => {
    ctl = held.add(rsm.getController(CONTROLLER));
  });
  afterEach(() => {
    rec?.close();
    rec = undefined;
    rsm.sim.faults.clear();
    held.release();
  });

  it('publishes on every documented channel, each message with the controller, node and segment id', async () => {
    rec = recordAll();
    const exp = held.add(ctl.createExport(PAGE, { allowRebind: true }));
    const id = await exp.publish();
    const imp = held.add(await ctl.connect(LOCAL, id));
    exp.republish([{ node: LOCAL, permission: 0o666 }]);
    exp.rebind();
    imp.signal();
    await exp.waitForSignal({ timeout: 5000 });
    exp.signal();
    await imp.waitForSignal({ timeout: 5000 });
    rsm.sim.faults.failBarrierClose(LOCAL, 1);
    imp.setMode(rsm.BarrierMode.EXPLICIT);
    imp.barrier.open();
    throwsRsm(() => imp.barrier.close(), 'RSMERR_BARRIER_FAILURE', 'rsm_memseg_import_close_barrier');
    imp.disconnect();
    exp.unpublish();
    exp.destroy();

    const { messages } = rec;
    for (const name of Object.values(rsm.TraceChannels)) {
      const phases = messages.filter((m) => m.name === name).map((m) => m.phase);
      const expected = ASYNC.has(name) ? ['start', 'end', 'asyncStart', 'asyncEnd'] : ['start', 'end'];
      for (const phase of expected) assert.ok(phases.includes(phase), `${name} never published ${phase} (saw ${phases.join(', ') || 'nothing'})`);
    }
    for (const name of Object.values(rsm.EventChannels)) {
      assert.ok(messages.some((m) => m.name === name), `${name} was never published`);
    }
    for (const m of messages) {
      assert.equal(m.controller, CONTROLLER, `${m.name}:${m.phase} controller`);
      assert.equal(m.node, LOCAL, `${m.name}:${m.phase} node`);
      if (m.name === rsm.TraceChannels.EXPORT_PUBLISH && (m.phase === 'start' || m.phase === 'end')) {
        assert.equal(m.segmentId, 0, 'publish starts with the id asked for (automatic)');
      } else {
        assert.equal(m.segmentId, id, `${m.name}:${m.phase} segmentId`);
      }
    }
    const failure = messages.find((m) => m.name === rsm.EventChannels.BARRIER_FAILURE);
    assert.equal(failure.operation, 'close');
    assert.equal(failure.code, 'RSMERR_BARRIER_FAILURE');
    assert.ok(failure.error instanceof rsm.RsmError);
    const connected = messages.find((m) => m.name === rsm.TraceChannels.IMPORT_CONNECT && m.phase === 'asyncEnd');
    assert.equal(connected.result, imp, 'connect resolves to the ImportSegment');
  });

  it('publishes errors: a refused connect, a timed-out wait, a refused rebind, a failed barrier open', async () => {
    rec = recordAll();
    const missing = freshSegmentId();
    await rejectsRsm(ctl.connect(LOCAL, missing), 'RSMERR_SEG_NOT_PUBLISHED', 'rsm_memseg_import_connect');
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish({ segmentId: freshSegmentId() });
    const imp = held.add(await ctl.connect(LOCAL, id));
    await rejectsRsm(imp.waitForSignal({ timeout: 0 }), 'RSMERR_TIMEOUT');
    throwsRsm(() => exp.rebind(), 'RSMERR_REBIND_NOT_ALLOWED', 'rsm_memseg_export_rebind');
    rsm.sim.faults.failBarrierOpen(LOCAL, 1);
    throwsRsm(() => imp.barrier.open(), 'RSMERR_BARRIER_OPEN_FAILED', 'rsm_memseg_import_open_barrier');

    const errors = rec.messages.filter((m) => m.phase === 'error').map((m) => [m.name, m.error.code, m.node, m.segmentId]);
    assert.deepEqual(errors, [
      [rsm.TraceChannels.IMPORT_CONNECT, 'RSMERR_SEG_NOT_PUBLISHED', LOCAL, missing],
      [rsm.TraceChannels.IMPORT_WAIT_FOR_SIGNAL, 'RSMERR_TIMEOUT', LOCAL, id],
      [rsm.TraceChannels.EXPORT_REBIND, 'RSMERR_REBIND_NOT_ALLOWED', LOCAL, id],
    ]);
    const failures = rec.messages.filter((m) => m.name === rsm.EventChannels.BARRIER_FAILURE);
    assert.deepEqual(failures.map((m) => [m.operation, m.code, m.node, m.segmentId]), [['open', 'RSMERR_BARRIER_OPEN_FAILED', LOCAL, id]]);
    const publish = rec.messages.filter((m) => m.name === rsm.TraceChannels.EXPORT_PUBLISH).map((m) => [m.phase, m.segmentId]);
    assert.deepEqual(publish, [['start', id], ['end', id], ['asyncStart', id], ['asyncEnd', id]]);
  });

  it('traces each wait of a signals() iteration', async () => {
    const exp = held.add(ctl.createExport(PAGE));
    const imp = held.add(await ctl.connect(LOCAL, await exp.publish()));
    imp.signal();
    imp.signal();
    rec = recordAll();
    let n = 0;
    for await (const _ of exp.signals()) if (++n === 2) break;
    const ends = rec.messages.filter((m) => m.name === rsm.TraceChannels.EXPORT_WAIT_FOR_SIGNAL && m.phase === 'asyncEnd');
    assert.equal(ends.length, 2);
  });

  it('publishes nothing for put, get and their widths, nor for a second disconnect or destroy', async () => {
    const exp = held.add(ctl.createExport(PAGE));
    const imp = held.add(await ctl.connect(LOCAL, await exp.publish()));
    rec = recordAll();
    imp.put(0, new Uint8Array(8));
    imp.get(0, new Uint8Array(8));
    imp.put32(0, Uint32Array.of(1));
    imp.load64(0);
    imp.store16(0, 1);
    imp.putv([{ local: new Uint8Array(8), remoteOffset: 0 }]);
    throwsRsm(() => imp.put(PAGE, new Uint8Array(1)), 'RSMERR_BAD_OFFSET', 'rsm_memseg_import_put');
    assert.deepEqual(rec.messages, []);
    imp.disconnect();
    imp.disconnect();
    exp.destroy();
    exp.destroy();
    assert.deepEqual(rec.messages.map((m) => `${m.name}:${m.phase}`), [
      'rsmapi:import.disconnect:start',
      'rsmapi:import.disconnect:end',
      'rsmapi:export.destroy:start',
      'rsmapi:export.destroy:end',
    ]);
  });

  it('lists exactly the exported channel names in the guide', () => {
    const guide = fs.readFileSync(path.join(__dirname, '..', 'docs', 'guides', 'observing.md'), 'utf8');
    const inGuide = new Set(guide.match(/`rsmapi:[a-zA-Z.]+`/g).map((s) => s.slice(1, -1)));
    const exported = new Set([...Object.values(rsm.TraceChannels), ...Object.values(rsm.EventChannels)]);
    assert.deepEqual([...inGuide].sort(), [...exported].sort());
  });
});
