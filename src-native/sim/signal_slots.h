// The registry's part of interrupt signals: one slot per export and per
// import entry, holding that segment's pending-event count. It lives in the
// shared registry (fabric.h) so a poster in any process can count an event
// for a segment owned by another, and the count survives nobody waiting.
#pragma once

#include <pthread.h>
#include <stdint.h>

namespace rsmsim {

struct SignalSlot {
  // Guards the fields below `word`; posters never take it, so a stopped or
  // busy owner cannot hold a poster up. Unused where the registry's kernel
  // record locks exist (Linux): the slot lock is then a lock on a byte of the
  // file (Fabric::LockSignalSlot). Elsewhere robust and process-shared.
  pthread_mutex_t lock;
  // The count and the doorbell state in one word, changed only by
  // compare-and-swap (signals.cc): bits 63..32 the entry incarnation the
  // count belongs to (a recycled entry starts from zero), bit 31 "rung" (a
  // byte is in, or on its way into, the owner's doorbell), bits 30..0 the
  // pending events (saturating).
  uint64_t word;
  // The entry incarnation the fields below belong to.
  uint32_t inc;
  // 1 while the owning process has a doorbell for this entry.
  uint32_t bell;
  // Blocking rsm_intr_signal_wait calls in progress on the handle, and 1
  // while its process holds poll descriptors for it: who an injected
  // interrupt (faults.h) reaches.
  uint32_t waiters;
  uint32_t polled;
  // 1: an injected interrupt awaits the next consumer, who gets
  // RSMERR_INTERRUPTED instead of an event.
  uint32_t interrupted;
  // 1 while a process holds the slot's lock: found set by the next holder,
  // it means the holder died inside.
  uint32_t held;
};

}  // namespace rsmsim
