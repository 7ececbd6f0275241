// Fault injection: the failures a real interconnect produces and a test
// cannot otherwise provoke on one host, so applications can test their
// recovery code. Faults are per node and live in the shared registry
// (fault_table.h): injected from any process of the cluster, they affect
// every process that is (or talks to) that node.
//
// The faults, what each takes and what each does: kFaults in faults.cc.
//
// RSM_SIM_FAULTS sets faults when the process first opens the cluster, as a
// comma-separated list without spaces:
//   barrier_close_fail=N, barrier_open_fail=N   for this process's node, or
//   barrier_close_fail@<node>=N                 for another node;
//   unreachable=<node>, unresponsive=<node>, no_resources=<node>,
//   no_memory=<node>                            set that fault on that node.
// Anything else (an unknown name, a missing or non-decimal value, a node
// outside 0..63 (limits.h), a count above 1000000, a count given twice) is a
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
// RSM_SIM_FAULTS (`spec`, checked already by the configuration).
void AttachFaultTable(Fabric& fabric, const std::string& spec, uint32_t local_node);

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
