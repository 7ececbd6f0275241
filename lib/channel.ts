// Channel: a two-way, ordered, flow-controlled stream of variable-length
// messages between two nodes, built only from public RSMAPI calls.
//
// Each node exports its receive side (channel-layout.ts) and maps the peer's.
// A sender copies records into a local mirror of the peer's ring and, once
// per batch, copies the batch through the mapping and orders it before the
// HEAD that publishes it. The barrier stays open across batches and is
// closed off the message path: every CONFIRM_EVERY stores, before this side
// sleeps, at the next turn of the event loop, at flush() and close(). A close
// that reports a failure makes it write everything since the last good close
// at the same place again (the mirror still holds it), so nothing is lost and
// nothing appears twice; the receiver's sequence numbers catch anything that
// would. Each side polls only its own
// memory: the peer stores HEAD, its consumption (PEER_TAIL) and its sleep
// announcements there. A side that runs dry spins a while, then bumps its
// sleep counter in the other's memory, looks once more and sleeps on its own
// segment's signals; the other side posts one signal per counter value it
// sees after publishing. Both stores are ordered and completed by a barrier
// before the look that follows them, so one of the two always sees the other
// (docs/semantics.md §5.5 barriers, §5.6 interrupt signals).

import { pageSize } from './backend';
import { BarrierMode } from './constants';
import type { Controller } from './controller';
import { codedError, RsmError } from './errors';
import type { ExportSegment } from './export-segment';
import type { ImportSegment } from './import-segment';
import type { Mapping } from './mapping';
import { invalidThis, isObject } from './receiver';
import { AbortError } from './signals';
import { MAGIC, maxPayload, RECORD_HEADER, recordSize, SKIP, VERSION, Word } from './channel-layout';
import { abortSignal, describe, integer, nonNegative, object, powerOfTwo, required, UINT32_MAX } from './validate';
import { bounded, sleepOn, spinUntil } from './wait-until';

/** Options of {@link openChannel}. */
export interface ChannelOptions {
  /** The node at the other end. */
  peer: number;
  /** The segment id both nodes export their receive side at (ids are per node). */
  segmentId: number;
  /** Bytes of this side's receive ring: a power of two from 4096 to 2^30 (default 262144). */
  capacity?: number;
  /** Milliseconds to wait for the peer to open its end (default 30000). */
  timeout?: number;
  /** Aborting gives up opening (AbortError). */
  signal?: AbortSignal;
  /** Microseconds to spin on local memory before sleeping on a signal (default 20). */
  spin?: number;
  /**
   * Milliseconds a sleeping side waits before it checks that the peer is
   * still there (default 100): how soon a killed peer or a torn-down
   * connection is noticed while nothing else happens.
   */
  peerCheckInterval?: number;
  /** The octal permission the peer gets in this side's access list (default 0o600). */
  permission?: number;
}

/** Options of {@link Channel.send} and {@link Channel.receive}. */
export interface ChannelWaitOptions {
  /** Aborting rejects the wait (AbortError); the channel stays usable. */
  signal?: AbortSignal;
  /** Milliseconds before rejecting with code 'ETIMEDOUT'; the channel stays usable. */
  timeout?: number;
}

/** Options of {@link Channel.receiveBatch}. */
export interface ChannelBatchOptions extends ChannelWaitOptions {
  /** The most messages one call hands out (default: all that have arrived). */
  max?: number;
}

/** Counters of a channel, for tests and tuning. */
export interface ChannelStats {
  /** Messages accepted by send()/trySend(). */
  readonly sent: number;
  /** Messages handed out by receive()/tryReceive(). */
  readonly received: number;
  /** Batches published (one HEAD store each). */
  readonly batches: number;
  /** Barrier closes that reported a failure, after which the same stores were made again. */
  readonly resends: number;
  /** Records dropped because their sequence number had been received already. */
  readonly duplicates: number;
  /** Times this side slept on its segment's signal. */
  readonly sleeps: number;
  /** Sleeps that ended by the peer-check interval rather than a signal. */
  readonly timedOutSleeps: number;
  /** Signals this side posted to wake the peer. */
  readonly signalsPosted: number;
}

type State = 'open' | 'closing' | 'closed' | 'failed';
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const RETRYABLE = new Set(['RSMERR_BARRIER_FAILURE', 'RSMERR_BARRIER_OPEN_FAILED']);
/** Barrier failures in a row before the channel gives up on the peer. */
const MAX_RESENDS = 1000;
/**
 * Stores into the peer's memory between two barrier closes, at most: bounds
 * how long a failure goes unnoticed (and what a close that reports one makes
 * this side write again) while the event loop is too busy to close sooner.
 */
const CONFIRM_EVERY = 16;
/** Messages from this size on go straight into the peer's ring, published at once (one copy, no mirror). */
const DIRECT_BYTES = 8192;
const DEFAULT_CAPACITY = 256 * 1024;

function coded<E extends Error>(e: E, code: string, cause?: unknown): E {
  if (cause !== undefined) Object.defineProperty(e, 'cause', { value: cause, configurable: true, writable: true });
  return Object.assign(e, { code });
}

function closedError(byPeer: boolean): Error {
  return coded(new Error(byPeer ? 'the peer closed the channel' : 'the channel is closed'), 'ERR_RSM_CHANNEL_CLOSED');
}

function peerLost(peer: number, cause: unknown): Error {
  const why = cause instanceof Error ? `: ${(cause as { code?: string }).code ?? cause.message}` : '';
  return coded(new Error(`lost the channel's peer, node ${peer} (its process died or the connection was torn down${why})`), 'ERR_RSM_CHANNEL_PEER_LOST', cause);
}

