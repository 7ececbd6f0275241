'use strict';
const assert = require('node:assert/strict');
const rsm = require('..');
const { throwsRsm, rejectsRsm, throwsCode } = require('./support/expect');
const { CONTROLLER, PAGE, freshSegmentId, pattern, tracker } = require('./support/fixtures');

describe('export segments', () => {
  let ctl;
  const held = tracker();
  beforeEach(() => {
    ctl = held.add(rsm.getController(CONTROLLER));
  });
  afterEach(() => held.release());

  it('creates page-aligned memory the program can write, shown as bytes', () => {
    const seg = held.add(ctl.createExport(2 * PAGE));
    assert.equal(seg.size, 2 * PAGE);
    assert.equal(seg.bytes.length, 2 * PAGE);
    seg.bytes.set(pattern(100), 10);
    assert.deepEqual(seg.bytes.subarray(10, 110), pattern(100));
    const words = seg.view(Uint32Array);
    assert.equal(words.length, (2 * PAGE) / 4);
  });

  it('refuses sizes that are not positive integers before calling the library', () => {
    throwsCode(() => ctl.createExport(0), RangeError, 'RSMERR_BAD_LENGTH');
    throwsCode(() => ctl.createExport(PAGE + 1), RangeError, 'RSMERR_BAD_LENGTH');
    throwsCode(() => ctl.createExport(-PAGE), RangeError, 'RSMERR_BAD_LENGTH');
    throwsCode(() => ctl.createExport(1.5), RangeError, 'RSMERR_BAD_LENGTH');
    throwsCode(() => ctl.createExport('4096'), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => ctl.createExport(PAGE, { allowRebind: 'yes' }), TypeError, 'ERR_INVALID_ARG_TYPE');
  });

  it('publishes with an automatic id from 0x80000000 up', async () => {
    const a = held.add(ctl.createExport(PAGE));
    const b = held.add(ctl.createExport(PAGE));
    const idA = await a.publish();
    const idB = await b.publish();
    assert.ok(idA >= 0x80000000, `auto id ${idA.toString(16)}`);
    assert.ok(idB > idA, 'automatic ids increase and are never reused');
    assert.equal(a.segmentId, idA);
    assert.equal(a.published, true);
  });

  it('publishes with an explicit id in the application range', async () => {
    const seg = held.add(ctl.createExport(PAGE));
    const id = freshSegmentId();
    assert.equal(await seg.publish({ segmentId: id }), id);
  });

  it('refuses reserved ids: RSMERR_RESERVED_SEGID', async () => {
    const seg = held.add(ctl.createExport(PAGE));
    for (const id of [1, 0x3fffff, 0x80000000, 0xffffffff]) {
      await rejectsRsm(seg.publish({ segmentId: id }), 'RSMERR_RESERVED_SEGID', 'rsm_memseg_export_publish');
    }
  });

  it('refuses an id another segment of this node has published: RSMERR_SEGID_IN_USE', async () => {
    const id = freshSegmentId();
    const a = held.add(ctl.createExport(PAGE));
    const b = held.add(ctl.createExport(PAGE));
    await a.publish({ segmentId: id });
    await rejectsRsm(b.publish({ segmentId: id }), 'RSMERR_SEGID_IN_USE', 'rsm_memseg_export_publish');
    a.unpublish();
    assert.equal(await b.publish({ segmentId: id }), id, 'the id is free again after unpublish');
  });

  it('refuses to publish twice, and to unpublish what is not published', async () => {
    const seg = held.add(ctl.createExport(PAGE));
    throwsRsm(() => seg.unpublish(), 'RSMERR_SEG_NOT_PUBLISHED', 'rsm_memseg_export_unpublish');
    await seg.publish();
    await rejectsRsm(seg.publish(), 'RSMERR_SEG_ALREADY_PUBLISHED', 'rsm_memseg_export_publish');
    seg.unpublish();
    assert.equal(seg.published, false);
    const again = await seg.publish();
    assert.ok(again >= 0x80000000, 'an unpublished segment can be published again');
  });

  it('validates access lists: node over 64 or permission over 0666 is RSMERR_BAD_ACL', async () => {
    const seg = held.add(ctl.createExport(PAGE));
    await rejectsRsm(seg.publish({ accessList: [{ node: 65, permission: 0o600 }] }), 'RSMERR_BAD_ACL');
    await rejectsRsm(seg.publish({ accessList: [{ node: 2, permission: 0o700 }] }), 'RSMERR_BAD_ACL');
    const tooMany = Array.from({ length: 65 }, (_, i) => ({ node: i, permission: 0o600 }));
    await assert.rejects(seg.publish({ accessList: tooMany }), (e) => e instanceof RangeError && e.code === 'RSMERR_BAD_ACL');
    await assert.rejects(seg.publish({ accessList: 'all' }), TypeError);
    await assert.rejects(seg.publish({ accessList: [{ node: 'two', permission: 0o600 }] }), TypeError);
    const id = await seg.publish({ accessList: [{ node: 2, permission: 0o666 }, { node: 1, permission: 0o044 }] });
    assert.ok(id > 0);
  });

  it('destroys idempotently; the view empties and every method throws a typed error', async () => {
    const seg = ctl.createExport(PAGE);
    const bytes = seg.bytes;
    await seg.publish();
    seg.destroy();
    seg.destroy();
    seg[Symbol.dispose]();
    assert.equal(seg.destroyed, true);
    assert.equal(bytes.length, 0, 'the old view is detached, not dangling');
    assert.equal(seg.bytes.length, 0);
    await assert.rejects(seg.publish(), (e) => e.code === 'ERR_RSM_RELEASED');
    throwsCode(() => seg.unpublish(), Error, 'ERR_RSM_RELEASED');
  });

  it('shows empty views when the memory is first asked for after destroy or free', () => {
    const seg = ctl.createExport(PAGE);
    seg.destroy();
    assert.equal(seg.bytes.length, 0);
    assert.equal(seg.view(Uint32Array).length, 0);
    const local = ctl.createLocalMemory(PAGE);
    local.free();
    assert.equal(local.bytes.length, 0);
    assert.equal(local.view(Float64Array).length, 0);
  });

  it('destroys its segments when the controller is released first', async () => {
    const c = rsm.getController(CONTROLLER);
    const seg = c.createExport(PAGE);
    const view = seg.bytes;
    await seg.publish();
    c.release();
    assert.equal(seg.destroyed, true);
    assert.equal(view.length, 0);
    throwsCode(() => seg.unpublish(), Error, 'ERR_RSM_RELEASED');
  });
});
