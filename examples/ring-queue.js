'use strict';
// A single-producer single-consumer message queue: a ring buffer in a segment
// node 1 exports. Node 2 (a child process) maps it and writes messages of
// varying length into it; node 1 reads them from its own memory and checks
// their order and content.
//   node examples/ring-queue.js [messages, default 10000]
//
// The consumer exports because stores into a remote mapping are cheap (the
// interconnect posts them) while remote loads wait for the answer: each side
// writes its own index and reads the other's, and the data only travels
// one way, as stores.
//
// Segment layout: four 32-bit words, then the ring.
//   HEAD  bytes written so far (producer), TAIL bytes read so far (consumer),
//   both free-running: the position in the ring is the index modulo CAPACITY;
//   CONSUMER_WAITING / PRODUCER_WAITING: set by a side about to sleep.
// A record is its length (32 bits), the bytes, and padding to 4 bytes.
const rsm = require('rsmapi');
const { joinCluster } = require('rsmapi/testing');

const [HEAD, TAIL, CONSUMER_WAITING, PRODUCER_WAITING] = [0, 1, 2, 3]; // word indices
const DATA = 64; // byte offset of the ring in the segment
const CAPACITY = 2048; // bytes, a power of two so that the indices wrap cleanly
const TIMEOUT = 5000; // ms; a peer that stops answering is an error, not a hang

const TEXT = 'the quick brown fox jumps over the lazy dog; ';
/** Message `i`: its number, then 0 to 299 bytes of text. */
const message = (i) => `#${i} ${TEXT.repeat(7).slice(0, (i * 37) % 300)}`;
const recordSize = (length) => 4 + ((length + 3) & ~3);

// The ring is a Uint8Array of CAPACITY bytes; `at` is a free-running index.
function writeRecord(ring, at, bytes) {
  new DataView(ring.buffer, ring.byteOffset).setUint32(at % CAPACITY, bytes.length, true);
  const start = (at + 4) % CAPACITY;
  const first = Math.min(bytes.length, CAPACITY - start);
  ring.set(bytes.subarray(0, first), start);
  ring.set(bytes.subarray(first), 0); // the part that wraps round, if any
}

function readRecord(ring, at) {
  const length = new DataView(ring.buffer, ring.byteOffset).getUint32(at % CAPACITY, true);
  const start = (at + 4) % CAPACITY;
  const first = Math.min(length, CAPACITY - start);
  return Buffer.concat([ring.subarray(start, start + first), ring.subarray(0, length - first)]);
}

// Sleeping without losing a wake-up: announce it, look again, only then
// wait. Atomics keeps the store of the flag ahead of that second look, and the
// other side stores its index before it reads the flag, so one of the two
// always sees the other. A signal left over from an earlier round only costs
// one extra look.
async function sleepUntil(ready, words, flag, segment) {
  let waits = 0;
  while (!ready()) {
    Atomics.store(words, flag, 1);
    if (!ready()) {
      await segment.waitForSignal({ timeout: TIMEOUT });
      waits++;
    }
    Atomics.store(words, flag, 0);
  }
  return waits;
}

async function consumer(count) {
  if (!(Number.isInteger(count) && count > 0)) throw new RangeError('the number of messages must be a positive integer');
  const ctl = rsm.getController();
  const cluster = joinCluster(); // node 2 runs in this process's cluster
  try {
    const seg = ctl.createExport(rsm.pageSize);
    const words = seg.view(Uint32Array);
    const ring = seg.bytes.subarray(DATA, DATA + CAPACITY);
    const segmentId = await seg.publish({ accessList: [{ node: 2, permission: 0o666 }] });
    const node2 = cluster.run(2, __filename, { args: ['producer', segmentId, count], echo: true });

    let tail = 0;
    let bytes = 0;
    let waits = 0;
    for (let i = 0; i < count; i++) {
      waits += await sleepUntil(() => Atomics.load(words, HEAD) !== tail, words, CONSUMER_WAITING, seg);
      const record = readRecord(ring, tail);
      const text = record.toString();
      if (text !== message(i)) throw new Error(`message ${i}: expected ${JSON.stringify(message(i))}, got ${JSON.stringify(text)}`);
      bytes += record.length;
      tail = (tail + recordSize(record.length)) >>> 0;
      Atomics.store(words, TAIL, tail);
      if (Atomics.load(words, PRODUCER_WAITING)) seg.signal(); // there is room now
    }

    await node2.result(); // throws when node 2 failed
    console.log(`ring-queue: ${count} messages, ${bytes} bytes through a ${CAPACITY}-byte ring, in order and intact (consumer slept ${waits} times)`);
  } finally {
    await cluster.stop(); // ends node 2 if it still runs (only after a failure)
    ctl.release(); // destroys the export too
  }
}

async function producer(segmentId, count) {
  const ctl = rsm.getController();
  try {
    const imp = await ctl.connect(1, segmentId);
    const mapping = imp.map({ length: rsm.pageSize });
    const words = mapping.view(Uint32Array);
    const ring = mapping.bytes.subarray(DATA, DATA + CAPACITY);
    let head = 0;
    let waits = 0;
    for (let i = 0; i < count; i++) {
      const bytes = Buffer.from(message(i));
      const size = recordSize(bytes.length);
      const room = () => CAPACITY - ((head - Atomics.load(words, TAIL)) >>> 0) >= size;
      waits += await sleepUntil(room, words, PRODUCER_WAITING, imp);
      const next = (head + size) >>> 0;
      // The barrier reports stores lost on the way: close() throws, or the
      // block runs again (so it reads `head` but never changes it). The order
      // barriers make the record land before the HEAD that publishes it, and
      // HEAD before the look at the consumer's flag.
      const consumerWaiting = imp.transaction(() => {
        writeRecord(ring, head, bytes);
        imp.barrier.order();
        Atomics.store(words, HEAD, next);
        imp.barrier.order();
        return Atomics.load(words, CONSUMER_WAITING);
      });
      head = next;
      if (consumerWaiting) imp.signal();
    }
    console.log(`node 2: sent ${count} messages, waited for room ${waits} times`);
    mapping.unmap();
    imp.disconnect();
  } finally {
    ctl.release();
  }
}

const [role, id, count] = process.argv.slice(2);
const main = role === 'producer' ? producer(Number(id), Number(count)) : consumer(Number(role ?? 10000));
main.catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
