'use strict';
// What a facade object reports about its handle is read from the native
// handle each time, never a copy that a release elsewhere leaves stale.
const assert = require('node:assert/strict');
const rsm = require('..');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');

const LOCAL_NODE = 1;

describe('state read from the native handle', () => {
  const held = tracker();
  afterEach(() => held.release());

  it('an export destroyed by controller.release() claims no segment: published false, segmentId undefined', async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish();
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    const mapping = imp.map({ length: PAGE });
    assert.equal(exp.published, true);
    assert.equal(exp.segmentId, id);
    ctl.release();
    assert.equal(exp.destroyed, true);
    assert.equal(exp.published, false);
    assert.equal(exp.segmentId, undefined);
    assert.equal(exp.bytes.length, 0);
    assert.equal(imp.disconnected, true);
    assert.equal(mapping.unmapped, true);
    assert.equal(imp.mapping, undefined);
  });

  it('an export whose publish was in flight at controller.release() claims no segment either', async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    const publishing = exp.publish();
    ctl.release();
    assert.equal(exp.published, false);
    assert.equal(exp.segmentId, undefined);
    await assert.rejects(publishing, { code: 'ERR_RSM_RELEASED' });
    assert.equal(exp.published, false);
    assert.equal(exp.segmentId, undefined);
  });
});
