// How an importer obtains the exporter's memory: from the exporting process
// itself, never from a file anyone could open.
//
// Each process that exports runs one server thread (started with its first
// export) listening on an abstract Unix socket named after its pid and a
// random key it writes into its export entries. An importer, once the
// registry has admitted it, connects to the exporter's server and asks for
// (export entry, incarnation, its node, its requested permission). The
// server takes the importer's identity from the kernel (SO_PEERCRED, the
// supplementary groups from /proc/<pid>/status), applies the permission
// rule (docs/semantics.md §5.1) to its own in-process copy of the access
// list and identity, and answers with the granted mode E and a descriptor
// of the segment memory (SCM_RIGHTS): read-write only when E holds the
// owner write bit, otherwise a read-only reopening that can be neither
// mapped writable nor turned writable. Memory shared by overlapping exports
// goes to an importer of another user only if it would be granted the same
// access to every one of them (docs/semantics.md §7). A registry rewritten by someone who
// can write it therefore changes what the importer asks for, never what it
// is given.
//
// A dead exporter's socket is gone (the connect is refused); a stopped one
// never answers: the importer waits at most kAnswerTimeoutMs.
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <memory>
#include <mutex>
#include <vector>

#include "../abi/rsmapi.h"
#include "segment_file.h"

namespace rsmsim {

// Memory behind one or more exports of this process (exports of
// overlapping ranges share it). `fd` changes when the exporter moves onto
// fresh memory to cut importers off; all fields are guarded by
// ServerMutex().
struct SegmentMemory {
  std::shared_ptr<Fd> fd;
  // The exports (ExportKey) whose importers were given a descriptor of `fd`.
  std::vector<uint64_t> handed_to;
  // One of those importers runs as another user than the exporter.
  bool handed_foreign = false;
  bool HandedOnlyTo(uint64_t key) const {
    for (uint64_t k : handed_to)
      if (k != key) return false;
    return true;
  }
};

// Names one export for as long as this process lives (entries are reused,
// incarnations are not).
inline uint64_t ExportKey(uint32_t entry, uint32_t incarnation) { return (uint64_t{entry} << 32) | incarnation; }

// The exporter's own record of one export entry, the only thing the server
// trusts.
struct ServedExport {
  uint32_t incarnation = 0;
  uint32_t node = 0;
  bool loopback = false;
  uint32_t uid = 0, gid = 0, default_mode = 0;
  bool published = false;
  std::vector<rsmapi_access_entry_t> acl;
  std::shared_ptr<SegmentMemory> memory;
  uint64_t offset = 0;  // of the export inside the memory
  uint64_t length = 0;
};

// Guards every ServedExport and SegmentMemory; a leaf lock.
std::mutex& ServerMutex();

// Starts this process's server if needed; returns its key (never 0), or 0
// when it cannot run.
uint32_t ServerKey();

// The served record of export entry `entry`, created on first use. With
// ServerMutex() held.
ServedExport& Served(uint32_t entry);
void StopServing(uint32_t entry, uint32_t incarnation);  // with ServerMutex() held

// What the exporter answers.
struct Grant {
  int rc = RSM_SUCCESS;
  uint32_t mode = 0;  // E
  uint64_t offset = 0;
  uint64_t length = 0;
  Fd fd;  // invalid when E allows neither reading nor writing
};

constexpr int kAnswerTimeoutMs = 5000;

// Or'ed into the requested permission: a descriptor for the driver's own
// transfers to a remote importer (scatter/gather), which the interconnect
// allows on the node's grant alone, with no user-level check (rsm.c
// rsm_iovec_ioctl; docs/semantics.md §4.5). The importer uses it for the one
// transfer and closes it.
constexpr uint32_t kForTransfer = 0x10000;

// The importer's side: asks the exporting process (pid, key) for export
// entry (entry, incarnation) on behalf of this process as `node`, requesting
// `perm`. RSMERR_SEG_NOT_PUBLISHED when the exporter is gone or does not
// serve that entry, RSMERR_REMOTE_NODE_UNREACHABLE when it does not answer
// in time, else the exporter's decision.
Grant FetchMemory(pid_t pid, uint32_t key, uint32_t entry, uint32_t incarnation, uint32_t node, uint32_t perm);

}  // namespace rsmsim
