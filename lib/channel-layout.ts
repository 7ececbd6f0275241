// The layout of one side of a channel: the segment a node exports to receive.
// The first page is control words, each on its own 64-byte line; the ring of
// records follows. The owner writes only the identity words; every other word
// is stored by the peer, so each side polls its own memory and only stores
// into the other's (remote stores are posted, remote loads wait for an answer).

/** Word indices (32-bit) in the control page. */
export const Word = {
  /** 'RSMC': the segment is a channel's receive side (owner, before publish). */
  MAGIC: 0,
  /** Layout version (owner). */
  VERSION: 1,
  /** Ring bytes, a power of two (owner). */
  CAPACITY: 2,
  /** A random non-zero number naming this incarnation (owner). */
  NONCE: 3,
  /** Byte offset of the ring: the owner's page size (owner). */
  RING_OFFSET: 4,
  /** Bytes the peer has published into this ring, free-running modulo 2^32 (peer). */
  HEAD: 16,
  /** Bytes of the owner's records (sent into the peer's ring) the peer has consumed (peer). */
  PEER_TAIL: 32,
  /** Bumped by the peer each time it is about to sleep waiting for the owner's data (peer). */
  PEER_RECV_SLEEP: 48,
  /** Bumped by the peer each time it is about to sleep waiting for room in the owner's ring (peer). */
  PEER_SEND_SLEEP: 64,
  /** Non-zero once the peer has closed: it sends nothing more after what HEAD shows (peer). */
  PEER_FIN: 80,
  /** The owner's NONCE, once the peer has connected and mapped this segment (peer). */
  HELLO: 96,
} as const;

export const MAGIC = 0x52534d43; // 'RSMC'
export const VERSION = 1;
/** A record is its length (32 bits), its sequence number (32 bits), the payload, padding to 8. */
export const RECORD_HEADER = 8;
/** A length that marks the rest of the ring as unused: the next record starts at offset 0. */
export const SKIP = 0xffffffff;

/** Ring bytes a record of `length` payload bytes takes. */
export function recordSize(length: number): number {
  return RECORD_HEADER + ((length + 7) & ~7);
}

/** The largest payload a ring of `capacity` bytes carries: a record must fit after any skip. */
export function maxPayload(capacity: number): number {
  return capacity / 2 - RECORD_HEADER;
}
