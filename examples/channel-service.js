'use strict';
// A request/response service over channels: node 1 serves, nodes 2, 3, ...
// (child processes, started with rsmapi/testing in node 1's cluster) are its clients, each with a channel of its own. A
// request asks for statistics of a list of numbers; the server answers each
// one on the channel it came from. Clients keep several requests in flight
// and match answers by request id.
//   node examples/channel-service.js [requests per client, default 1000] [clients, default 3]
//
// Rendezvous: a channel is met at one segment id on both nodes (ids are per
// node), so client c and the server both use BASE_ID + c.
const rsm = require('rsmapi');
const { joinCluster } = require('rsmapi/testing');

const BASE_ID = 0x500000;
const IN_FLIGHT = 16; // requests a client has outstanding at once
const TIMEOUT = 20000; // ms for a peer to show up

const encode = (value) => Buffer.from(JSON.stringify(value));
const decode = (bytes) => JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString());

function answer({ id, values }) {
  let sum = 0;
  for (const v of values) sum += v;
  return { id, count: values.length, sum, min: Math.min(...values), max: Math.max(...values) };
}

/** The server's side of one client's channel: answer until the client closes. */
async function serveOne(ch) {
  let served = 0;
  // Each message is a copy here (for await), so it may be kept; receive() would lend a view instead.
  for await (const request of ch) {
    await ch.send(encode(answer(decode(request))));
    served++;
  }
  return served;
}

async function server(requests, clients) {
  if (!(Number.isInteger(requests) && requests > 0)) throw new RangeError('the number of requests must be a positive integer');
  if (!(Number.isInteger(clients) && clients > 0 && clients < 60)) throw new RangeError('the number of clients must be an integer from 1 to 59');
  const ctl = rsm.getController();
  const cluster = joinCluster(); // the clients run in this process's cluster (RSM_SIM_DIR)
  try {
    const nodes = Array.from({ length: clients }, (_, k) => k + 2);
    const clientsDone = nodes.map((node) =>
      cluster.run(node, __filename, { args: ['client', String(node), String(requests)], echo: true }).result(),
    );
    const served = await Promise.all(
      nodes.map(async (node) => serveOne(await rsm.openChannel(ctl, { peer: node, segmentId: BASE_ID + node, capacity: 65536, timeout: TIMEOUT }))),
    );
    await Promise.all(clientsDone); // rejects, naming the node, if a client failed
    const total = served.reduce((a, b) => a + b, 0);
    console.log(`channel-service: ${clients} clients × ${requests} requests, ${total} answered, all correct`);
  } finally {
    await cluster.stop(); // ends the clients if they still run (only after a failure)
    ctl.release();
  }
}

async function client(node, requests) {
  const ctl = rsm.getController();
  try {
    const ch = await rsm.openChannel(ctl, { peer: 1, segmentId: BASE_ID + node, capacity: 65536, timeout: TIMEOUT });
    const expected = new Map();
    let next = 0;
    const send = async () => {
      const values = Array.from({ length: 1 + ((next * 7 + node) % 50) }, (_, k) => ((next + 1) * (k + 3) * node) % 1000);
      expected.set(next, answer({ id: next, values }));
      await ch.send(encode({ id: next, values }));
      next++;
    };
    while (next < Math.min(IN_FLIGHT, requests)) await send();
    for (let done = 0; done < requests; done++) {
      const view = await ch.receive(); // a view into the ring, valid until the next receive
      if (view === null) throw new Error('the server closed early');
      const got = decode(view);
      const want = expected.get(got.id);
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`request ${got.id}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      expected.delete(got.id);
      if (next < requests) await send();
    }
    await ch.close();
    console.log(`node ${node}: ${requests} answers checked`);
  } finally {
    ctl.release();
  }
}

const [role, a, b] = process.argv.slice(2);
const main = role === 'client' ? client(Number(a), Number(b)) : server(Number(role ?? 1000), Number(a ?? 3));
main.catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
