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

constexpr uint64_t kMagic = kRegistryMagic;
constexpr uint32_t kVersion = 5;  // 2: fault table, signal-slot waiters; 3: signal word; 4: kernel registry lock; 5: no serial numbers
constexpr uint64_t kFirstAutoId = 0x80000000ull;
// Liveness locks live far beyond the registry's bytes: byte kLockBase + slot
// is write-locked by the process in that slot for as long as it runs.
constexpr off_t kLockBase = off_t{1} << 40;
// The registry lock: a write lock on the byte just before them; the locks
// of the signal slots, one byte each, before that.
constexpr off_t kRegistryLockByte = kLockBase - 1;
constexpr off_t kSignalLockBase = kRegistryLockByte - kMaxExports - kMaxImports;
// Threads of one process take a signal slot's lock in turn through one of
// these (slot number modulo their count); locks are never nested.
constexpr size_t kSlotStripes = 64;
pthread_mutex_t g_slot_stripes[kSlotStripes];

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

namespace {
std::once_flag g_open_once;
Fabric* g_fabric = nullptr;
// Written once inside call_once, read-only afterwards.
std::string* g_open_error = nullptr;
// The SIGBUS disposition found before ours, for faults that are not ours.
struct sigaction g_previous_bus;

#ifdef F_OFD_SETLKW
// Takes (F_WRLCK) or drops (F_UNLCK) the registry lock, or another lock on
// a byte of the file. The kernel keeps it: a process cannot forge it by
// writing the file, and it goes with its holder's death. Waits through
// signals (a holder keeps it only briefly).
bool RegistryLock(int fd, short type, off_t byte = kRegistryLockByte) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = byte;
  fl.l_len = 1;
  for (;;) {
    if (fcntl(fd, type == F_UNLCK ? F_OFD_SETLK : F_OFD_SETLKW, &fl) == 0) return true;
    if (errno != EINTR) return false;
  }
}
#endif

}  // namespace

void Fabric::Lock() {
  pthread_mutex_lock(&process_lock_);
  if (Broken()) return;
#ifdef F_OFD_SETLKW
  if (lock_fd_ < 0) lock_fd_ = open((dir_ + "/fabric").c_str(), O_RDWR | O_CLOEXEC);
  if (lock_fd_ < 0 || !RegistryLock(lock_fd_, F_WRLCK)) {
    Break("its lock cannot be taken");
    return;
  }
#else
  if (pthread_mutex_lock(&layout_->lock) == EOWNERDEAD) {
    pthread_mutex_consistent(&layout_->lock);
    __atomic_store_n(&layout_->writing, 1u, __ATOMIC_RELAXED);
  }
#endif
  if (!StillSound()) return;
  if (__atomic_load_n(&layout_->writing, __ATOMIC_ACQUIRE) != 0) {
    // The holder died mid-update. Every update leaves entries either free or
    // owned by a process, so reaping the dead owners' entries restores the
    // registry.
    Debug("registry lock holder died; sweeping");
    SweepHeld();
  }
  __atomic_store_n(&layout_->writing, 1u, __ATOMIC_RELEASE);
}

void Fabric::Unlock() {
  if (!Broken()) {
    __atomic_store_n(&layout_->writing, 0u, __ATOMIC_RELEASE);
#ifdef F_OFD_SETLKW
    RegistryLock(lock_fd_, F_UNLCK);
#else
    pthread_mutex_unlock(&layout_->lock);
#endif
  } else if (lock_fd_ >= 0) {
#ifdef F_OFD_SETLKW
    RegistryLock(lock_fd_, F_UNLCK);  // taken before the damage showed
#endif
  }
  pthread_mutex_unlock(&process_lock_);
}

bool Fabric::LockSignalSlot(SignalSlot& s) {
  FabricLayout* l = layout_;
  const size_t n = &s >= l->export_signals && &s < l->export_signals + kMaxExports
                       ? static_cast<size_t>(&s - l->export_signals)
                       : kMaxExports + static_cast<size_t>(&s - l->import_signals);
  pthread_mutex_lock(&g_slot_stripes[n % kSlotStripes]);
  if (Broken()) return false;
#ifdef F_OFD_SETLKW
  if (lock_fd_ < 0 || !RegistryLock(lock_fd_, F_WRLCK, kSignalLockBase + static_cast<off_t>(n))) {
    Break("a signal slot lock cannot be taken");
    return false;
  }
  const bool died = __atomic_load_n(&s.held, __ATOMIC_ACQUIRE) != 0;
#else
  const bool died = pthread_mutex_lock(&s.lock) == EOWNERDEAD;
  if (died) pthread_mutex_consistent(&s.lock);
#endif
  __atomic_store_n(&s.held, 1u, __ATOMIC_RELEASE);
  return died;
}

