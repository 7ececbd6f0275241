#include "fabric.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>

#include "config.h"
#include "faults.h"
#include "segment_file.h"
#include "signals.h"

namespace rsmsim {

namespace {

constexpr uint64_t kMagic = 0x4246534d49534d52ull;  // "RMSIMSFB"
constexpr uint32_t kVersion = 3;  // 2: fault table, signal-slot waiters; 3: signal word
constexpr uint64_t kFirstAutoId = 0x80000000ull;
// Liveness locks live far beyond the registry's bytes: byte kLockBase + slot
// is write-locked by the process in that slot for as long as it runs.
constexpr off_t kLockBase = off_t{1} << 40;

uint64_t ReadStartTime(pid_t pid) {
#ifdef __linux__
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  Fd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return 0;
  char buf[1024];
  ssize_t n = read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return 0;
  buf[n] = '\0';
  // The command name may contain spaces and parentheses: count from the last ')'.
  const char* p = strrchr(buf, ')');
  if (!p) return 0;
  int field = 2;
  for (; *p && field < 22; ++p)
    if (*p == ' ') ++field;
  return strtoull(p, nullptr, 10);
#else
  (void)pid;
  return 0;
#endif
}

}  // namespace

FabricLock::FabricLock(Fabric& f) : fabric_(f) { fabric_.Lock(); }
FabricLock::~FabricLock() { fabric_.Unlock(); }

void Fabric::Lock() {
  int rc = pthread_mutex_lock(&layout_->lock);
  if (rc == EOWNERDEAD) {
    // The holder died mid-update. Every update leaves entries either free or
    // owned by a process, so marking the lock consistent and reaping the dead
    // owners' entries restores the registry.
    pthread_mutex_consistent(&layout_->lock);
    Debug("registry lock holder died; sweeping");
    SweepHeld();
  }
}

void Fabric::Unlock() { pthread_mutex_unlock(&layout_->lock); }

namespace {
std::once_flag g_open_once;
Fabric* g_fabric = nullptr;
// Written once inside call_once, read-only afterwards.
std::string* g_open_error = nullptr;
}  // namespace

Fabric* Fabric::Get(std::string* error) {
  std::call_once(g_open_once, [] {
    static std::aligned_storage_t<sizeof(std::string), alignof(std::string)> storage;
    g_open_error = ::new (&storage) std::string();
    std::string& open_error = *g_open_error;
    Fabric*& fabric = g_fabric;
    const Config& c = GetConfig();
    if (!c.error.empty()) {
      open_error = c.error;
      return;
    }
    // Never destroyed: entry points may still run while the process exits,
    // and generation slots inside its mapping are handed out.
    static std::aligned_storage_t<sizeof(Fabric), alignof(Fabric)> fabric_storage;
    Fabric* instance = ::new (&fabric_storage) Fabric();
    if (instance->Open(c.dir, &open_error)) {
      fabric = instance;
      AttachFaultTable(*instance, c.faults);
      pthread_atfork(nullptr, nullptr, [] { g_fabric->ForgetSelfAfterFork(); });
    }
  });
  if (!g_fabric && error) *error = *g_open_error;
  return g_fabric;
}

const char* Fabric::OpenError() {
  if (Get(nullptr)) return nullptr;
  return g_open_error->c_str();
}

bool Fabric::Open(const std::string& dir, std::string* error) {
  dir_ = dir;
  std::string path = dir + "/fabric";
  // Relative to the checked directory, never through a link (config.cc).
  const Config& c = GetConfig();
  Fd fd(openat(c.dir_fd, "fabric", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, c.shared ? 0666 : 0600));
  if (!fd.valid()) {
    *error = "cannot open " + path + ": " + strerror(errno) +
             (errno == ELOOP ? " (a symbolic link: remove it)"
              : errno == EACCES && !c.shared ? " (set RSM_SIM_SHARED=1 in every process to share a cluster between users)"
                                              : "");
    return false;
  }
  // flock serialises creation: the first process sizes and initialises the
  // file, the others wait and then check what they find.
  while (flock(fd.get(), LOCK_EX) != 0 && errno == EINTR) {
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    *error = "cannot stat " + path + ": " + strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = path + " is not a regular file: remove it";
    return false;
  }
  // A private registry nobody else may have written: it names who may map what.
  if (!c.shared && (st.st_uid != geteuid() || (st.st_mode & 022))) {
    *error = path + " belongs to another user or can be written by others: remove it, or set RSM_SIM_SHARED=1 to share the cluster between users on purpose";
    return false;
  }
  bool fresh = st.st_size == 0;
  if (fresh) {
    fchmod(fd.get(), c.shared ? 0666 : 0600);  // past the umask: in a shared cluster, other users' processes join
    if (ftruncate(fd.get(), sizeof(FabricLayout)) != 0) {
      *error = "cannot size " + path + ": " + strerror(errno);
      return false;
    }
  } else if (static_cast<size_t>(st.st_size) != sizeof(FabricLayout)) {
    *error = path + " has an incompatible layout (size " + std::to_string(st.st_size) + ")";
    return false;
  }
  void* p = mmap(nullptr, sizeof(FabricLayout), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (p == MAP_FAILED) {
    *error = "cannot map " + path + ": " + strerror(errno);
    return false;
  }
  auto* l = static_cast<FabricLayout*>(p);
  if (fresh || __atomic_load_n(&l->magic, __ATOMIC_ACQUIRE) == 0) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&l->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    l->version = kVersion;
    l->layout_size = sizeof(FabricLayout);
    l->next_serial = 1;
    for (auto& id : l->next_auto_id) id = kFirstAutoId;
    InitSignalSlots(l);
    __atomic_store_n(&l->magic, kMagic, __ATOMIC_RELEASE);
  } else if (l->magic != kMagic || l->version != kVersion || l->layout_size != sizeof(FabricLayout)) {
    munmap(p, sizeof(FabricLayout));
    *error = path + " was made by an incompatible simulator version";
    return false;
  }
  flock(fd.get(), LOCK_UN);
  layout_ = l;
  Debug("cluster %s opened", dir.c_str());
  return true;
}

std::string Fabric::DataPath(uint32_t node, uint64_t serial) const {
  return dir_ + "/seg-" + std::to_string(node) + "-" + std::to_string(serial) + ".mem";
}

#if defined(F_OFD_GETLK) || defined(F_OFD_SETLK)
// The byte of the registry file whose write lock a live process in `slot`
// holds (close-on-exec, dropped by the kernel when the process dies).
static struct flock SlotByte(uint32_t slot) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = kLockBase + slot;
  fl.l_len = 1;
  return fl;
}
#endif

