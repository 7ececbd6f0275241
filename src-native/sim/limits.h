// The simulator's limits, in one place: node ids, registry table sizes and
// name lengths (docs/semantics.md §3.5).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace rsmsim {

// A node a process can be, or a fault can be set on: 0..63 (RSM_SIM_NODE,
// topology files, RSM_SIM_FAULTS, rsmsim_ext_fault), 64 nodes in all.
#define RSMSIM_MAX_NODE_ID 63
#define RSMSIM_TEXT(x) #x
#define RSMSIM_NUMBER_TEXT(x) RSMSIM_TEXT(x)
constexpr uint32_t kMaxNodeId = RSMSIM_MAX_NODE_ID;
// How messages name that range: "0..63".
constexpr char kNodeIds[] = "0.." RSMSIM_NUMBER_TEXT(RSMSIM_MAX_NODE_ID);
// The highest node an access-list entry may name: the driver accepts 64.
constexpr uint32_t kMaxAclNode = 64;
// Per-node registry slots, numbered as node ids 0..kMaxAclNode.
constexpr uint32_t kNodeSlots = kMaxAclNode + 1;

// Registry tables.
constexpr uint32_t kMaxProcs = 1024;
constexpr uint32_t kMaxExports = 4096;
constexpr uint32_t kMaxImports = 4096;
constexpr uint32_t kMaxAcl = 64;
// A controller name with its NUL.
constexpr size_t kCtlrNameMax = 64;

}  // namespace rsmsim
