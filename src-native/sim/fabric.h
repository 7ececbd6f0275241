// The cluster-wide registry every simulated node shares: one file
// RSM_SIM_DIR/fabric, mapped MAP_SHARED by every process of the cluster. It
// plays the part of the kernel agents: which processes (nodes) are alive,
// which segments exist and are published under which id and ACL, who imports
// them, and the generation counters importers poll without a lock.
//
// All tables have a fixed size so the layout is the same in every process; a
// kernel record lock on the file guards them, so a process killed while
// holding it leaves a consistent registry (its entries are reaped by the
// next user). Everything read from the file is input, checked before use:
// any process of the user can write it.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include <string>

#include "../abi/rsmapi.h"
#include "fault_table.h"
#include "limits.h"
#include "signal_slots.h"

namespace rsmsim {

constexpr uint32_t kNoEntry = 0xFFFFFFFFu;
// The registry's file in the cluster directory, and the first eight bytes of
// a registry ("RMSIMSFB" little-endian).
constexpr char kRegistryFile[] = "fabric";
constexpr uint64_t kRegistryMagic = 0x4246534d49534d52ull;

struct ProcEntry {
  uint32_t in_use;
  uint32_t incarnation;  // bumped on every claim, so entries of a previous owner never match
  int32_t pid;
  uint32_t node;
  uint64_t start_time;  // /proc/<pid>/stat field 22, for diagnostics and the fallback liveness test
};

enum ExportState : uint32_t { kExportFree = 0, kExportBound = 1, kExportPublished = 2 };

struct ExportEntry {
  uint32_t state;
  uint32_t incarnation;
  uint32_t owner;  // process slot
  uint32_t owner_inc;
  uint32_t node;
  uint32_t uid;
  uint32_t gid;
  uint32_t default_mode;  // 0777 & ~umask at create: the mode of a NULL ACL
  uint32_t segid;
  uint32_t flags;  // create flags (RSM_ALLOW_REBIND)
  uint32_t acl_len;
  uint32_t server_key;  // names the owner's memory server (memory_server.h)
  uint64_t length;
  uint64_t file_offset;
  char ctlr[kCtlrNameMax];
  rsmapi_access_entry_t acl[kMaxAcl];
};

struct ImportEntry {
  uint32_t in_use;
  uint32_t incarnation;
  uint32_t owner;
  uint32_t owner_inc;
  uint32_t node;
  uint32_t export_index;
  uint32_t export_inc;
  uint32_t mode;  // E = A & G
  uint32_t disconnected;
  uint32_t segid;
  uint32_t export_node;
  uint32_t pad;
  char ctlr[kCtlrNameMax];
};

struct FabricLayout {
  uint64_t magic;
  uint32_t version;
  uint32_t layout_size;
  // Unused since version 3: the registry lock is a kernel record lock on
  // the file (fabric.cc), which no process can forge by writing here.
  pthread_mutex_t lock;
  uint64_t next_auto_id[kNodeSlots];  // > 0xFFFFFFFF once exhausted
  ProcEntry procs[kMaxProcs];
  ExportEntry exports[kMaxExports];
  ImportEntry imports[kMaxImports];
  // One counter per import resource; readers load it without the lock.
  uint16_t generation[kMaxImports];
  // Interrupt-event counts of every export and import entry (signals.h).
  SignalSlot export_signals[kMaxExports];
  SignalSlot import_signals[kMaxImports];
  // Injected faults (faults.h).
  FaultTable faults;
  // Non-zero while a process updates the tables under the registry lock:
  // the next holder finding it set knows the writer died mid-update.
  uint32_t writing;
  uint32_t pad_end;
};

class Fabric;

// Holds the registry lock. If the previous holder died, the registry is made
// consistent and swept of dead processes' entries before the holder goes on.
class FabricLock {
 public:
  explicit FabricLock(Fabric& f);
  ~FabricLock();
  FabricLock(const FabricLock&) = delete;
  FabricLock& operator=(const FabricLock&) = delete;

 private:
  Fabric& fabric_;
};

class Fabric {
 public:
  // The process-wide registry of the configured cluster, opened on first use.
  // RSM_SUCCESS with *out set, or RSMERR_BAD_CONF with *out nullptr and the
  // reason in *why (when given). Once open it stays open. The result must be
  // used: the build makes an unchecked call an error.
  [[nodiscard]] static int Get(Fabric** out, std::string* why = nullptr);
  // Why Get fails (configuration or registry problem), or nullptr.
  static const char* OpenError();