bool Fabric::SlotLockHeld(uint32_t slot) {
#ifdef F_OFD_GETLK
  if (lock_fd_ < 0) lock_fd_ = open((dir_ + "/fabric").c_str(), O_RDWR | O_CLOEXEC);
  if (lock_fd_ < 0) return true;  // cannot tell: never reap on doubt
  struct flock fl = SlotByte(slot);
  if (fcntl(lock_fd_, F_OFD_GETLK, &fl) != 0) return true;
  return fl.l_type != F_UNLCK;
#else
  // Without descriptor locks: the pid must exist with the same start time.
  ProcEntry& p = layout_->procs[slot];
  if (kill(p.pid, 0) != 0 && errno == ESRCH) return false;
  uint64_t st = ReadStartTime(p.pid);
  return st == 0 || st == p.start_time;
#endif
}

bool Fabric::TakeSlotLock(uint32_t slot) {
#ifdef F_OFD_SETLK
  if (lock_fd_ < 0) lock_fd_ = open((dir_ + "/fabric").c_str(), O_RDWR | O_CLOEXEC);
  if (lock_fd_ < 0) return false;
  struct flock fl = SlotByte(slot);
  return fcntl(lock_fd_, F_OFD_SETLK, &fl) == 0;
#else
  (void)slot;
  return true;
#endif
}

uint32_t Fabric::Self(const FabricLock&) {
  pid_t pid = getpid();
  if (self_ != kNoEntry && self_pid_ == pid) return self_;
  // A newcomer cleans up after processes that died without a word.
  SweepHeld();
  for (uint32_t i = 0; i < kMaxProcs; ++i) {
    ProcEntry& p = layout_->procs[i];
    if (p.in_use) continue;
    if (!TakeSlotLock(i)) continue;
    p.incarnation++;
    p.pid = pid;
    p.node = GetConfig().node;
    p.start_time = ReadStartTime(pid);
    p.in_use = 1;
    self_ = i;
    self_inc_ = p.incarnation;
    self_pid_ = pid;
    Debug("joined as process slot %u (node %u)", i, p.node);
    return i;
  }
  return kNoEntry;
}

