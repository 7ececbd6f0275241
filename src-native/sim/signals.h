// Interrupt signals and poll descriptors (docs/semantics.md §4.8, §5.6).
//
// Each export and import entry has a slot in the shared registry with its
// pending-event count (signal_slots.h). The count is the truth; a doorbell
// only tells waiters to look. The doorbell of a handle is a FIFO its owning
// process makes in the cluster directory (sig-<e|i><entry>-<incarnation>)
// and holds open for reading: posters in any process reach it by path, and
// libuv or poll() watch its descriptor, readable while a byte is in it.
//
// No wake-up can be lost, whatever the number of waiters and however busy
// or stopped their processes are: the doorbell is a level, not a queue of
// messages. A poster adds its event and sets the slot's "rung" bit in one
// compare-and-swap, and writes one byte only when it was the one to set the
// bit, so at most a byte or two ever wait in a FIFO; the byte is charged to
// that FIFO, never to a buffer shared between receivers, and a full FIFO is
// readable anyway. The consumer that finds the count at zero empties the
// FIFO, then clears the bit and re-checks the count in one more
// compare-and-swap, ringing again if events arrived meanwhile. Posters take
// no lock and never block on the owner.
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

// Whether the import's connection has been torn down (forced disconnect):
// 1 yes, 0 no, -1 not a live import handle of this process. For
// rsmsim_ext_import_torn_down (extensions.cc).
int ImportTornDown(void* memseg);

// Whether a file name in the cluster directory is that of a doorbell.
bool IsDoorbellName(const char* name);

// The interrupt events pending for export (or import) entry `index` of
// incarnation `inc`: posted and not yet consumed. Reads only; no lock.
uint32_t PendingSignals(Fabric& fabric, bool is_export, uint32_t index, uint32_t inc);

// One event from an import toward the segment currently published under its
// id on its node (dropped if there is none). For the implicit post of
// putv/getv (docs/semantics.md §4.5 step 7) as well as rsm_intr_signal_post.
int PostFromImport(ImportRec* seg);

// The entry points' bodies.
int SignalPost(void* memseg, uint_t flags);
int SignalWait(void* memseg, int timeout);
int SignalWaitPollfd(struct pollfd fds[], nfds_t nfds, int timeout, int* numfdsp);
int GetPollfd(void* memseg, struct pollfd* fd);
int ReleasePollfd(void* memseg);

}  // namespace rsmsim
