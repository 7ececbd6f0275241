'use strict';
// Two nodes, two processes: this process is node 1, a peer process node 2.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const rsm = require('..');
const { peerRejects, rejectsRsm } = require('./support/expect');
const { CONTROLLER, PAGE, pattern, tracker } = require('./support/fixtures');
const { Peer } = require('./support/peer-client');
const { leftovers } = require('./support/cluster-dir');

describe('across processes (node 1 here, node 2 in a child process)', function () {
  let ctl;
  let peer;
  const held = tracker();
  beforeEach(async () => {
    ctl = held.add(rsm.getController(CONTROLLER));
    peer = await Peer.start({ node: 2 });
    await peer.call('getController', { name: CONTROLLER });
  });
  afterEach(async () => {
    await peer.stop();
    held.release();
  });

  it('node 2 imports node 1\'s segment: put/get both ways', async () => {
    const exp = held.add(ctl.createExport(2 * PAGE));
    exp.bytes.set(pattern(1000, 1), 100);
    const id = await exp.publish({ accessList: [{ node: 2, permission: 0o666 }] });
    await peer.call('connect', { node: 1, segmentId: id });
    assert.deepEqual(await peer.call('get', { offset: 100, length: 1000 }), Array.from(pattern(1000, 1)));
    await peer.call('put', { offset: PAGE, bytes: Array.from(pattern(300, 2)) });
    assert.deepEqual(exp.bytes.subarray(PAGE, PAGE + 300), pattern(300, 2));
  });

  it('node 2 maps node 1\'s segment: writes on either side are seen by the other', async () => {
    const exp = held.add(ctl.createExport(2 * PAGE));
    const id = await exp.publish();
    await peer.call('connect', { node: 1, segmentId: id });
    assert.equal(await peer.call('map', { offset: PAGE, length: PAGE }), true);
    exp.bytes.set(pattern(64, 3), PAGE + 8);
    assert.deepEqual(await peer.call('mapRead', { at: 8, length: 64 }), Array.from(pattern(64, 3)));
    await peer.call('mapWrite', { at: 200, bytes: Array.from(pattern(50, 4)) });
    assert.deepEqual(exp.bytes.subarray(PAGE + 200, PAGE + 250), pattern(50, 4));
    await peer.call('unmap');
    await peer.call('disconnect');
  });

  it('node 1 imports node 2\'s segment: put/get and a mapping', async () => {
    await peer.call('createExport', { size: PAGE });
    await peer.call('fillExport', { at: 0, bytes: Array.from(pattern(128, 5)) });
    const id = await peer.call('publish', {});
    const imp = held.add(await ctl.connect(2, id));
    assert.deepEqual(imp.read(0, 128), pattern(128, 5));
    imp.put(1000, pattern(24, 6));
    assert.deepEqual(await peer.call('readExport', { at: 1000, length: 24 }), Array.from(pattern(24, 6)));
    imp.unmap();
    const m = imp.map({ length: PAGE });
    assert.deepEqual(m.bytes.subarray(0, 128), pattern(128, 5));
    m.bytes.set(pattern(8, 7), 4000);
    assert.deepEqual(await peer.call('readExport', { at: 4000, length: 8 }), Array.from(pattern(8, 7)));
  });

  it('refuses a node missing from the access list: RSMERR_SEG_NOT_PUBLISHED_TO_NODE', async () => {
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish({ accessList: [{ node: 3, permission: 0o666 }] });
    await peerRejects(peer.call('connect', { node: 1, segmentId: id }), 'RSMERR_SEG_NOT_PUBLISHED_TO_NODE', 'rsm_memseg_import_connect');
  });

  it('tells node 2 the connection is gone when node 1 unpublishes: RSMERR_CONN_ABORTED', async () => {
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish();
    await peer.call('connect', { node: 1, segmentId: id });
    await peer.call('get', { offset: 0, length: 4 });
    exp.unpublish();
    await peerRejects(peer.call('get', { offset: 0, length: 4 }), 'RSMERR_CONN_ABORTED', 'rsm_memseg_import_get');
    await peer.call('disconnect');
  });

  it('cleans up after an exporter that exits without releasing anything', async () => {
    await peer.call('createExport', { size: PAGE });
    const id = await peer.call('publish', {});
    const imp = held.add(await ctl.connect(2, id));
    imp.read(0, 4);
    peer.call('exitNow', { code: 0 }).catch(() => {});
    await peer.exited;
    assert.throws(() => imp.read(0, 4), (e) => e.code === 'RSMERR_CONN_ABORTED');
    await rejectsRsm(ctl.connect(2, id), 'RSMERR_SEG_NOT_PUBLISHED', 'rsm_memseg_import_connect');
    imp.disconnect();
    const dir = process.env.RSM_SIM_DIR;
    assert.deepEqual(leftovers(dir).filter((f) => fs.existsSync(`${dir}/${f}`) && f.includes('-2-')), []);
  });
});
