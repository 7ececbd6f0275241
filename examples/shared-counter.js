'use strict';
// A counter in node 1's segment, incremented by importers on nodes 2, 3 and 4
// (child processes), each increment a get and a put inside one barrier.
//   node examples/shared-counter.js [increments per node, default 1000]
//
// RSM moves data and tells you whether it arrived: a barrier's close() throws
// when transfers since open() may have been lost, and transaction() retries
// the block when the interconnect asks for that. It has no remote atomic
// read-modify-write: two nodes reading 41 at the same moment both write 42,
// and one increment is lost without any error. So the increments must not
// overlap, and here node 1 hands out turns: it writes a turn number into its
// segment and signals; the importer whose turn it is increments and signals
// back, and only then does node 1 give out the next turn.
//
// An export's signal wakes every importer, so each reads the turn number to
// see whose turn it is. Signals are counted, so an importer may wake late, for
// a turn already over; the number it reads is always the current one, and it
// remembers the last turn it took so that it never takes one twice. Node 1
// moves on only after the holder's "done", so at most one increment is ever
// in flight. (A counter slot per node, summed by node 1, would also avoid
// overlap, but then no word is shared.)
const rsm = require('rsmapi');
const { joinCluster } = require('rsmapi/testing');

const IMPORTERS = [2, 3, 4];
const TURN = 0; // byte offsets in the segment: the turn number, written by node 1
const COUNTER = 4; // the counter, incremented by the importers
const STOP = 0xffffffff; // turn number that sends the importers home
const TIMEOUT = 5000; // ms; a node that stops answering is an error, not a hang

/** The node whose turn `turn` is (turns 1, 2, 3, … go round the importers). */
const holder = (turn) => IMPORTERS[(turn - 1) % IMPORTERS.length];

async function node1(increments) {
  if (!(Number.isInteger(increments) && increments > 0)) throw new RangeError('increments per node must be a positive integer');
  const ctl = rsm.getController();
  const cluster = joinCluster(); // the importers run in this process's cluster
  try {
    const seg = ctl.createExport(rsm.pageSize);
    const words = seg.view(Uint32Array);
    const segmentId = await seg.publish({ accessList: IMPORTERS.map((node) => ({ node, permission: 0o666 })) });
    const importers = IMPORTERS.map((node) => cluster.run(node, __filename, { args: ['importer', segmentId, increments], echo: true }));

    // Each importer signals once connected; signals are counted, not merged.
    for (const _ of IMPORTERS) await seg.waitForSignal({ timeout: TIMEOUT });

    const turns = increments * IMPORTERS.length;
    for (let turn = 1; turn <= turns; turn++) {
      words[TURN / 4] = turn;
      seg.signal();
      await seg.waitForSignal({ timeout: TIMEOUT }); // the holder's "done"
    }
    words[TURN / 4] = STOP;
    seg.signal();

    await Promise.all(importers.map((n) => n.result())); // throws when an importer failed
    const total = words[COUNTER / 4];
    if (total !== turns) throw new Error(`counter is ${total}, expected ${turns}`);
    console.log(`shared-counter: ${IMPORTERS.length} nodes × ${increments} increments, counter ${total}`);
  } finally {
    await cluster.stop(); // ends the importers that still run (only after a failure)
    ctl.release(); // destroys the export too
  }
}

async function importer(segmentId, increments) {
  const me = Number(process.env.RSM_SIM_NODE);
  const ctl = rsm.getController();
  try {
    const imp = await ctl.connect(1, segmentId);
    imp.signal(); // connected
    let last = 0;
    let done = 0;
    for (;;) {
      await imp.waitForSignal({ timeout: TIMEOUT });
      const [turn] = imp.read32(TURN, 1);
      if (turn === STOP) break;
      if (holder(turn) !== me || turn === last) continue;
      last = turn;
      // Explicit barrier for the span: close() vouches for the put (or
      // throws), and a barrier failure reruns the whole get-and-put.
      imp.transaction((seg) => {
        const [value] = seg.read32(COUNTER, 1);
        seg.put32(COUNTER, Uint32Array.of(value + 1));
      });
      done++;
      imp.signal(); // done: node 1 may hand out the next turn
    }
    if (done !== increments) throw new Error(`node ${me} made ${done} increments, expected ${increments}`);
    imp.disconnect();
  } finally {
    ctl.release();
  }
}

const [role, id, count] = process.argv.slice(2);
const main = role === 'importer' ? importer(Number(id), Number(count)) : node1(Number(role ?? 1000));
main.catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
