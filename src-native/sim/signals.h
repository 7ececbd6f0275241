// Interrupt signals and poll descriptors (spec 4.8, 5.6).
//
// Each export and import entry has a slot in the shared registry with its
// pending-event count (signal_slots.h). The count is the truth; a doorbell
// only tells waiters to look. The doorbell of a handle is a Unix datagram
// socket its owning process binds in the cluster directory
// (sig-<e|i><entry>-<incarnation>.sock): posters in any process reach it by
// path with one sendto(), and libuv or poll() can watch its descriptor. The
// socket holds a datagram exactly while the count is above zero: a poster
// rings it when the count leaves zero, the consumer that takes the count back
// to zero empties it, both under the slot's lock, so readiness never lies and
// no wake-up is lost or doubled.
//
// The doorbell is made on the first wait or rsm_memseg_get_pollfd and removed
// when the handle is destroyed or disconnected, or when its process is
// reaped after dying (DropDeadDoorbell), so nothing is left in the directory.
#pragma once

#include <poll.h>
#include <stdint.h>

#include "../abi/rsmapi.h"

namespace rsmsim {

struct FabricLayout;
class Fabric;
struct ImportRec;

// Fresh registry: initialise every slot's robust mutex.
void InitSignalSlots(FabricLayout* layout);

// Reaping a dead process (registry lock held): forget the doorbell of its
// entry `index` with incarnation `inc`, removing the socket file it left.
void DropDeadDoorbell(Fabric& fabric, bool is_export, uint32_t index, uint32_t inc);

// The handle was destroyed / disconnected (its entry is already freed):
// close and remove its doorbell, waking any thread still polling it.
void CloseDoorbell(bool is_export, uint32_t index, uint32_t inc);

// An injected interrupt (faults.h), registry lock held: every handle of
// `node` with a blocking wait in progress or poll descriptors handed out
// gets RSMERR_INTERRUPTED from its next (or current) wait.
void InterruptWaits(Fabric& fabric, uint32_t node);

// One event from an import toward the segment currently published under its
// id on its node (dropped if there is none). For the implicit post of
// putv/getv (spec 4.5 step 7) as well as rsm_intr_signal_post.
int PostFromImport(ImportRec* seg);

// The entry points' bodies.
int SignalPost(void* memseg, uint_t flags);
int SignalWait(void* memseg, int timeout);
int SignalWaitPollfd(struct pollfd fds[], nfds_t nfds, int timeout, int* numfdsp);
int GetPollfd(void* memseg, struct pollfd* fd);
int ReleasePollfd(void* memseg);

}  // namespace rsmsim
