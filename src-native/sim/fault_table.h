// The registry's part of fault injection (faults.h): what is currently
// injected, per node. It lives in the shared registry so a fault injected by
// one process (a test) is seen by every process of the cluster (the code
// under test), as a failing interconnect would be.
#pragma once

#include <stdint.h>

#include "limits.h"

namespace rsmsim {

constexpr uint32_t kFaultNodes = kNodeSlots;  // numbered as the registry's node slots

struct FaultTable {
  // Non-zero while any fault below (other than the interrupt counters) is
  // set: the put/get path reads only this word when nothing is injected.
  uint32_t armed;
  uint32_t pad;
  // How many of the next barrier opens / closes of importers on the node fail.
  uint32_t barrier_open_fail[kFaultNodes];
  uint32_t barrier_close_fail[kFaultNodes];
  // 1: the node has no path to any other node.
  uint32_t unreachable[kFaultNodes];
  // 1: the node is reachable but does not answer connect requests.
  uint32_t unresponsive[kFaultNodes];
  // 1: the node's driver is out of resources / of exportable memory.
  uint32_t no_resources[kFaultNodes];
  uint32_t no_memory[kFaultNodes];
  // Bumped by each interrupt: blocking calls of the node that see it change
  // return RSMERR_INTERRUPTED.
  uint32_t interrupts[kFaultNodes];
};

}  // namespace rsmsim
