'use strict';
// Ping-pong with interrupt signals: node 1 writes a counter into the segment
// it exports and signals; node 2 (a child process) wakes, reads the counter,
// writes it back plus one and signals in turn. Node 1 times each round trip.
//   node examples/ping-pong.js [round trips, default 1000]
const rsm = require('rsmapi');
const { joinCluster } = require('rsmapi/testing');

const PING = 0; // byte offsets in the segment: node 1 writes here,
const PONG = 4; // node 2 answers here
const TIMEOUT = 5000; // ms; a peer that stops answering is an error, not a hang

async function node1(rounds) {
  if (!(Number.isInteger(rounds) && rounds > 0)) throw new RangeError('the number of round trips must be a positive integer');
  const ctl = rsm.getController();
  const cluster = joinCluster(); // node 2 runs in this process's cluster
  try {
    const seg = ctl.createExport(rsm.pageSize);
    const words = seg.view(Uint32Array);
    const segmentId = await seg.publish({ accessList: [{ node: 2, permission: 0o666 }] });
    const node2 = cluster.run(2, __filename, { args: ['node2', segmentId, rounds], echo: true });

    // An export's signal reaches only the imports connected at the time, so
    // wait for node 2 to say it is connected before the first ping.
    await seg.waitForSignal({ timeout: TIMEOUT });

    const times = [];
    let counter = 0;
    for (let i = 0; i < rounds; i++) {
      const start = process.hrtime.bigint();
      words[PING / 4] = counter + 1;
      seg.signal();
      await seg.waitForSignal({ timeout: TIMEOUT });
      times.push(Number(process.hrtime.bigint() - start) / 1000);
      if (words[PONG / 4] !== counter + 2) throw new Error(`round ${i + 1}: sent ${counter + 1}, got back ${words[PONG / 4]}`);
      counter = words[PONG / 4];
    }

    await node2.result(); // throws when node 2 failed
    times.sort((a, b) => a - b);
    console.log(`ping-pong: ${rounds} round trips, counter ${counter}, median ${times[times.length >> 1].toFixed(1)} µs`);
  } finally {
    await cluster.stop(); // ends node 2 if it still runs (only after a failure)
    ctl.release(); // destroys the export too
  }
}

async function node2(segmentId, rounds) {
  const ctl = rsm.getController();
  try {
    const imp = await ctl.connect(1, segmentId);
    imp.signal(); // connected: node 1 may start
    for (let i = 0; i < rounds; i++) {
      await imp.waitForSignal({ timeout: TIMEOUT });
      const [ping] = imp.read32(PING, 1);
      imp.put32(PONG, Uint32Array.of(ping + 1));
      imp.signal();
    }
    imp.disconnect();
  } finally {
    ctl.release();
  }
}

const [role, id, count] = process.argv.slice(2);
const main = role === 'node2' ? node2(Number(id), Number(count)) : node1(Number(role ?? 1000));
main.catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
