// Handle records and the process-wide registry of them.
//
// A handle given to the caller is the address of a record the registry owns.
// Records are never freed, only recycled for a handle of the same kind, so a
// released or foreign pointer can be looked up safely (lock-free, which keeps
// put/get cheap) and answered with the documented error instead of a crash.
// Each record remembers the fork epoch it was made in: a forked child sees
// its inherited handles as someone else's.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "../abi/rsmapi.h"
#include "config.h"
#include "segment_file.h"

namespace rsmsim {

enum class Kind : uint32_t { kController = 1, kExport = 2, kImport = 3 };

struct HandleRec {
  explicit HandleRec(Kind k) : kind(k) {}
  virtual ~HandleRec() = default;
  virtual void Clear() = 0;
  const Kind kind;
  std::atomic<bool> live{false};
  uint32_t epoch = 0;
};

struct ControllerRec final : HandleRec {
  ControllerRec() : HandleRec(Kind::kController) {}
  void Clear() override {}
  std::string type;  // as first spelled by the caller
  int unit = 0;
  bool loopback = false;
  std::string name;  // topology name ("sci0"), "loopback" for loopback
  uint32_t node = 0;  // the node this controller belongs to
  rsmapi_controller_attr_t attr{};
  const ControllerDesc* desc = nullptr;  // nullptr for loopback
  int refcount = 0;  // guarded by ProcessMutex()
};

enum class SegState { kNone, kBound, kPublished, kConnected, kMapped };

// The memory behind one or more exports of the same process (two exports
// of the same range share it). Defined in export.cc.
struct Backing;

struct ExportRec final : HandleRec {
  ExportRec() : HandleRec(Kind::kExport) {}
  void Clear() override;
  std::mutex mu;  // the segment mutex
  ControllerRec* ctlr = nullptr;
  void* vaddr = nullptr;
  size_t size = 0;
  uint32_t flags = 0;
  std::atomic<SegState> state{SegState::kNone};
  uint32_t entry = 0;  // fabric export entry
  uint32_t entry_inc = 0;
  uint32_t segid = 0;
  int pollfd_count = 0;
  std::shared_ptr<Backing> backing;
  size_t backing_offset = 0;
};

struct ImportRec final : HandleRec {
  ImportRec() : HandleRec(Kind::kImport) {}
  void Clear() override;
  std::mutex mu;  // the segment mutex
  ControllerRec* ctlr = nullptr;
  uint32_t node = 0;  // the exporting node
  uint32_t segid = 0;
  uint32_t perm = 0;  // R, the requested permission
  uint32_t mode = 0;  // E, the stored mode governing mappings
  size_t size = 0;
  Fd fd;  // the exporter's memory, as the exporter handed it over (memory_server.h)
  off_t file_offset = 0;  // of the segment inside that memory
  uint32_t entry = 0;  // fabric import entry
  uint32_t entry_inc = 0;
  uint32_t export_index = 0;
  uint32_t export_owner = 0;
  uint32_t export_owner_inc = 0;
  uint32_t export_inc = 0;
  int32_t export_pid = 0;  // the exporting process and its memory server's key
  uint32_t export_key = 0;
  const uint16_t* gen_slot = nullptr;
  uint16_t connect_gen = 0;
  std::atomic<SegState> state{SegState::kNone};
  bool implicit = false;
  Mapping mapping;
  char* map_base = nullptr;
  off_t map_offset = 0;
  size_t map_len = 0;
  // PROT_* of the mapping: a store through a mapping without PROT_WRITE
  // would kill the process where the real library lets the fault happen.
  int map_prot = 0;
  std::atomic<int> barrier_mode{RSM_BARRIER_MODE_IMPLICIT};
  std::atomic<rsmapi_barrier_t*> barrier{nullptr};
  int pollfd_count = 0;
  // The mapping was used after a forced disconnect (the driver's
  // RSM_IMPORT_DUMMY, set when such an access faults): generic barrier
  // open/order/close then fail (barrier.cc).
  std::atomic<bool> touched_after_cut{false};

  uint16_t LiveGeneration() const { return __atomic_load_n(gen_slot, __ATOMIC_ACQUIRE); }
};

// Guards controller reference counts and process-wide lists.
std::mutex& ProcessMutex();

// A fresh or recycled record of the given kind, registered and live; nullptr
// when the registry is full.
ControllerRec* NewControllerLocked();  // with ProcessMutex() held
ExportRec* NewExport();
ImportRec* NewImport();
// Clears the record and makes it available for recycling; the pointer stays
// recognisable (as released).
void ReleaseHandle(HandleRec* h);

// The record at `p` if it is one of ours (live or released), else nullptr.
HandleRec* FindHandle(const void* p);

// True when `h` was made in this process (not inherited through fork).
bool OwnedHere(const HandleRec* h);

// Live records of this process of the given kind, else nullptr.
ExportRec* LiveExport(const void* p);
ImportRec* LiveImport(const void* p);
ControllerRec* AnyController(const void* p);  // released ones too
// Live records of the given kind, including ones inherited through fork.
ExportRec* LiveExportAnyProcess(const void* p);
ImportRec* LiveImportAnyProcess(const void* p);

}  // namespace rsmsim