function waitOptions(options: ChannelWaitOptions | undefined): { signal: AbortSignal | undefined; deadline: number } {
  if (options === undefined) return { signal: undefined, deadline: Infinity };
  const o = object<ChannelWaitOptions>(options, 'options');
  const timeout = o.timeout === undefined ? undefined : nonNegative(o.timeout, 'options.timeout');
  return { signal: abortSignal(o.signal, 'options.signal'), deadline: timeout === undefined ? Infinity : performance.now() + timeout };
}

/** The bytes of any ArrayBufferView, as a Uint8Array over the same memory. */
function bytesOf(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw coded(new TypeError('a message must be a Uint8Array, Buffer or other ArrayBufferView'), 'ERR_INVALID_ARG_TYPE');
}

/**
 * One end of a channel, made by {@link openChannel}. Messages sent arrive at
 * the peer in order, intact and once, or the channel fails with a coded
 * error: 'ERR_RSM_CHANNEL_CLOSED' (this side or the peer closed it) or
 * 'ERR_RSM_CHANNEL_PEER_LOST' (the peer's process died or the connection was
 * torn down). Sends are batched: a batch is published when the ring needs
 * room, when this side is about to wait, when a quarter of the ring is
 * pending, at flush(), or at the next turn of the event loop.
 *
 * @example
 * ```ts
 * const ch = await openChannel(ctl, { peer: 2, segmentId: 0x200000 });
 * await ch.send(new TextEncoder().encode('ping'));
 * for await (const msg of ch) console.log(new TextDecoder().decode(msg));
 * await ch.close();
 * ```
 */
export class Channel {
  /** The node at the other end. */
  readonly peer: number;
  /** The segment id of both receive sides. */
  readonly segmentId: number;
  /** Bytes of this side's receive ring. */
  readonly capacity: number;
  /** The largest message the peer accepts (half its ring, less a record header). */
  readonly maxMessageSize: number;
  /** Resolves once the channel ended in order and released its segments; rejects with the error that failed it. */
  readonly closed: Promise<void>;

  readonly #exp: ExportSegment;
  readonly #imp: ImportSegment;
  readonly #map: Mapping;
  /** This side's control words and ring (local memory the peer stores into). */
  readonly #mine: Uint32Array;
  readonly #ring: Uint8Array;
  /** The ring's memory and where in it the ring starts: views are made from these, not by subarray() (twice the cost). */
  readonly #ringBuffer: ArrayBufferLike;
  readonly #ringStart: number;
  readonly #ring32: Uint32Array;
  readonly #mask: number;
  /** The peer's control words and ring, through the mapping. */
  readonly #theirs: Uint32Array;
  readonly #peerRing: Uint8Array;
  readonly #peerRing32: Uint32Array;
  readonly #peerCap: number;
  readonly #peerMask: number;
  /** What the peer's ring holds from `published` to `head`, kept until a barrier close vouches for it. */
  readonly #mirror: Uint8Array;
  readonly #mirror32: Uint32Array;
  readonly #spin: number;
  readonly #checkMs: number;