bool Fabric::Alive(uint32_t slot, uint32_t inc) {
  if (slot >= kMaxProcs) return false;
  ProcEntry& p = layout_->procs[slot];
  if (!p.in_use || p.incarnation != inc) return false;
  if (slot == self_ && self_pid_ == getpid()) return true;
  return SlotLockHeld(slot);
}

bool Fabric::ReapIfDead(const FabricLock&, uint32_t slot) { return ReapIfDeadHeld(slot); }

bool Fabric::ReapIfDeadHeld(uint32_t slot) {
  ProcEntry& p = layout_->procs[slot];
  if (!p.in_use) return false;
  if (slot == self_ && self_pid_ == getpid()) return false;
  if (SlotLockHeld(slot)) return false;
  ReapProcess(slot);
  return true;
}

void Fabric::Sweep(const FabricLock&) { SweepHeld(); }

void Fabric::SweepHeld() {
  for (uint32_t i = 0; i < kMaxProcs; ++i)
    if (layout_->procs[i].in_use) ReapIfDeadHeld(i);
}

void Fabric::ReapProcess(uint32_t slot) {
  ProcEntry& p = layout_->procs[slot];
  Debug("reaping dead process %d (slot %u)", p.pid, slot);
  for (uint32_t i = 0; i < kMaxExports; ++i) {
    ExportEntry& e = layout_->exports[i];
    if (e.state == kExportFree || e.owner != slot || e.owner_inc != p.incarnation) continue;
    ForceDisconnectImportersHeld(i);
    DropDeadDoorbell(*this, /*is_export=*/true, i, e.incarnation);
    unlink(DataPath(e.node, e.serial).c_str());
    e.state = kExportFree;
    e.incarnation++;
  }
  for (uint32_t i = 0; i < kMaxImports; ++i) {
    ImportEntry& m = layout_->imports[i];
    if (m.in_use && m.owner == slot && m.owner_inc == p.incarnation) {
      DropDeadDoorbell(*this, /*is_export=*/false, i, m.incarnation);
      m.in_use = 0;
      m.incarnation++;
    }
  }
  p.in_use = 0;
}

uint32_t Fabric::ForceDisconnectImporters(const FabricLock&, uint32_t index) {
  return ForceDisconnectImportersHeld(index);
}

uint32_t Fabric::ForceDisconnectImportersHeld(uint32_t index) {
  ExportEntry& e = layout_->exports[index];
  uint32_t count = 0;
  for (uint32_t i = 0; i < kMaxImports; ++i) {
    ImportEntry& m = layout_->imports[i];
    if (!m.in_use || m.disconnected || m.export_index != index || m.export_inc != e.incarnation) continue;
    m.disconnected = 1;
    __atomic_add_fetch(&layout_->generation[i], 1, __ATOMIC_RELEASE);
    ++count;
  }
  return count;
}

uint32_t Fabric::FindFreeExport(const FabricLock&) const {
  for (uint32_t i = 0; i < kMaxExports; ++i)
    if (layout_->exports[i].state == kExportFree) return i;
  return kNoEntry;
}

uint32_t Fabric::FindFreeImport(const FabricLock&) const {
  for (uint32_t i = 0; i < kMaxImports; ++i)
    if (!layout_->imports[i].in_use) return i;
  return kNoEntry;
}

void Fabric::FreeExport(const FabricLock&, uint32_t index) {
  ExportEntry& e = layout_->exports[index];
  e.state = kExportFree;
  e.incarnation++;
}

void Fabric::FreeImport(const FabricLock&, uint32_t index) {
  ImportEntry& m = layout_->imports[index];
  m.in_use = 0;
  m.incarnation++;
}

void Fabric::ForgetSelfAfterFork() {
  // The child must not keep the parent's liveness lock alive: closing our
  // copy of the descriptor leaves the parent's lock in place.
  if (lock_fd_ >= 0) close(lock_fd_);
  lock_fd_ = -1;
  self_ = kNoEntry;
  self_inc_ = 0;
  self_pid_ = 0;
}

}  // namespace rsmsim
