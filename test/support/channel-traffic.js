'use strict';
// Deterministic message streams for channel tests: message i of stream
// `seed` has a size drawn from a mix (empty, small, medium, the largest the
// channel allows) and bytes that depend on (seed, i), so the receiving side
// regenerates what it should get and checks order and content without the
// sender telling it. `pump` runs one end: sends one stream and receives the
// other at the same time.
const rsm = require('../..');
const { xorshift32: rng } = require('./xorshift');

function sizeOf(seed, i, max) {
  const r = rng((seed * 0x9e3779b1 + i * 0x85ebca6b) >>> 0);
  r();
  const pick = r() % 100;
  if (pick < 8) return 0;
  if (pick < 12) return max;
  if (pick < 55) return Math.min(max, r() % 65);
  if (pick < 90) return Math.min(max, r() % 2049);
  return r() % (max + 1);
}

/** Message i of stream `seed`, at most `max` bytes long. */
function message(seed, i, max) {
  const length = sizeOf(seed, i, max);
  const out = new Uint8Array(length);
  const r = rng((seed ^ (i * 0x27d4eb2d)) >>> 0);
  const words = length >>> 2;
  const view = new Uint32Array(out.buffer, 0, words);
  for (let k = 0; k < words; k++) view[k] = r();
  for (let k = words * 4; k < length; k++) out[k] = r() & 0xff;
  if (length >= 4) new DataView(out.buffer).setUint32(0, i, true);
  return out;
}

/** Throws unless `got` is message i of stream `seed`. */
function check(got, seed, i, max) {
  const want = message(seed, i, max);
  if (got.length !== want.length || !Buffer.from(got.buffer, got.byteOffset, got.length).equals(Buffer.from(want.buffer))) {
    const first = got.length >= 4 ? new DataView(got.buffer, got.byteOffset).getUint32(0, true) : -1;
    throw new Error(`message ${i} of stream ${seed}: got ${got.length} bytes (numbered ${first}), expected ${want.length}`);
  }
}

/**
 * Sends `count` messages of stream `sendSeed` and receives `count` of
 * stream `recvSeed` at once; resolves with what it counted. `max` caps
 * message sizes (both sides use the smaller of their limits).
 */
async function pump(ch, { count, sendSeed, recvSeed, max, zeroCopy = true }) {
  const sending = (async () => {
    for (let i = 0; i < count; i++) {
      const m = message(sendSeed, i, max);
      if (!ch.trySend(m)) await ch.send(m);
    }
  })();
  const receiving = (async () => {
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const m = zeroCopy ? await ch.receive() : (await ch[Symbol.asyncIterator]().next()).value;
      if (m === null || m === undefined) throw new Error(`the stream ended after ${i} of ${count} messages`);
      check(m, recvSeed, i, max);
      bytes += m.length;
    }
    return bytes;
  })();
  const [, bytes] = await Promise.all([sending, receiving]);
  return { bytes };
}

/** Like pump, with random pauses (none, a turn of the event loop, up to 3 ms) on both sides, so each sleeps often. */
async function jittered(ch, { count, sendSeed, recvSeed, max }) {
  const pause = (r) => {
    const k = r() % 8;
    if (k < 4) return undefined;
    if (k < 6) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => setTimeout(resolve, r() % 4));
  };
  const r1 = rng(sendSeed * 7 + 1);
  const r2 = rng(recvSeed * 13 + 5);
  const sending = (async () => {
    for (let i = 0; i < count; i++) {
      await ch.send(message(sendSeed, i, max));
      await pause(r1);
    }
  })();
  const receiving = (async () => {
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const m = await ch.receive();
      if (m === null) throw new Error(`the stream ended after ${i} of ${count} messages`);
      check(m, recvSeed, i, max);
      bytes += m.length;
      await pause(r2);
    }
    return bytes;
  })();
  const [, bytes] = await Promise.all([sending, receiving]);
  return { bytes };
}

module.exports = { message, check, pump, jittered, rng, rsm };