  #state: State = 'open';
  #error: Error | undefined;
  #peerClosed = false;
  // Sending into the peer's ring.
  #head = 0;
  #published = 0;
  /** The peer's PEER_TAIL as last read. */
  #peerTail = 0;
  #seq = 1;
  #flushScheduled = false;
  // The barrier over stores into the peer's memory: open since the first store after the last close.
  #barrierOpen = false;
  /** Stores made since the last good close (they may need making again). */
  #unconfirmed = 0;
  /** HEAD as of the last good close: the mirror from here to `published` is written again if a close fails. */
  #confirmed = 0;
  /** Single words (FIN, HELLO) stored since the last good close: [word, value] pairs. */
  #words: number[] = [];
  /** A store under the open barrier threw: the next close writes everything again whatever it reports. */
  #rewriteDue = false;
  #sendQueue: Promise<void> = Promise.resolve();
  #queued = 0;
  // Receiving from this side's ring.
  #tail = 0;
  #heldEnd = 0;
  /** HEAD as last read: records up to it can be taken without reading it again. */
  #knownHead = 0;
  #tailPublished = 0;
  #expect = 1;
  // Sleep announcements: ours (bumped in the peer's memory), and the peer's we have answered.
  #recvEpoch = 0;
  #sendEpoch = 0;
  #answeredRecv = 0;
  #answeredSend = 0;
  readonly #stats: Mutable<ChannelStats> = {
    sent: 0, received: 0, batches: 0, resends: 0, duplicates: 0, sleeps: 0, timedOutSleeps: 0, signalsPosted: 0,
  };
  #settle!: { resolve: () => void; reject: (e: Error) => void };
  /** What a receive waits for: a message, the peer's end, or this side's. Made once: receives are hot. */
  readonly #receivable = (): boolean => this.#state !== 'open' || this.#finSeen() || this.#available() > 0;

  /** @internal Made by openChannel(). */
  constructor(init: { peer: number; segmentId: number; exp: ExportSegment; imp: ImportSegment; map: Mapping; ringOffset: number; peerRingOffset: number; capacity: number; peerCapacity: number; spin: number; checkMs: number }) {
    this.peer = init.peer;
    this.segmentId = init.segmentId;
    this.capacity = init.capacity;
    this.#exp = init.exp;
    this.#imp = init.imp;
    this.#map = init.map;
    const own = init.exp.bytes;
    this.#mine = new Uint32Array(own.buffer, own.byteOffset, init.ringOffset / 4);
    this.#ring = own.subarray(init.ringOffset, init.ringOffset + init.capacity);
    this.#ringBuffer = own.buffer;
    this.#ringStart = own.byteOffset + init.ringOffset;
    this.#ring32 = new Uint32Array(own.buffer, own.byteOffset + init.ringOffset, init.capacity / 4);
    this.#mask = init.capacity - 1;
    const far = init.map.bytes;
    this.#theirs = new Uint32Array(far.buffer, far.byteOffset, init.peerRingOffset / 4);
    this.#peerRing = far.subarray(init.peerRingOffset, init.peerRingOffset + init.peerCapacity);
    this.#peerRing32 = new Uint32Array(far.buffer, far.byteOffset + init.peerRingOffset, init.peerCapacity / 4);
    this.#peerCap = init.peerCapacity;
    this.#peerMask = init.peerCapacity - 1;
    this.maxMessageSize = maxPayload(init.peerCapacity);
    this.#mirror = new Uint8Array(init.peerCapacity);
    this.#mirror32 = new Uint32Array(this.#mirror.buffer);
    this.#spin = init.spin;
    this.#checkMs = init.checkMs;
    this.closed = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // Nobody need listen: the error also reaches every operation.
    this.closed.catch(() => undefined);
  }

  /** TypeError ERR_INVALID_THIS unless `self` is a Channel this package made. */
  static #own(self: unknown): void {
    if (!isObject(self) || !(#ring in self)) throw invalidThis('Channel');
  }

  /** Counters so far (a copy). */
  get stats(): ChannelStats {
    Channel.#own(this);
    return { ...this.#stats };
  }

  /** True once this side has received everything the peer sent before closing, or the channel closed or failed. */
  get ended(): boolean {
    Channel.#own(this);
    return this.#state !== 'open' || (this.#finSeen() && this.#available() === 0);
  }

  /**
   * Queues `data` for the peer without waiting: false when the peer's ring
   * has no room for it now (nothing is queued then). The bytes are copied
   * before it returns, so the caller may reuse them at once.
   * @throws {RangeError} code ERR_OUT_OF_RANGE for a message over maxMessageSize.
   * @throws {Error} code ERR_RSM_CHANNEL_CLOSED / ERR_RSM_CHANNEL_PEER_LOST once the channel cannot send.
   */
  trySend(data: ArrayBufferView): boolean {
    Channel.#own(this);
    const bytes = bytesOf(data);
    const length = bytes.byteLength; // read once: a TypedArray's byteLength is a call, not an inlined load
    this.#checkSendable(length);
    if (this.#queued > 0) return false; // keep order behind waiting send() calls
    return this.#put(bytes, length);
  }

  /**
   * Sends `data`, waiting for room in the peer's ring. Sends complete in the
   * order they were called. Resolves once the bytes are copied (the caller
   * may reuse them); the peer sees them with the next batch.
   */
  send(data: ArrayBufferView, options?: ChannelWaitOptions): Promise<void> {
    let bytes: Uint8Array;
    let length: number;
    let wait: ReturnType<typeof waitOptions>;
    try {
      Channel.#own(this);
      bytes = bytesOf(data);
      length = bytes.byteLength;
      this.#checkSendable(length);
      wait = waitOptions(options);
      if (this.#queued === 0 && this.#put(bytes, length)) return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
    this.#queued++;
    const turn = this.#sendQueue.then(async () => {
      try {
        while (!this.#put(bytes, length)) {
          this.#checkSendable(length);
          const sleep = this.#waitUntil(() => this.#state !== 'open' || this.#finSeen() || this.#fits(length), 'send', wait.signal, wait.deadline);
          if (sleep !== undefined) await sleep;
          this.#checkSendable(length);
        }
      } finally {
        this.#queued--;
      }
    });
    this.#sendQueue = turn.catch(() => undefined);
    return turn;
  }

  /** Publishes the messages queued so far now, rather than with the next batch. */
  flush(): void {
    Channel.#own(this);
    if (this.#state === 'open') {
      this.#flush();
      this.#confirm();
    }
  }

  /**
   * The next message without waiting, as a view into this side's ring (no
   * copy) that stays valid until the next receive call on this channel:
   * undefined when none has arrived, null when the peer closed and
   * everything it sent has been received.
   * @throws {Error} ERR_RSM_CHANNEL_PEER_LOST when the channel failed.
   */
  tryReceive(): Uint8Array | null | undefined {
    Channel.#own(this);
    if (this.#released()) this.#lost(undefined);
    if (this.#state === 'failed') throw this.#error as Error;
    if (this.#state !== 'open') return null;
    const message = this.#next();
    if (message !== undefined) return message;
    if (this.#finSeen() && this.#available() === 0) {
      this.#finish();
      return null;
    }
    return undefined;
  }

  /** Waits for the next message; a view valid until the next receive call (see tryReceive), or null at the end. */
  async receive(options?: ChannelWaitOptions): Promise<Uint8Array | null> {
    Channel.#own(this);
    const { signal, deadline } = waitOptions(options);
    for (;;) {
      const message = this.tryReceive();
      if (message !== undefined) return message;
      const sleep = this.#waitUntil(this.#receivable, 'recv', signal, deadline);
      if (sleep !== undefined) await sleep;
    }
  }

  /**
   * Waits until at least one message has arrived, then hands every message
   * that has (up to `options.max`) to `onMessage`, in order, and resolves
   * with how many it handed out; 0 means the end (the peer closed and
   * everything it sent was received, or this side closed). Each view points
   * into this side's ring (no copy) and is valid only until `onMessage`
   * returns: copy what must outlive the call. One Promise per batch instead
   * of one per message. A message passed to an `onMessage` that throws
   * counts as received; the error rejects the call. Closing the channel
   * from `onMessage` stops the batch after that message.
   * @throws {TypeError} code ERR_INVALID_ARG_TYPE when `onMessage` is not a function.
   * @throws {RangeError} code ERR_OUT_OF_RANGE when `options.max` is not an integer from 1 to 2^32 - 1.
   */
  async receiveBatch(onMessage: (message: Uint8Array) => void, options?: ChannelBatchOptions): Promise<number> {
    Channel.#own(this);
    if (typeof onMessage !== 'function') throw codedError(new TypeError(`onMessage must be a function, got ${describe(onMessage)}`), 'ERR_INVALID_ARG_TYPE');
    const max = options?.max === undefined ? Infinity : integer(options.max, 'options.max', 1, UINT32_MAX);
    const { signal, deadline } = waitOptions(options);
    for (;;) {
      let n = 0;
      while (n < max) {
        const message = this.tryReceive();
        if (message === undefined) break;
        if (message === null) return n;
        n++;
        onMessage(message);
        if (this.#state !== 'open') return n;
      }
      if (n > 0) return n;
      const sleep = this.#waitUntil(this.#receivable, 'recv', signal, deadline);
      if (sleep !== undefined) await sleep;
    }
  }

  /** The messages as they arrive, each a copy, until the peer closes; throws if the channel fails. */
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    Channel.#own(this);
    return this.#messages();
  }

  async *#messages(): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      const message = await this.receive();
      if (message === null) return;
      yield message.slice();
    }
  }

  /**
   * Closes this end: publishes what was sent, tells the peer (which receives
   * all of it, then sees the end), and releases this side's segments. Sends
   * still waiting for room reject with ERR_RSM_CHANNEL_CLOSED; receives
   * waiting resolve with the end. Idempotent; resolves once the segments
   * are released, also after a failure (which `closed` reports).
   */
  close(): Promise<void> {
    try {
      Channel.#own(this);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#state !== 'open') return this.closed.catch(() => undefined);
    this.#state = 'closing';
    if (!this.#finSeen()) {
      try {
        this.#flush();
        this.#storeRemote(Word.PEER_FIN, 1);
        this.#imp.signal();
      } catch {
        // The peer is gone already: there is no one to tell.
      }
    }
    this.#teardown();
    this.#state = 'closed';
    this.#settle.resolve();
    return this.closed;
  }

  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return Channel.prototype.close.call(this);
  }

  // ---- sending ----

  #checkSendable(length: number): void {
    if (this.#released()) this.#lost(undefined);
    if (this.#state === 'failed') throw this.#error as Error;
    if (this.#state !== 'open') throw closedError(false);
    if (this.#finSeen()) throw closedError(true);
    if (length > this.maxMessageSize) {
      throw coded(new RangeError(`a message of ${length} bytes is over the channel's largest, ${this.maxMessageSize}`), 'ERR_OUT_OF_RANGE');
    }
  }

  /** Room for a record of `length` bytes at the head, a skip to the ring's start included. */
  #fits(length: number): boolean {
    const size = recordSize(length);
    const pos = this.#head & this.#peerMask;
    const skip = pos + size > this.#peerCap ? this.#peerCap - pos : 0;
    // The peer's tail only grows: read it again only when the last value leaves too little room.
    if (((this.#head - this.#peerTail) >>> 0) + skip + size <= this.#peerCap) return true;
    this.#peerTail = Atomics.load(this.#mine, Word.PEER_TAIL);
    return ((this.#head - this.#peerTail) >>> 0) + skip + size <= this.#peerCap;
  }

  /** Writes one record of `bytes` (`length` of them) if it fits; false (after publishing what is pending) if not. */
  #put(bytes: Uint8Array, length: number): boolean {
    if (!this.#fits(length)) {
      this.#flush();
      this.#publishTail();
      return false;
    }
    const size = recordSize(length);
    let pos = this.#head & this.#peerMask;
    if (length >= DIRECT_BYTES) {
      this.#flush();
      this.#confirm(); // a failed close of the direct write rewrites only that record
      this.#checkSendable(length); // the flush may have found the peer gone
      if (!this.#putDirect(bytes, length, pos, size)) {
        this.#checkSendable(length);
        throw closedError(false);
      }
    } else {
      if (pos + size > this.#peerCap) {
        this.#mirror32[pos >>> 2] = SKIP;
        this.#head = (this.#head + this.#peerCap - pos) >>> 0;
        pos = 0;
      }
      this.#mirror32[pos >>> 2] = length;
      this.#mirror32[(pos >>> 2) + 1] = this.#seq;
      this.#mirror.set(bytes, pos + RECORD_HEADER);
      this.#head = (this.#head + size) >>> 0;
      this.#seq = (this.#seq + 1) >>> 0;
      if (((this.#head - this.#published) >>> 0) >= this.#peerCap / 4) this.#flush();
      else this.#scheduleFlush();
    }
    this.#stats.sent++;
    return true;
  }

  /**
   * A large record goes through the mapping straight from the caller's
   * bytes and is published at once, so a failed close can write it again
   * from them before send returns.
   */
  #putDirect(bytes: Uint8Array, length: number, pos: number, size: number): boolean {
    const skip = pos + size > this.#peerCap;
    const at = skip ? 0 : pos;
    const next = (this.#head + (skip ? this.#peerCap - pos : 0) + size) >>> 0;
    const seq = this.#seq;
    this.#seq = (seq + 1) >>> 0;
    return this.#publishNow(next, () => {
      if (skip) this.#peerRing32[pos >>> 2] = SKIP;
      this.#peerRing32[at >>> 2] = length;
      this.#peerRing32[(at >>> 2) + 1] = seq;
      this.#peerRing.set(bytes, at + RECORD_HEADER);
    });
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      if (this.#state === 'open') {
        this.#flush();
        this.#publishTail();
        this.#confirm();
      }
    });
  }

  /** Copies the pending batch from the mirror through the mapping and publishes it. */
  #flush(): void {
    if (this.#published === this.#head || this.#peerClosed || this.#state === 'failed') return;
    const from = this.#published;
    const n = (this.#head - from) >>> 0;
    const start = from & this.#peerMask;
    const first = Math.min(n, this.#peerCap - start);
    this.#publish(this.#head, () => {
      this.#peerRing.set(this.#mirror.subarray(start, start + first), start);
      if (n > first) this.#peerRing.set(this.#mirror.subarray(0, n - first), 0);
    });
  }

  /**
   * Stores the batch `write` makes and the HEAD that publishes it, in that
   * order, under the open barrier, without closing it (see #confirm). The
   * peer is woken if it announced a sleep this side has not answered yet.
   */
  #publish(head: number, write: () => void): boolean {
    if (!this.#openBarrier()) return false;
    try {
      write();
      this.#imp.barrier.order(); // the payload before the HEAD that publishes it
      Atomics.store(this.#theirs, Word.HEAD, head);
    } catch (e) {
      if (!(e instanceof RsmError && RETRYABLE.has(e.code))) {
        this.#lost(e);
        return false;
      }
      // Some of the batch or its HEAD may not be stored: the close that follows writes everything again.
      this.#rewriteDue = true;
    }
    this.#head = head;
    this.#published = head;
    this.#stats.batches++;
    if (++this.#unconfirmed >= CONFIRM_EVERY || this.#rewriteDue) return this.#confirm();
    this.#scheduleFlush();
    this.#answerSleepers();
    return true;
  }

  /**
   * Inside one barrier of its own: `write` the record, order it before the
   * HEAD that publishes it, store HEAD, close. For a record written from the
   * caller's bytes, which are not kept: a close that reports a failure makes
   * it write the same again at the same place, which the peer cannot have
   * consumed past HEAD. Pending stores were confirmed before.
   */
  #publishNow(head: number, write: () => void): boolean {
    const imp = this.#imp;
    for (let attempt = 0; ; attempt++) {
      try {
        imp.barrier.open();
        write();
        imp.barrier.order();
        Atomics.store(this.#theirs, Word.HEAD, head);
        imp.barrier.close();
        break;
      } catch (e) {
        if (this.#retry(e, attempt)) continue;
        this.#lost(e);
        return false;
      }
    }
    this.#head = head;
    this.#published = head;
    this.#confirmed = head;
    this.#stats.batches++;
    this.#answerSleepers();
    return true;
  }

  /** Opens the barrier over the stores into the peer's memory, unless open. */
  #openBarrier(): boolean {
    if (this.#barrierOpen) return true;
    for (let attempt = 0; ; attempt++) {
      try {
        this.#imp.barrier.open();
        this.#barrierOpen = true;
        return true;
      } catch (e) {
        if (this.#retry(e, attempt)) continue;
        this.#lost(e);
        return false;
      }
    }
  }

  /**
   * Closes the open barrier. A close that reports a failure means some
   * store since the last good close may be lost: the batches from the
   * mirror and the current control words are stored again at the same
   * places (idempotent: the peer cannot have consumed past HEAD, and drops
   * any record it sees twice by its sequence number), then closed again.
   * After a good close every store is complete, so the peer's sleep
   * announcements are looked at again: one missed by the look right after a
   * store still in flight is answered here.
   */
  #confirm(): boolean {
    if (!this.#barrierOpen) return this.#state !== 'failed';
    const imp = this.#imp;
    let first = 0;
    if (this.#rewriteDue) {
      this.#rewriteDue = false;
      try {
        imp.barrier.close();
      } catch {
        // Whatever it reports, everything is written again below.
      }
      this.#stats.resends++;
      first = 1;
    }
    for (let attempt = first; ; attempt++) {
      try {
        if (attempt > 0) {
          imp.barrier.open();
          this.#rewrite();
        }
        imp.barrier.close();
        break;
      } catch (e) {
        if (this.#retry(e, attempt)) continue;
        this.#barrierOpen = false;
        this.#lost(e);
        return false;
      }
    }
    this.#barrierOpen = false;
    this.#unconfirmed = 0;
    this.#confirmed = this.#published;
    if (this.#words.length !== 0) this.#words = [];
    this.#answerSleepers();
    return true;
  }

  /** Everything stored into the peer's memory since the last good close, again, with the words' current values. */
  #rewrite(): void {
    const from = this.#confirmed;
    const n = (this.#published - from) >>> 0;
    if (n > 0) {
      const start = from & this.#peerMask;
      const first = Math.min(n, this.#peerCap - start);
      this.#peerRing.set(this.#mirror.subarray(start, start + first), start);
      if (n > first) this.#peerRing.set(this.#mirror.subarray(0, n - first), 0);
      this.#imp.barrier.order();
      Atomics.store(this.#theirs, Word.HEAD, this.#published);
    }
    if (!this.#peerClosed) Atomics.store(this.#theirs, Word.PEER_TAIL, this.#tailPublished);
    if (this.#recvEpoch !== 0) Atomics.store(this.#theirs, Word.PEER_RECV_SLEEP, this.#recvEpoch);
    if (this.#sendEpoch !== 0) Atomics.store(this.#theirs, Word.PEER_SEND_SLEEP, this.#sendEpoch);
    for (let i = 0; i < this.#words.length; i += 2) Atomics.store(this.#theirs, this.#words[i], this.#words[i + 1]);
  }

  /** Posts a signal if the peer announced a sleep (for data or for room) this side has not answered yet. */
  #answerSleepers(): void {
    if (this.#state === 'failed' || this.#released()) return;
    const recv = Atomics.load(this.#mine, Word.PEER_RECV_SLEEP);
    const send = Atomics.load(this.#mine, Word.PEER_SEND_SLEEP);
    if (recv === this.#answeredRecv && send === this.#answeredSend) return;
    this.#answeredRecv = recv;
    this.#answeredSend = send;
    this.#post();
  }

  // ---- receiving ----

  #available(): number {
    return (Atomics.load(this.#mine, Word.HEAD) - this.#heldEnd) >>> 0;
  }

  /** The next record of this side's ring, releasing the one handed out before. */
  #next(): Uint8Array | undefined {
    this.#tail = this.#heldEnd;
    if (this.#tail === this.#knownHead) this.#knownHead = Atomics.load(this.#mine, Word.HEAD);
    const head = this.#knownHead;
    for (;;) {
      if (this.#tail === head) {
        this.#heldEnd = this.#tail;
        if (this.#tail !== this.#tailPublished) this.#scheduleFlush();
        return undefined;
      }
      const pos = this.#tail & this.#mask;
      const length = this.#ring32[pos >>> 2];
      if (length === SKIP) {
        this.#tail = (this.#tail + this.capacity - pos) >>> 0;
        continue;
      }
      const size = recordSize(length);
      if (length > maxPayload(this.capacity) || pos + size > this.capacity || size > ((head - this.#tail) >>> 0)) {
        this.#fail(coded(new Error(`channel protocol error: a record of ${length} bytes at ring offset ${pos}`), 'ERR_RSM_CHANNEL_PROTOCOL'));
        throw this.#error as Error;
      }
      const seq = this.#ring32[(pos >>> 2) + 1];
      if (seq !== this.#expect) {
        if (((seq - this.#expect) | 0) < 0) {
          // Sent before, received before: a copy, dropped.
          this.#stats.duplicates++;
          this.#tail = (this.#tail + size) >>> 0;
          continue;
        }
        this.#fail(coded(new Error(`channel protocol error: message ${seq} arrived where ${this.#expect} was due`), 'ERR_RSM_CHANNEL_PROTOCOL'));
        throw this.#error as Error;
      }
      this.#expect = (seq + 1) >>> 0;
      this.#heldEnd = (this.#tail + size) >>> 0;
      this.#stats.received++;
      const view = new Uint8Array(this.#ringBuffer, this.#ringStart + pos + RECORD_HEADER, length);
      // Tell the sender about room: a quarter ring consumed, or it is waiting for room.
      if (((this.#tail - this.#tailPublished) >>> 0) >= this.capacity / 4 || this.#mine[Word.PEER_SEND_SLEEP] !== this.#answeredSend) {
        this.#publishTail();
      } else if (this.#tail !== this.#tailPublished) {
        this.#scheduleFlush();
      }
      if (this.#state === 'failed') throw this.#error as Error;
      return view;
    }
  }

  /** Stores how far this side consumed into the peer's memory, and wakes the peer if it waits for room. */
  #publishTail(): void {
    if (this.#tail === this.#tailPublished || this.#peerClosed || this.#state === 'failed') return;
    const tail = this.#tail;
    if (!this.#openBarrier()) return;
    Atomics.store(this.#theirs, Word.PEER_TAIL, tail);
    this.#tailPublished = tail;
    if (++this.#unconfirmed >= CONFIRM_EVERY) {
      this.#confirm();
      return;
    }
    this.#scheduleFlush();
    this.#answerSleepers();
  }

  // ---- waiting ----

  /**
   * Waits until `ready()`: publishes what is pending (the peer may be
   * waiting for it), spins on local memory, then sleeps (#sleepUntil).
   * Undefined when the spin saw it ready, so that the caller goes on without
   * a turn through the microtask queue (`await` of anything costs one).
   */
  #waitUntil(ready: () => boolean, kind: 'send' | 'recv', signal: AbortSignal | undefined, deadline: number): Promise<void> | undefined {
    if (signal?.aborted) throw new AbortError(`the channel ${kind === 'send' ? 'send' : 'receive'} was aborted`, { cause: signal.reason });
    this.#flush();
    this.#publishTail();
    if (spinUntil(ready, this.#spin)) return undefined;
    return this.#sleepUntil(ready, kind, signal, deadline);
  }

  /**
   * Announces the sleep in the peer's memory, looks again, and sleeps on
   * this side's segment until `ready()`. A sleep that ends without a signal
   * checks that the peer is still there.
   */
  async #sleepUntil(ready: () => boolean, kind: 'send' | 'recv', signal: AbortSignal | undefined, deadline: number): Promise<void> {
    while (!ready()) {
      const epoch = kind === 'recv' ? (this.#recvEpoch = (this.#recvEpoch + 1) >>> 0 || 1) : (this.#sendEpoch = (this.#sendEpoch + 1) >>> 0 || 1);
      this.#storeRemote(kind === 'recv' ? Word.PEER_RECV_SLEEP : Word.PEER_SEND_SLEEP, epoch);
      if (ready()) return;
      this.#stats.sleeps++;
      let woke: boolean;
      try {
        woke = await bounded(sleepOn(this.#exp, this.#checkMs), signal, deadline, `the channel ${kind === 'send' ? 'send' : 'receive'}`);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'ABORT_ERR' || code === 'ETIMEDOUT') throw e;
        if (this.#state !== 'open') return; // closed or failed under us: the caller looks again
        if (code === 'RSMERR_INTERRUPTED') continue;
        this.#lost(e);
        return;
      }
      if (!woke && !ready()) {
        this.#stats.timedOutSleeps++;
        this.#checkPeer();
      }
    }
  }

  /** Asks the interconnect whether the connection to the peer still stands (a barrier with no transfers in it). */
  #checkPeer(): void {
    if (this.#state !== 'open' || this.#peerClosed) return;
    if (this.#barrierOpen) {
      this.#confirm();
      return;
    }
    try {
      this.#imp.barrier.open();
      this.#imp.barrier.close();
    } catch (e) {
      if (!(e instanceof RsmError && RETRYABLE.has(e.code))) this.#lost(e);
    }
  }

  /** One signal to the peer's segment. */
  #post(): void {
    try {
      this.#imp.signal();
      this.#stats.signalsPosted++;
    } catch (e) {
      this.#lost(e);
    }
  }

  // ---- stores into the peer's control words ----

  /**
   * One word into the peer's memory, completed (with any stores pending) by
   * a barrier close before this side looks at its own memory again; a close
   * that reports a failure makes every pending store again (#rewrite).
   */
  #storeRemote(word: number, value: number): boolean {
    if (!this.#openBarrier()) return false;
    if (word !== Word.PEER_RECV_SLEEP && word !== Word.PEER_SEND_SLEEP) this.#words.push(word, value);
    try {
      Atomics.store(this.#theirs, word, value);
      this.#imp.barrier.order(); // the store before any look at local memory that follows
    } catch (e) {
      if (!(e instanceof RsmError && RETRYABLE.has(e.code))) {
        this.#lost(e);
        return false;
      }
      this.#rewriteDue = true;
    }
    if (this.#confirm()) return true;
    return false;
  }

  #retry(e: unknown, attempt: number): boolean {
    if (e instanceof RsmError && RETRYABLE.has(e.code) && attempt < MAX_RESENDS) {
      this.#stats.resends++;
      return true;
    }
    return false;
  }

  // ---- ending ----

  /**
   * The connection failed. If the peer had closed in order first, its
   * teardown is what we saw: this side keeps receiving what it was sent.
   * Otherwise the channel fails.
   */
  #lost(e: unknown): void {
    if (this.#state !== 'open') return;
    if (this.#released()) {
      // The controller was released (or the segment destroyed) under the channel.
      this.#fail(coded(new Error("the channel's segments were released with their controller"), 'ERR_RSM_CHANNEL_CLOSED', e));
      return;
    }
    if (Atomics.load(this.#mine, Word.PEER_FIN) !== 0) {
      this.#peerClosed = true;
      return;
    }
    this.#fail(peerLost(this.peer, e));
  }

  #fail(e: Error): void {
    if (this.#state !== 'open') return;
    this.#state = 'failed';
    this.#error = e;
    // Released at the next turn of the event loop, not at once: a view that
    // receive() resolved with in this turn stays readable until its caller
    // has run. Nothing else touches the segments once the state is 'failed'.
    setImmediate(() => {
      this.#teardown();
      this.#settle.reject(e);
    });
  }

  /** Everything the peer sent before closing was received: release this side. */
  #finish(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closed';
    this.#teardown();
    this.#settle.resolve();
  }

  #teardown(): void {
    for (const step of [() => this.#map.unmap(), () => this.#imp.disconnect(), () => this.#exp.destroy()]) {
      try {
        step();
      } catch {
        // Torn down already from the other side; the next step still runs.
      }
    }
  }

  /** @internal Used by openChannel while the peer has not answered yet. */
  static async handshake(ch: Channel, myNonce: number, peerNonce: number, signal: AbortSignal | undefined, deadline: number): Promise<void> {
    return ch.#handshake(myNonce, peerNonce, signal, deadline);
  }

  async #handshake(myNonce: number, peerNonce: number, signal: AbortSignal | undefined, deadline: number): Promise<void> {
    if (!this.#storeRemote(Word.HELLO, peerNonce)) throw this.#error as Error;
    this.#post();
    const sleep = this.#waitUntil(() => this.#state !== 'open' || Atomics.load(this.#mine, Word.HELLO) === myNonce, 'recv', signal, deadline);
    if (sleep !== undefined) await sleep;
    if (this.#state === 'failed') throw this.#error as Error;
  }

  /** True once the peer stored its FIN (read from this side's memory while it is mapped). */
  #finSeen(): boolean {
    if (!this.#peerClosed && this.#state === 'open' && !this.#released() && this.#mine[Word.PEER_FIN] !== 0) this.#peerClosed = true;
    return this.#peerClosed;
  }

  /**
   * True once this side's segment was released under the channel (its
   * memory detached). An element read, which the JIT inlines, where a
   * TypedArray's length is a call: a detached array reads undefined, and
   * MAGIC is always a number otherwise (whatever the peer stores there).
   */
  #released(): boolean {
    return this.#mine[Word.MAGIC] === undefined;
  }

  /** @internal Releases the segments of a channel whose opening failed. */
  static abandon(ch: Channel): void {
    if (ch.#state === 'open') {
      ch.#state = 'closed';
      ch.#teardown();
      ch.#settle.resolve();
    }
  }

  /** The ring bytes an export needs for `capacity` (control page included). */
  static segmentBytes(capacity: number): number {
    return pageSize + capacity;
  }
}

/** Connects to the peer's receive side, retrying while it is not published yet. */
async function connectWhenPublished(controller: Controller, peer: number, segmentId: number, signal: AbortSignal | undefined, deadline: number): Promise<ImportSegment> {
  let delay = 1;
  for (;;) {
    try {
      return await controller.connect(peer, segmentId);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (!(e instanceof RsmError) || (code !== 'RSMERR_SEG_NOT_PUBLISHED' && code !== 'RSMERR_SEG_NOT_PUBLISHED_TO_NODE')) throw e;
      if (performance.now() + delay > deadline) {
        throw coded(new Error(`node ${peer} did not open its end of channel ${segmentId} in time (connect: ${code})`), 'ETIMEDOUT', e);
      }
    }
    await bounded(new Promise((resolve) => setTimeout(resolve, delay)), signal, deadline, 'opening the channel');
    delay = Math.min(delay * 2, 50);
  }
}

/**
 * Opens this node's end of a channel to `options.peer`: exports a receive
 * side at `options.segmentId`, published to the peer only, connects to the
 * peer's at the same id, and resolves once both ends have met. The peer runs
 * the same call with this node as its peer.
 *
 * @throws {TypeError|RangeError} for bad options (codes ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE).
 * Rejects with an Error of code 'ETIMEDOUT' when the peer does not open its end within
 * `timeout`, an AbortError when `signal` aborts, ERR_RSM_CHANNEL_PROTOCOL when the peer's
 * segment is not a channel, and RsmError for the RSMAPI failures of export, publish and connect
 * (e.g. RSMERR_SEGID_IN_USE). Nothing is left exported or connected after a failure.
 */
export async function openChannel(controller: Controller, options: ChannelOptions): Promise<Channel> {
  if (controller === null || typeof controller !== 'object' || typeof controller.createExport !== 'function') {
    throw coded(new TypeError('controller must be a Controller (getController())'), 'ERR_INVALID_ARG_TYPE');
  }
  if (options === null || typeof options !== 'object') {
    throw codedError(new TypeError(`options must be an object { peer, segmentId }, got ${describe(options)}`), 'ERR_INVALID_ARG_TYPE');
  }
  // Each option read once: a getter runs once, and what is checked is what is used.
  const o: ChannelOptions = { ...options };
  const peer = integer(required(o.peer, 'options.peer'), 'options.peer', 0, 64);
  const segmentId = integer(required(o.segmentId, 'options.segmentId'), 'options.segmentId', 1, UINT32_MAX);
  const capacity = o.capacity === undefined ? DEFAULT_CAPACITY : powerOfTwo(o.capacity, 'options.capacity', 4096, 2 ** 30);
  const timeout = o.timeout === undefined ? 30000 : nonNegative(o.timeout, 'options.timeout');
  const spin = o.spin === undefined ? 20 : nonNegative(o.spin, 'options.spin');
  const checkMs = Math.max(1, o.peerCheckInterval === undefined ? 100 : nonNegative(o.peerCheckInterval, 'options.peerCheckInterval'));
  const permission = o.permission === undefined ? 0o600 : integer(o.permission, 'options.permission', 0, 0o666);
  const signal = abortSignal(o.signal, 'options.signal');
  if (signal?.aborted) throw new AbortError('opening the channel was aborted', { cause: signal.reason });
  const deadline = performance.now() + timeout;

  const exp = controller.createExport(Channel.segmentBytes(capacity));
  let imp: ImportSegment | undefined;
  let channel: Channel | undefined;
  try {
    const mine = exp.view(Uint32Array);
    const nonce = (Math.floor(Math.random() * 0xfffffffe) + 1) >>> 0;
    mine[Word.VERSION] = VERSION;
    mine[Word.CAPACITY] = capacity;
    mine[Word.NONCE] = nonce;
    mine[Word.RING_OFFSET] = pageSize;
    mine[Word.MAGIC] = MAGIC;
    await bounded(exp.publish({ segmentId, accessList: [{ node: peer, permission }] }), signal, deadline, 'opening the channel');
    imp = await connectWhenPublished(controller, peer, segmentId, signal, deadline);
    // The peer's identity words: read once, through a one-page mapping.
    const head = imp.map({ length: pageSize });
    const words = head.view(Uint32Array);
    const [magic, version, peerCapacity, peerNonce, peerRingOffset] = [words[Word.MAGIC], words[Word.VERSION], words[Word.CAPACITY], words[Word.NONCE], words[Word.RING_OFFSET]];
    head.unmap();
    if (magic !== MAGIC || version !== VERSION || peerCapacity < 4096 || (peerCapacity & (peerCapacity - 1)) !== 0 || peerRingOffset % 8 !== 0 || peerRingOffset < 512) {
      throw coded(new Error(`segment ${segmentId} on node ${peer} is not the receive side of a channel (version ${VERSION})`), 'ERR_RSM_CHANNEL_PROTOCOL');
    }
    const map = imp.map({ length: peerRingOffset + peerCapacity });
    imp.setMode(BarrierMode.EXPLICIT);
    channel = new Channel({ peer, segmentId, exp, imp, map, ringOffset: pageSize, peerRingOffset, capacity, peerCapacity, spin, checkMs });
    await Channel.handshake(channel, nonce, peerNonce, signal, deadline);
    return channel;
  } catch (e) {
    if (channel !== undefined) Channel.abandon(channel);
    else {
      try {
        imp?.[Symbol.dispose]();
      } catch {
        // Torn down already.
      }
      exp.destroy();
    }
    throw e;
  }
}
