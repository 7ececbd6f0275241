'use strict';
// A rejected connect(), publish() or waitForSignal() shows where the program
// called it: the call runs off the main thread and rejects from a libuv
// callback, so without the stack the facade records at the call the error
// would name no line of the program at all.
const assert = require('node:assert/strict');
const path = require('node:path');
const rsm = require('..');
const { CONTROLLER, PAGE, freshSegmentId, tracker } = require('./support/fixtures');

const LOCAL_NODE = 1;
const FILE = path.basename(__filename);

/** The line of the code that calls here(). */
function here() {
  const frame = new Error().stack.split('\n')[2];
  return Number(/:(\d+):\d+\)?$/.exec(frame)[1]);
}

async function rejectionStack(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

function assertShowsLine(e, code, line) {
  assert.equal(e.code, code, e.message);
  assert.ok(e.stack.includes(`${FILE}:${line}:`), `the stack names ${FILE}:${line}:\n${e.stack}`);
  assert.ok(e.stack.startsWith(`${e.name}: ${e.message}\n`), e.stack);
}

describe('the stack of a rejected asynchronous call', () => {
  const held = tracker();
  let ctl;
  beforeEach(() => {
    ctl = held.add(rsm.getController(CONTROLLER));
  });
  afterEach(() => held.release());

  it('connect() rejects with the line that called it', async () => {
    const [promise, line] = [ctl.connect(LOCAL_NODE, freshSegmentId()), here()];
    assertShowsLine(await rejectionStack(promise), 'RSMERR_SEG_NOT_PUBLISHED', line);
  });

  it('publish() rejects with the line that called it', async () => {
    const first = held.add(ctl.createExport(PAGE));
    const id = await first.publish({ segmentId: freshSegmentId() });
    const second = held.add(ctl.createExport(PAGE));
    const [promise, line] = [second.publish({ segmentId: id }), here()];
    assertShowsLine(await rejectionStack(promise), 'RSMERR_SEGID_IN_USE', line);
  });

  it('waitForSignal() rejects with the line that called it, an abort too', async () => {
    const exp = held.add(ctl.createExport(PAGE));
    const [timedOut, line] = [exp.waitForSignal({ timeout: 0 }), here()];
    assertShowsLine(await rejectionStack(timedOut), 'RSMERR_TIMEOUT', line);
    const abort = new AbortController();
    const [aborted, abortLine] = [exp.waitForSignal({ signal: abort.signal }), here()];
    abort.abort();
    assertShowsLine(await rejectionStack(aborted), 'ABORT_ERR', abortLine);
  });
});
