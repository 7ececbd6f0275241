// Fault injection: the failures a real interconnect produces and a test
// cannot otherwise provoke on one host, so applications can test their
// recovery code. Faults are per node and live in the shared registry
// (fault_table.h): injected from any process of the cluster, they affect
// every process that is (or talks to) that node.
//
//   barrier_open_fail  N  the next N barrier opens of importers on the node
//                         fail with RSMERR_BARRIER_OPEN_FAILED
//   barrier_close_fail N  the next N barrier closes fail with
//                         RSMERR_BARRIER_FAILURE
//       Both count explicit open/close and the implicit ones of put/get in
//       IMPLICIT mode, on non-loopback controllers only (loopback barriers
//       never fail, docs/semantics.md §5.5). A forced disconnect is still reported first
//       (RSMERR_CONN_ABORTED), without using up a failure.
//   unreachable  0|1   the node has no path to other nodes: connects and
//                      import-side signal posts between it and another node
//                      fail with RSMERR_REMOTE_NODE_UNREACHABLE, and existing
//                      connections between it and other nodes are torn
//                      down as the driver does when a path fails (forced
//                      disconnect: their importers see RSMERR_CONN_ABORTED).
//   unresponsive 0|1   the node is reachable but does not answer: connects
//                      to it wait (the driver re-sends) until the fault is
//                      cleared, the node becomes unreachable, or the
//                      connecting node is interrupted.
//   no_resources 0|1   the node's driver is out of resources: export create
//                      and connect there fail with
//                      RSMERR_INSUFFICIENT_RESOURCES; publish of a segment
//                      created with RSM_CREATE_SEG_DONTWAIT fails the same
//                      way, one created without it waits until the fault
//                      is cleared (or the node is interrupted).
//   no_memory    0|1   the node is out of exportable memory: export create
//                      and connect there fail with RSMERR_INSUFFICIENT_MEM.
// Actions (not settable from the environment):
//   crash              the node's export segments vanish as if it had died:
//                      their importers are force-disconnected
//                      (RSMERR_CONN_ABORTED), their files and doorbells are
//                      removed and their ids are free; the node's own
//                      imports are cut off as well.
//   interrupt          every blocking call in progress on the node (publish
//                      waiting for resources, connect waiting for an answer,
//                      signal waits, and signal waits through poll
//                      descriptors the node's processes hold) returns
//                      RSMERR_INTERRUPTED, as a Unix signal would.
//   clear              removes every fault of every node.
//
// RSM_SIM_FAULTS sets faults when the process first opens the cluster, as a
// comma-separated list without spaces:
//   barrier_close_fail=N, barrier_open_fail=N   for this process's node, or
//   barrier_close_fail@<node>=N                 for another node;
//   unreachable=<node>, unresponsive=<node>, no_resources=<node>,
//   no_memory=<node>                            set that fault on that node.
// Anything else (an unknown name, a missing or non-decimal value, a node
// outside 0..63, a count above 1000000, a count given twice) is a
// configuration error naming the item.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

#include "fault_table.h"

namespace rsmsim {

class Fabric;

struct FaultSetting {
  std::string name;
  uint32_t node = 0;
  uint64_t value = 0;
};

// Parses RSM_SIM_FAULTS. On failure returns false with *error naming the item.
bool ParseFaultSpec(const char* text, uint32_t local_node, std::vector<FaultSetting>* out, std::string* error);

// Called once the registry is open: remembers its fault table and applies
// the settings from the environment.
void AttachFaultTable(Fabric& fabric, const std::vector<FaultSetting>& settings);

// Sets fault `name` (or runs the action) for `node`. RSM_SUCCESS, or
// RSMERR_BAD_ARGS_ERRORS with *error saying what is wrong.
int InjectFault(const std::string& name, uint32_t node, uint64_t value, std::string* error);

// The faults currently set, as JSON: {"nodes":[{"node":2,...}]}.
std::string FaultsJson();

extern FaultTable* g_fault_table;

// True while any fault is set anywhere: one relaxed load on the hot path.
inline bool FaultsArmed() {
  const FaultTable* t = g_fault_table;
  return t != nullptr && __atomic_load_n(&t->armed, __ATOMIC_RELAXED) != 0;
}

// Uses up one injected barrier failure of the node, if there is one.
bool TakeBarrierOpenFault(uint32_t node);
bool TakeBarrierCloseFault(uint32_t node);

// Whether traffic between the two nodes is cut by an unreachable fault.
bool PathCut(uint32_t a, uint32_t b);

// RSM_SUCCESS, or the error a no_resources / no_memory fault of the node
// gives export create and connect.
int ResourceFault(uint32_t node);

// Publish's wait for interconnect resources on `node`: RSM_SUCCESS once
// there are resources, RSMERR_INSUFFICIENT_RESOURCES at once with
// `dontwait`, RSMERR_INTERRUPTED if the node is interrupted meanwhile.
int WaitForResources(uint32_t node, bool dontwait);

// Connect's wait for an answer from `remote`: RSM_SUCCESS once it answers,
// RSMERR_REMOTE_NODE_UNREACHABLE if the path is cut meanwhile,
// RSMERR_INTERRUPTED if `local` is interrupted.
int WaitForAnswer(uint32_t local, uint32_t remote);

}  // namespace rsmsim