void Fabric::UnlockSignalSlot(SignalSlot& s) {
  FabricLayout* l = layout_;
  const size_t n = &s >= l->export_signals && &s < l->export_signals + kMaxExports
                       ? static_cast<size_t>(&s - l->export_signals)
                       : kMaxExports + static_cast<size_t>(&s - l->import_signals);
  if (!Broken()) {
    __atomic_store_n(&s.held, 0u, __ATOMIC_RELEASE);
#ifdef F_OFD_SETLKW
    RegistryLock(lock_fd_, F_UNLCK, kSignalLockBase + static_cast<off_t>(n));
#else
    pthread_mutex_unlock(&s.lock);
#endif
  } else if (lock_fd_ >= 0) {
#ifdef F_OFD_SETLKW
    RegistryLock(lock_fd_, F_UNLCK, kSignalLockBase + static_cast<off_t>(n));
#endif
  }
  pthread_mutex_unlock(&g_slot_stripes[n % kSlotStripes]);
}

bool Fabric::StillSound() {
  struct stat st;
  const FabricLayout* l = layout_;
  if (lock_fd_ >= 0 && (fstat(lock_fd_, &st) != 0 || static_cast<size_t>(st.st_size) != sizeof(FabricLayout))) {
    Break("the file no longer has the registry's size");
    return false;
  }
  if (__atomic_load_n(&l->magic, __ATOMIC_ACQUIRE) != kMagic || l->version != kVersion ||
      l->layout_size != sizeof(FabricLayout)) {
    Break("its header was overwritten");
    return false;
  }
  if (self_ != kNoEntry && self_pid_ == getpid()) {
    const ProcEntry& p = l->procs[self_];
    if (!p.in_use || p.pid != self_pid_ || p.incarnation != self_inc_) {
      Break("this process's entry was overwritten or the registry was made anew");
      return false;
    }
  }
  return true;
}

