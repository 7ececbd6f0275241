// The simulator's configuration: where the cluster lives, which node this
// process is, and the interconnect topology. Read once from the environment.
//
//   RSM_SIM_DIR       cluster directory (default /dev/shm/rsmsim-<uid>, or
//                     $TMPDIR/rsmsim-<uid> when /dev/shm is not usable)
//   RSM_SIM_SHARED    1: the cluster is shared with other users on purpose
//                     (see PrepareDir in config.cc); unset, empty or 0: it
//                     is private to this user
//   RSM_SIM_NODE      this process's node id, decimal 0..63 (default 1)
//   RSM_SIM_TOPOLOGY  topology file (default: nodes 1..8, each with one
//                     controller "sci0", every pair linked and active)
//   RSM_SIM_SEGMENTID_FILE  file read by rsm_get_segmentid_range
//                     (default /etc/rsm/rsm.segmentid)
//   RSM_SIM_DEBUG     any non-empty value: trace to stderr
//   RSM_SIM_FAULTS    faults to inject when the cluster is opened (faults.h)
//
// Topology file: one statement per line; '#' starts a comment; blank lines
// are ignored. Numbers are decimal, or hexadecimal with 0x.
//
//   node <id>
//       Declares a node (0..63).
//   controller <node> <name> [hwaddr=<n>] [<attribute>=<n> ...]
//       Gives a declared node a controller named <type><unit> ("sci0",
//       "wrsm1"; "loopback" is built in and may not be declared). hwaddr
//       defaults to the node id. Attributes, default as for the default
//       topology: direct_access_sizes, atomic_sizes, page_size,
//       max_export_segment_size, tot_export_segment_size,
//       max_export_segments, max_import_map_size, tot_import_map_size,
//       max_import_segments.
//   link <nodeA> <ctlrA> <nodeB> <ctlrB> [state=<1..4>]
//       Connects two declared controllers in both directions. State is the
//       path state reported by the topology (3 = active, the default); only
//       active links can be used to connect (a link in another state gives
//       RSMERR_REMOTE_NODE_UNREACHABLE, no link at all RSMERR_INTERNAL_ERROR).
//       A remote importer reaches only segments published on the controller
//       at the far end of its link. The topology names that controller
//       after the local controller's type and the remote unit number.
//   full-mesh <ctlr>
//       Links every pair of declared nodes that have controller <ctlr>.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../abi/rsmapi.h"

namespace rsmsim {

struct LinkDesc {
  uint32_t node = 0;
  std::string ctlr;
  uint64_t hwaddr = 0;
  uint32_t state = RSM_CONNECTION_ACTIVE;
};

struct ControllerDesc {
  std::string name;  // "<type><unit>"
  std::string type;
  int unit = 0;
  uint64_t hwaddr = 0;
  rsmapi_controller_attr_t attr{};
  std::vector<LinkDesc> links;
};

struct NodeDesc {
  uint32_t id = 0;
  std::vector<ControllerDesc> controllers;
  const ControllerDesc* FindController(const std::string& name) const;
};

struct Topology {
  std::vector<NodeDesc> nodes;
  const NodeDesc* FindNode(uint32_t id) const;
};

struct Config {
  std::string error;  // empty when usable
  std::string dir;
  bool dir_is_default = false;
  bool shared = false;  // RSM_SIM_SHARED=1
  int dir_fd = -1;      // the cluster directory, opened once and checked; kept for the process's life
  uint32_t node = 1;
  Topology topology;
  std::string segmentid_file;
  bool debug = false;
  std::string fault_spec;  // RSM_SIM_FAULTS, checked (faults.h applies it)
};

// The one parser of numbers the simulator reads from text (environment,
// topology file): unsigned, the whole string, no sign or space, at most
// max_digits digits (after 0x for hexadecimal), below 2^64.
enum class Radix { kDecimal, kDecimalOrHex };
bool ParseNumber(const std::string& text, Radix radix, size_t max_digits, uint64_t* out);

// Reads the environment on first use; later calls return the same object.
const Config& GetConfig();

// Splits a controller name into type and unit as the library does: the
// trailing run of digits is the unit (none: 0), the rest is the type.
void ParseControllerName(const std::string& name, std::string* type, int* unit);

// The host page size (PAGESIZE of docs/semantics.md).
size_t HostPageSize();

// Writes a trace line to stderr when RSM_SIM_DEBUG is set.
void Debug(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace rsmsim
