'use strict';
// Work that took the address of a view before its memory went away (here a
// read from a FIFO into the view, waiting on the thread pool until the data
// arrives) must never land in memory handed out afterwards: the addon
// replaces the range with scratch pages in place and unmaps it only when the
// buffer object is collected, so a new segment cannot get that address.
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const rsm = require('..');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');

const LATE = 0xee;

/** A FIFO whose reads wait until deliver() writes. */
function lateSource() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsmapi-late-'));
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  // O_RDWR: opening does not wait for a writer (Linux), and the same
  // descriptor delivers the data later.
  const fd = fs.openSync(fifo, fs.constants.O_RDWR);
  return {
    /** Starts a read of view.length bytes into `view`; resolves with the byte count. */
    readInto(view) {
      return new Promise((resolve, reject) => {
        fs.read(fd, view, 0, view.length, null, (err, n) => (err ? reject(err) : resolve(n)));
      });
    },
    deliver(length) {
      fs.writeSync(fd, Buffer.alloc(length, LATE));
    },
    close() {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function untouched(bytes, what) {
  const i = bytes.indexOf(LATE);
  assert.equal(i, -1, `${what}: the late read landed at byte ${i}`);
}

describe('late writes into released memory', () => {
  const held = tracker();
  let source;
  let ctl;
  beforeEach(() => {
    source = lateSource();
    ctl = held.add(rsm.getController(CONTROLLER));
  });
  afterEach(() => {
    held.release();
    source.close();
  });

  it('a read pending into a mapping view lands neither in the exporter\'s memory nor in a new mapping after unmap', async () => {
    const exp = held.add(ctl.createExport(4 * PAGE));
    const id = await exp.publish();
    const imp = held.add(await ctl.connect(1, id));
    const mapping = imp.map({ offset: 0, length: 4 * PAGE });
    const reading = source.readInto(mapping.bytes);
    mapping.unmap();
    assert.equal(mapping.bytes.length, 0);
    // New mappings of the same size, which would take the freed address.
    const again = [imp.map({ offset: 0, length: 4 * PAGE })];
    const more = held.add(await ctl.connect(1, id));
    again.push(more.map({ offset: 0, length: 4 * PAGE }));
    source.deliver(4 * PAGE);
    assert.equal(await reading, 4 * PAGE);
    untouched(exp.bytes, 'the exported segment');
    for (const m of again) untouched(m.bytes, 'a later mapping');
    for (const m of again) m.unmap();
  });

  it('a read pending into an export segment view lands in no segment created after destroy', async () => {
    const exp = ctl.createExport(4 * PAGE);
    const reading = source.readInto(exp.bytes);
    exp.destroy();
    const later = Array.from({ length: 4 }, () => held.add(ctl.createExport(4 * PAGE)));
    const lm = held.add(ctl.createLocalMemory(4 * PAGE));
    source.deliver(4 * PAGE);
    assert.equal(await reading, 4 * PAGE);
    for (const e of later) untouched(e.bytes, 'a later export segment');
    untouched(lm.bytes, 'later local memory');
  });

  it('a read pending into local memory lands nowhere after free, nor into the old pages of a rebound segment', async () => {
    const lm = ctl.createLocalMemory(2 * PAGE);
    const exp = held.add(ctl.createExport(2 * PAGE, { allowRebind: true }));
    const id = await exp.publish();
    const imp = held.add(await ctl.connect(1, id));
    const intoLocal = source.readInto(lm.bytes);
    lm.free();
    const later = Array.from({ length: 3 }, () => held.add(ctl.createLocalMemory(2 * PAGE)));
    source.deliver(2 * PAGE);
    assert.equal(await intoLocal, 2 * PAGE);
    for (const l of later) untouched(l.bytes, 'later local memory');

    const intoOld = source.readInto(exp.bytes);
    exp.rebind();
    const after = Array.from({ length: 3 }, () => held.add(ctl.createExport(2 * PAGE)));
    source.deliver(2 * PAGE);
    assert.equal(await intoOld, 2 * PAGE);
    untouched(exp.bytes, 'the rebound segment');
    untouched(imp.read(0, 2 * PAGE), 'the rebound segment as its importer reads it');
    for (const e of after) untouched(e.bytes, 'a later export segment');
  });
});