void Fabric::Break(const char* why) {
  if (Broken()) return;
  Debug("the registry %s/fabric is damaged (%s); calls fail with RSMERR_BAD_CONF", dir_.c_str(), why);
  // Zero pages in place of the file's: the call in progress reads empty
  // tables (in range, harmless), and pointers into the registry held by
  // handles stay valid.
  mmap(layout_, sizeof(FabricLayout), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  __atomic_store_n(&broken_, 1, __ATOMIC_RELEASE);
}

// A bus error on the registry's pages means its file was truncated while
// mapped: the pages are replaced with zeroed ones and the registry marked
// broken, and the faulting access is retried on them. Any other bus error
// goes where it would have gone without us.
void Fabric::OnBusError(int sig, siginfo_t* info, void* context) {
  Fabric* f = g_fabric;
  char* addr = static_cast<char*>(info->si_addr);
  char* base = f != nullptr ? reinterpret_cast<char*>(f->layout_) : nullptr;
  if (base != nullptr && addr >= base && addr < base + sizeof(FabricLayout) &&
      mmap(base, sizeof(FabricLayout), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
          MAP_FAILED) {
    __atomic_store_n(&f->broken_, 1, __ATOMIC_RELEASE);
    return;
  }
  if (g_previous_bus.sa_flags & SA_SIGINFO) {
    if (g_previous_bus.sa_sigaction != nullptr) return g_previous_bus.sa_sigaction(sig, info, context);
  } else if (g_previous_bus.sa_handler != SIG_DFL && g_previous_bus.sa_handler != SIG_IGN) {
    return g_previous_bus.sa_handler(sig);
  }
  // Default action: the access faults again on return and ends the process.
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGBUS, &dfl, nullptr);
}

bool Fabric::CheckTables(std::string* error) const {
  const FabricLayout* l = layout_;
  auto bad = [error](const std::string& what) {
    *error = "the registry is damaged: " + what;
    return false;
  };
  for (uint32_t i = 0; i < kMaxProcs; ++i)
    if (l->procs[i].in_use > 1) return bad("process entry " + std::to_string(i) + " has a bad state");
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  for (uint32_t i = 0; i < kMaxExports; ++i) {
    const ExportEntry& e = l->exports[i];
    if (e.state > kExportPublished) return bad("export entry " + std::to_string(i) + " has a bad state");
    if (e.state == kExportFree) continue;
    if (e.owner >= kMaxProcs || e.node >= kNodeSlots || e.acl_len > kMaxAcl || e.length == 0 ||
        e.length > 0x7FFFFFFFull || e.file_offset % page != 0)
      return bad("export entry " + std::to_string(i) + " is out of range");
  }
  for (uint32_t i = 0; i < kMaxImports; ++i) {
    const ImportEntry& m = l->imports[i];
    if (m.in_use > 1) return bad("import entry " + std::to_string(i) + " has a bad state");
    if (m.in_use == 0) continue;
    if (m.owner >= kMaxProcs || m.export_index >= kMaxExports || m.node >= kNodeSlots || m.export_node >= kNodeSlots)
      return bad("import entry " + std::to_string(i) + " is out of range");
  }
  return true;
}

int Fabric::Get(Fabric** out, std::string* why) {
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
      // Bus errors on the registry's pages are ours to survive.
      struct sigaction bus;
      memset(&bus, 0, sizeof bus);
      bus.sa_sigaction = &Fabric::OnBusError;
      bus.sa_flags = SA_SIGINFO | SA_NODEFER;
      sigemptyset(&bus.sa_mask);
      sigaction(SIGBUS, &bus, &g_previous_bus);
      bool sound;
      {
        FabricLock lock(*instance);
        sound = !instance->Broken() && instance->CheckTables(&open_error);
      }
      if (!sound) {
        if (open_error.empty()) open_error = c.dir + "/fabric is damaged";
        fabric = nullptr;
        return;
      }
      AttachFaultTable(*instance, c.fault_spec, c.node);
      pthread_atfork(nullptr, nullptr, [] { g_fabric->ForgetSelfAfterFork(); });
      // Prepare handlers run newest first: the registry lock is taken before
      // the slot locks, as everywhere else.
      for (pthread_mutex_t& m : g_slot_stripes) pthread_mutex_init(&m, nullptr);
      pthread_atfork(
          [] {
            for (pthread_mutex_t& m : g_slot_stripes) pthread_mutex_lock(&m);
          },
          [] {
            for (pthread_mutex_t& m : g_slot_stripes) pthread_mutex_unlock(&m);
          },
          [] {
            for (pthread_mutex_t& m : g_slot_stripes) pthread_mutex_unlock(&m);
          });
      // A fork while another thread holds the registry lock would leave the
      // child's copy of the process lock taken forever.
      pthread_atfork([] { pthread_mutex_lock(&g_fabric->process_lock_); },
                     [] { pthread_mutex_unlock(&g_fabric->process_lock_); },
                     [] { pthread_mutex_unlock(&g_fabric->process_lock_); });
    }
  });
  *out = g_fabric;
  if (g_fabric) return RSM_SUCCESS;
  if (why) *why = *g_open_error;
  return RSMERR_BAD_CONF;
}

const char* Fabric::OpenError() {
  Fabric* f;
  return Get(&f) == RSM_SUCCESS ? nullptr : g_open_error->c_str();
}

bool Fabric::Open(const std::string& dir, std::string* error) {
  dir_ = dir;
  std::string path = dir + "/fabric";
  // Relative to the checked directory, never through a link (config.cc).
  const Config& c = GetConfig();
  Fd fd(openat(c.dir_fd, kRegistryFile, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, c.shared ? 0666 : 0600));
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

bool Fabric::SeemsAlive(uint32_t slot, uint32_t inc) {
  if (slot >= kMaxProcs || Broken()) return false;
  ProcEntry& p = layout_->procs[slot];
  if (__atomic_load_n(&p.in_use, __ATOMIC_ACQUIRE) == 0 || __atomic_load_n(&p.incarnation, __ATOMIC_ACQUIRE) != inc) return false;
  if (slot == self_ && self_pid_ == getpid()) return true;
#ifdef F_OFD_GETLK
  // Only a descriptor opened already: opening one is the locked path's job.
  int fd = __atomic_load_n(&lock_fd_, __ATOMIC_ACQUIRE);
  if (fd < 0) return false;
  struct flock fl = SlotByte(slot);
  return fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
#else
  return false;
#endif
}

bool Fabric::ReapIfDead(const FabricLock&, uint32_t slot) { return ReapIfDeadHeld(slot); }

bool Fabric::ReapIfDeadHeld(uint32_t slot) {
  if (slot >= kMaxProcs) return false;  // a slot number read from the registry
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
  if (index >= kMaxExports) return 0;
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
  // A description of its own: one shared with the parent would share the
  // parent's registry lock too.
  lock_fd_ = open((dir_ + "/fabric").c_str(), O_RDWR | O_CLOEXEC);
  self_ = kNoEntry;
  self_inc_ = 0;
  self_pid_ = 0;
}

}  // namespace rsmsim
