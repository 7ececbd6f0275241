'use strict';
// `await using` of an export whose publish is in flight waits for the
// publish to settle, then destroys; plain `using` (Symbol.dispose) refuses
// with ERR_RSM_BUSY, as destroy() does.
const assert = require('node:assert/strict');
const rsm = require('..');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');

describe('asynchronous disposal of an export', () => {
  const held = tracker();
  afterEach(() => held.release());

  it('Symbol.asyncDispose waits for a publish in flight, then destroys', async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    const publishing = exp.publish();
    assert.throws(() => exp[Symbol.dispose](), { code: 'ERR_RSM_BUSY' });
    await exp[Symbol.asyncDispose]();
    assert.equal(exp.destroyed, true);
    assert.equal(exp.published, false);
    assert.equal(typeof (await publishing), 'number', 'the publish itself succeeded');
  });

  it('Symbol.asyncDispose destroys at once when nothing is in flight, and after a failed publish', async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const idle = held.add(ctl.createExport(PAGE));
    await idle[Symbol.asyncDispose]();
    assert.equal(idle.destroyed, true);
    const failed = held.add(ctl.createExport(PAGE));
    const refused = failed.publish({ segmentId: 5 });
    await failed[Symbol.asyncDispose]();
    assert.equal(failed.destroyed, true);
    await assert.rejects(refused, { code: 'RSMERR_RESERVED_SEGID' });
  });
});