  FabricLayout* layout() const { return layout_; }
  ExportEntry& exp(uint32_t i) const { return layout_->exports[i]; }
  ImportEntry& imp(uint32_t i) const { return layout_->imports[i]; }
  uint16_t Generation(uint32_t import_index) const {
    return __atomic_load_n(&layout_->generation[import_index], __ATOMIC_ACQUIRE);
  }
  uint16_t* GenerationSlot(uint32_t import_index) const { return &layout_->generation[import_index]; }

  // Whether the registry was found damaged: the wrong size, identity or
  // contents under the lock, or a bus error on its pages (the file was
  // truncated under us). Its mapping is then a private zeroed copy and the
  // entry points fail with RSMERR_BAD_CONF.
  bool Broken() const { return __atomic_load_n(&broken_, __ATOMIC_ACQUIRE) != 0; }
  // RSMERR_BAD_CONF once Broken(), else RSM_SUCCESS.
  int Health() const { return Broken() ? RSMERR_BAD_CONF : RSM_SUCCESS; }

  // Takes / drops the lock of a signal slot of this registry, which no
  // process can forge or keep after death. Returns true when the previous
  // holder died holding it.
  bool LockSignalSlot(SignalSlot& slot);
  void UnlockSignalSlot(SignalSlot& slot);

  // This process's slot, claimed on first need. kNoEntry when the table is full.
  uint32_t Self(const FabricLock&);
  uint32_t SelfInc() const { return self_inc_; }

  // Whether the process owning (slot, incarnation) is still running. Dead
  // owners' entries are reaped by ReapIfDead.
  bool Alive(uint32_t slot, uint32_t inc);
  // The same question without the registry lock, for hot paths (barrier
  // close): true only when the owner certainly ran a moment ago; false means
  // "ask Alive() under the lock".
  bool SeemsAlive(uint32_t slot, uint32_t inc);
  // Reaps the process in `slot` if it is dead. Returns true when it did.
  bool ReapIfDead(const FabricLock&, uint32_t slot);
  void Sweep(const FabricLock&);

  // Force-disconnects every import of export `index`: marks it disconnected
  // and bumps its generation, as the driver does at unpublish. Returns how
  // many were still connected.
  uint32_t ForceDisconnectImporters(const FabricLock&, uint32_t index);
  // A free export / import entry, or kNoEntry.
  uint32_t FindFreeExport(const FabricLock&) const;
  uint32_t FindFreeImport(const FabricLock&) const;
  // Frees an export entry (the caller has dealt with its importers/files).
  void FreeExport(const FabricLock&, uint32_t index);
  void FreeImport(const FabricLock&, uint32_t index);

  const std::string& dir() const { return dir_; }

  // After fork, in the child: forget the parent's process slot.
  void ForgetSelfAfterFork();

 private:
  friend class FabricLock;
  Fabric() = default;
  bool Open(const std::string& dir, std::string* error);
  void Lock();
  void Unlock();
  // The *Held variants run with the lock already taken (also from Lock()).
  void ReapProcess(uint32_t slot);
  bool ReapIfDeadHeld(uint32_t slot);
  void SweepHeld();
  uint32_t ForceDisconnectImportersHeld(uint32_t index);
  bool SlotLockHeld(uint32_t slot);
  bool TakeSlotLock(uint32_t slot);
  // Checks the whole registry once, when the process attaches to it: every
  // state, index and length in range. False with *error saying what is not.
  bool CheckTables(std::string* error) const;
  // Under the lock: the file still has the registry's size and identity,
  // and this process's slot is still its own.
  bool StillSound();
  // Replaces the mapping with a private zeroed one and marks it broken.
  void Break(const char* why);
  static void OnBusError(int sig, siginfo_t* info, void* context);

  std::string dir_;
  FabricLayout* layout_ = nullptr;
  int lock_fd_ = -1;  // holds this process's liveness lock; closed in a forked child
  int broken_ = 0;
  // Threads of this process take the registry lock in turn; the kernel lock
  // on the file then orders the processes.
  pthread_mutex_t process_lock_ = PTHREAD_MUTEX_INITIALIZER;
  uint32_t self_ = kNoEntry;
  uint32_t self_inc_ = 0;
  pid_t self_pid_ = 0;
};

}  // namespace rsmsim
