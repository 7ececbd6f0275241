#include "signals.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>

#include "fabric.h"
#include "faults.h"
#include "handles.h"

namespace rsmsim {

namespace {

// Which slot: an export or an import entry, at a given incarnation.
struct Target {
  bool is_export;
  uint32_t index;
  uint32_t inc;
};

template <typename T>
T Load(const T& v) {
  return __atomic_load_n(&v, __ATOMIC_ACQUIRE);
}

SignalSlot& SlotOf(Fabric& f, const Target& t) {
  return t.is_export ? f.layout()->export_signals[t.index] : f.layout()->import_signals[t.index];
}

Fabric* GetFabric() {
  std::string error;
  return Fabric::Get(&error);
}

std::string BellName(const Target& t) {
  char name[64];
  snprintf(name, sizeof name, "sig-%c%u-%u.sock", t.is_export ? 'e' : 'i', t.index, t.inc);
  return name;
}

// The doorbell's address. Normally a path in the cluster directory; when
// the directory's path is too long for sun_path, a Linux abstract name made
// unique to the cluster by the registry file's identity (no file at all).
struct BellAddr {
  sockaddr_un addr;
  socklen_t len = 0;
  std::string path;  // empty for an abstract name
};

bool MakeAddr(Fabric& f, const Target& t, BellAddr* out) {
  memset(&out->addr, 0, sizeof out->addr);
  out->addr.sun_family = AF_UNIX;
  std::string path = f.dir() + "/" + BellName(t);
  if (path.size() < sizeof out->addr.sun_path) {
    memcpy(out->addr.sun_path, path.c_str(), path.size() + 1);
    out->len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    out->path = path;
    return true;
  }
#ifdef __linux__
  struct stat st;
  if (stat((f.dir() + "/fabric").c_str(), &st) != 0) return false;
  char name[100];
  int n = snprintf(name, sizeof name, "rsmsim-%llx-%llx-%s", static_cast<unsigned long long>(st.st_dev),
                   static_cast<unsigned long long>(st.st_ino), BellName(t).c_str());
  if (n <= 0 || static_cast<size_t>(n) + 1 >= sizeof out->addr.sun_path) return false;
  memcpy(out->addr.sun_path + 1, name, static_cast<size_t>(n));
  out->len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + static_cast<size_t>(n));
  out->path.clear();
  return true;
#else
  return false;
#endif
}

// One unbound datagram socket per process for ringing other processes'
// doorbells: one sendto() per ring, no open/close, no SIGPIPE.
int SenderSocket() {
  static int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  return fd;
}

void Ring(Fabric& f, const Target& t) {
  BellAddr a;
  if (!MakeAddr(f, t, &a)) return;
  const char byte = 1;
  // A refused send means the owner's socket is gone (it died): the event
  // stays counted and the dead owner's entries are reaped anyway.
  while (sendto(SenderSocket(), &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&a.addr), a.len) <
             0 &&
         errno == EINTR) {
  }
}

// Holds a slot's lock. If the previous holder died inside, the count is
// right (it is one store) but the doorbell may not match it: ring once more
// when events are pending. A spare ring is harmless (a consumer that finds
// no event empties the socket), a missing one would strand a waiter.
class SlotLock {
 public:
  SlotLock(Fabric& f, SignalSlot& s) : fabric_(f), slot_(s) {
    // A lock the registry file cannot forge (Fabric::LockSignalSlot).
    if (fabric_.LockSignalSlot(slot_)) {
      if (slot_.bell && slot_.events > 0) {
        Target t{false, 0, slot_.inc};
        // Which table the slot is in decides the name.
        FabricLayout* l = f.layout();
        if (&slot_ >= l->export_signals && &slot_ < l->export_signals + kMaxExports) {
          t.is_export = true;
          t.index = static_cast<uint32_t>(&slot_ - l->export_signals);
        } else {
          t.index = static_cast<uint32_t>(&slot_ - l->import_signals);
        }
        Ring(f, t);
      }
    }
  }
  ~SlotLock() { fabric_.UnlockSignalSlot(slot_); }
  SlotLock(const SlotLock&) = delete;
  SlotLock& operator=(const SlotLock&) = delete;

 private:
  Fabric& fabric_;
  SignalSlot& slot_;
};

// The slot belongs to incarnation `inc` from now on; an older count is void.
void Claim(SignalSlot& s, uint32_t inc) {
  if (s.inc == inc) return;
  s.inc = inc;
  s.events = 0;
  s.bell = 0;
  s.waiters = 0;
  s.polled = 0;
  s.interrupted = 0;
}

// Is the entry still the one the target names (not freed, not recycled)?
bool EntryCurrent(Fabric& f, const Target& t) {
  if (t.is_export) {
    const ExportEntry& e = f.exp(t.index);
    return Load(e.state) != kExportFree && Load(e.incarnation) == t.inc;
  }
  const ImportEntry& m = f.imp(t.index);
  return Load(m.in_use) && Load(m.incarnation) == t.inc;
}

// ---- this process's doorbells ----

struct Doorbell {
  Target target;
  Fd fd;
  BellAddr addr;
  std::atomic<bool> closed{false};
};

using BellKey = std::tuple<bool, uint32_t, uint32_t>;

struct Bells {
  std::mutex mu;
  std::map<BellKey, std::shared_ptr<Doorbell>> by_target;
  // Descriptors handed out by rsm_memseg_get_pollfd and not yet released:
  // the poll-fd table rsm_intr_signal_wait_pollfd consults.
  std::unordered_map<int, std::shared_ptr<Doorbell>> polled;
};

Bells& TheBells() {
  // Never destroyed: entry points may run while the process exits.
  static Bells* bells = [] {
    static std::aligned_storage_t<sizeof(Bells), alignof(Bells)> storage;
    Bells* b = ::new (&storage) Bells();
    // A fork while another thread holds the table would leave the child's
    // copy locked forever.
    pthread_atfork([] { TheBells().mu.lock(); }, [] { TheBells().mu.unlock(); }, [] { TheBells().mu.unlock(); });
    return b;
  }();
  return *bells;
}

BellKey KeyOf(const Target& t) { return BellKey{t.is_export, t.index, t.inc}; }

// Empties the doorbell socket (no blocking).
void Drain(const Doorbell& bell) {
  char buf[8][1];
  mmsghdr msgs[8];
  iovec iov[8];
  for (;;) {
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < 8; ++i) {
      iov[i] = {buf[i], 1};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(bell.fd.get(), msgs, 8, MSG_DONTWAIT, nullptr);
    if (n < 0 && errno == EINTR) continue;
    if (n < 8) return;
  }
}

// The handle's doorbell, made on first need. nullptr if the entry is no
// longer the handle's (released meanwhile) or the socket cannot be made.
std::shared_ptr<Doorbell> EnsureBell(Fabric& f, const Target& t, int* error) {
  Bells& bells = TheBells();
  std::lock_guard<std::mutex> lock(bells.mu);
  auto it = bells.by_target.find(KeyOf(t));
  if (it != bells.by_target.end()) return it->second;
  *error = RSMERR_BAD_SEG_HNDL;
  if (!EntryCurrent(f, t)) return nullptr;
  *error = RSMERR_INSUFFICIENT_RESOURCES;
  auto bell = std::make_shared<Doorbell>();
  bell->target = t;
  if (!MakeAddr(f, t, &bell->addr)) return nullptr;
  bell->fd = Fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!bell->fd.valid()) return nullptr;
  // The name carries the incarnation, so a file already there can only be
  // the remains of a crashed owner of the same entry in a recreated registry.
  if (!bell->addr.path.empty()) unlink(bell->addr.path.c_str());
  if (bind(bell->fd.get(), reinterpret_cast<sockaddr*>(&bell->addr.addr), bell->addr.len) != 0) return nullptr;
  // Posters may run under other uids (sending needs write permission).
  if (!bell->addr.path.empty()) chmod(bell->addr.path.c_str(), 0666);
  {
    SlotLock slock(f, SlotOf(f, t));
    SignalSlot& s = SlotOf(f, t);
    Claim(s, t.inc);
    s.bell = 1;
    if (s.events > 0) Ring(f, t);  // events posted before anyone listened
  }
  bells.by_target.emplace(KeyOf(t), bell);
  return bell;
}

std::shared_ptr<Doorbell> FindBell(const Target& t) {
  Bells& bells = TheBells();
  std::lock_guard<std::mutex> lock(bells.mu);
  auto it = bells.by_target.find(KeyOf(t));
  return it == bells.by_target.end() ? nullptr : it->second;
}

// One event more for the target, if it still exists.
void Deliver(Fabric& f, const Target& t) {
  SignalSlot& s = SlotOf(f, t);
  SlotLock slock(f, s);
  // Checked under the slot lock: a target freed before this point gets
  // nothing; one freed after finds its count void when recycled (Claim).
  if (!EntryCurrent(f, t)) return;
  Claim(s, t.inc);
  if (s.events++ == 0 && s.bell) Ring(f, t);
}

// Takes a pending injected interrupt, if there is one: the consumer reports
// RSMERR_INTERRUPTED and the doorbell is emptied unless events remain.
bool TakeInterrupt(Fabric& f, const Target& t, const Doorbell* bell) {
  SignalSlot& s = SlotOf(f, t);
  SlotLock slock(f, s);
  if (s.inc != t.inc || !s.interrupted) return false;
  s.interrupted = 0;
  if (s.events == 0 && bell) Drain(*bell);
  return true;
}

// Counts a blocking wait as in progress on the slot while it lives, so an
// injected interrupt reaches it.
class WaitInProgress {
 public:
  WaitInProgress(Fabric& f, const Target& t) : f_(f), t_(t) {
    SignalSlot& s = SlotOf(f_, t_);
    SlotLock slock(f_, s);
    if (s.inc == t_.inc) s.waiters++;
  }
  ~WaitInProgress() {
    SignalSlot& s = SlotOf(f_, t_);
    SlotLock slock(f_, s);
    if (s.inc == t_.inc && s.waiters > 0) s.waiters--;
  }
  WaitInProgress(const WaitInProgress&) = delete;
  WaitInProgress& operator=(const WaitInProgress&) = delete;

 private:
  Fabric& f_;
  Target t_;
};

// Marks whether the handle's process holds poll descriptors for the slot.
void SetPolled(Fabric& f, const Target& t, bool polled) {
  SignalSlot& s = SlotOf(f, t);
  SlotLock slock(f, s);
  if (s.inc == t.inc) s.polled = polled ? 1 : 0;
}

// Takes one event if there is one. Returns whether it did. A consumer that
// takes the last event (or finds none) empties the doorbell.
bool Consume(Fabric& f, const Target& t, const Doorbell* bell) {
  SignalSlot& s = SlotOf(f, t);
  SlotLock slock(f, s);
  if (s.inc != t.inc) {
    if (!EntryCurrent(f, t)) return false;
    Claim(s, t.inc);
  }
  bool took = false;
  if (s.events > 0) {
    --s.events;
    took = true;
  }
  if (s.events == 0 && bell) Drain(*bell);
  return took;
}

// The slot a live handle of this process owns; also returns its record.
bool OwnTarget(void* memseg, Target* t, HandleBase** rec) {
  if (ExportRec* e = LiveExport(memseg)) {
    *t = Target{true, e->entry, e->entry_inc};
    *rec = e;
    return true;
  }
  if (ImportRec* i = LiveImport(memseg)) {
    *t = Target{false, i->entry, i->entry_inc};
    *rec = i;
    return true;
  }
  return false;
}

int PollErrno(int err) {
  switch (err) {
    case EINTR:
      return RSMERR_INTERRUPTED;
    case EAGAIN:
      return RSMERR_INSUFFICIENT_RESOURCES;
    case EFAULT:
      return RSMERR_BAD_ADDR;
    default:
      return RSMERR_BAD_ARGS_ERRORS;
  }
}

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void PostFromExport(Fabric& f, ExportRec* seg) {
  // Every import connected to this export, on any node. Read without the
  // registry lock; Deliver re-checks each target under its slot lock.
  for (uint32_t k = 0; k < kMaxImports; ++k) {
    const ImportEntry& m = f.imp(k);
    if (!Load(m.in_use) || Load(m.disconnected) || m.export_index != seg->entry || m.export_inc != seg->entry_inc)
      continue;
    Deliver(f, Target{false, k, Load(m.incarnation)});
  }
}

}  // namespace

void InitSignalSlots(FabricLayout* l) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  for (SignalSlot& s : l->export_signals) pthread_mutex_init(&s.lock, &attr);
  for (SignalSlot& s : l->import_signals) pthread_mutex_init(&s.lock, &attr);
  pthread_mutexattr_destroy(&attr);
}

void DropDeadDoorbell(Fabric& f, bool is_export, uint32_t index, uint32_t inc) {
  Target t{is_export, index, inc};
  SignalSlot& s = SlotOf(f, t);
  SlotLock slock(f, s);
  if (s.inc != inc) return;
  if (s.bell) {
    BellAddr a;
    if (MakeAddr(f, t, &a) && !a.path.empty()) unlink(a.path.c_str());
  }
  s.bell = 0;
  s.events = 0;
  s.waiters = 0;
  s.polled = 0;
  s.interrupted = 0;
}

void InterruptWaits(Fabric& f, uint32_t node) {
  auto interrupt = [&f](const Target& t) {
    SignalSlot& s = SlotOf(f, t);
    SlotLock slock(f, s);
    if (s.inc != t.inc || (s.waiters == 0 && !s.polled)) return;
    s.interrupted = 1;
    // Readable while an interrupt is pending, as while events are.
    if (s.bell && s.events == 0) Ring(f, t);
  };
  for (uint32_t i = 0; i < kMaxExports; ++i) {
    const ExportEntry& e = f.exp(i);
    if (e.state != kExportFree && e.node == node) interrupt(Target{true, i, e.incarnation});
  }
  for (uint32_t i = 0; i < kMaxImports; ++i) {
    const ImportEntry& m = f.imp(i);
    if (m.in_use && m.node == node) interrupt(Target{false, i, m.incarnation});
  }
}

void CloseDoorbell(bool is_export, uint32_t index, uint32_t inc) {
  Fabric* f = GetFabric();
  if (!f) return;
  Target t{is_export, index, inc};
  std::shared_ptr<Doorbell> bell;
  {
    Bells& bells = TheBells();
    std::lock_guard<std::mutex> lock(bells.mu);
    auto it = bells.by_target.find(KeyOf(t));
    if (it == bells.by_target.end()) return;
    bell = std::move(it->second);
    bells.by_target.erase(it);
    for (auto p = bells.polled.begin(); p != bells.polled.end();) {
      if (p->second == bell) p = bells.polled.erase(p);
      else ++p;
    }
  }
  {
    SignalSlot& s = SlotOf(*f, t);
    SlotLock slock(*f, s);
    if (s.inc == inc) {
      s.bell = 0;
      s.events = 0;
      s.waiters = 0;
      s.polled = 0;
      s.interrupted = 0;
    }
  }
  // Wake a thread still polling the descriptor: it sees `closed` and
  // returns. The descriptor closes with the last reference.
  bell->closed.store(true);
  Ring(*f, t);
  if (!bell->addr.path.empty()) unlink(bell->addr.path.c_str());
}

int PostFromImport(ImportRec* seg) {
  Fabric* f = GetFabric();
  if (!f) return RSMERR_INSUFFICIENT_RESOURCES;
  // No route to the exporting node (spec 4.8: the send result is returned).
  if (PathCut(seg->ctlr->node, seg->node)) return RSMERR_REMOTE_NODE_UNREACHABLE;
  const ImportEntry& m = f->imp(seg->entry);
  const uint32_t xi = Load(m.export_index), xinc = Load(m.export_inc);
  if (xi >= kMaxExports) return RSMERR_BAD_CONF;  // read from the registry
  // Usually the segment connected to is still the one published under the
  // id: no registry lock, no search.
  const ExportEntry& e = f->exp(xi);
  if (Load(e.state) == kExportPublished && Load(e.incarnation) == xinc && Load(e.segid) == seg->segid &&
      Load(e.node) == seg->node) {
    Deliver(*f, Target{true, xi, xinc});
    return RSM_SUCCESS;
  }
  // Otherwise whatever is published under (node, id) now, if anything.
  Target t{true, kNoEntry, 0};
  {
    FabricLock lock(*f);
    for (uint32_t i = 0; i < kMaxExports; ++i) {
      const ExportEntry& x = f->exp(i);
      if (x.state != kExportPublished || x.node != seg->node || x.segid != seg->segid) continue;
      if (f->ReapIfDead(lock, x.owner)) continue;
      t = Target{true, i, x.incarnation};
      break;
    }
  }
  if (t.index != kNoEntry) Deliver(*f, t);
  return RSM_SUCCESS;  // a vanished target drops the event
}

int SignalPost(void* memseg, uint_t) {
  // The flags are ignored (spec 4.8, 6 item 2): events always accumulate.
  if (!memseg) return RSMERR_BAD_SEG_HNDL;
  if (ImportRec* seg = LiveImport(memseg)) return PostFromImport(seg);
  ExportRec* seg = LiveExport(memseg);
  if (!seg) return RSMERR_BAD_SEG_HNDL;
  Fabric* f = GetFabric();
  if (!f) return RSMERR_INSUFFICIENT_RESOURCES;
  PostFromExport(*f, seg);
  return RSM_SUCCESS;
}

int SignalWait(void* memseg, int timeout) {
  if (!memseg) return RSMERR_BAD_SEG_HNDL;
  Target t;
  HandleBase* rec;
  if (!OwnTarget(memseg, &t, &rec)) return RSMERR_BAD_SEG_HNDL;
  Fabric* f = GetFabric();
  if (!f) return RSMERR_INSUFFICIENT_RESOURCES;
  std::shared_ptr<Doorbell> bell = FindBell(t);
  if (TakeInterrupt(*f, t, bell.get())) return RSMERR_INTERRUPTED;
  // Pending events need no descriptor: a poll that would return at once.
  if (Consume(*f, t, bell.get())) return RSM_SUCCESS;
  if (timeout == 0) return RSMERR_TIMEOUT;
  int error = RSM_SUCCESS;
  if (!bell) bell = EnsureBell(*f, t, &error);
  if (!bell) return error;
  pollfd p{bell->fd.get(), POLLRDNORM, 0};
  const int64_t deadline = timeout < 0 ? -1 : NowMs() + timeout;
  int n;
  WaitInProgress waiting(*f, t);
  // An interrupt injected before the wait was counted would be missed.
  if (TakeInterrupt(*f, t, bell.get())) return RSMERR_INTERRUPTED;
  for (;;) {
    int left = deadline < 0 ? -1 : static_cast<int>(std::max<int64_t>(0, deadline - NowMs()));
    n = poll(&p, 1, left);
    if (n >= 0) break;
    return PollErrno(errno);
  }
  if (n == 0) return RSMERR_TIMEOUT;
  if (bell->closed.load()) return RSMERR_BAD_SEG_HNDL;  // released while waiting
  // As the library: anything but exactly POLLRDNORM is reported as success
  // without consuming; a raced consumer leaves nothing and is a timeout.
  if (p.revents != POLLRDNORM) return RSM_SUCCESS;
  if (TakeInterrupt(*f, t, bell.get())) return RSMERR_INTERRUPTED;
  return Consume(*f, t, bell.get()) ? RSM_SUCCESS : RSMERR_TIMEOUT;
}

int SignalWaitPollfd(struct pollfd fds[], nfds_t nfds, int timeout, int* numfdsp) {
  if (numfdsp) *numfdsp = 0;
  int n = poll(fds, nfds, timeout);
  if (n < 0) return PollErrno(errno);
  if (n == 0) return RSMERR_TIMEOUT;
  Fabric* f = GetFabric();
  int rsm = 0, consumed = 0, seen = 0;
  for (nfds_t i = 0; i < nfds && seen < n; ++i) {
    if (fds[i].revents == 0) continue;
    ++seen;
    if (fds[i].revents != POLLRDNORM) continue;
    std::shared_ptr<Doorbell> bell;
    {
      Bells& bells = TheBells();
      std::lock_guard<std::mutex> lock(bells.mu);
      auto it = bells.polled.find(fds[i].fd);
      if (it != bells.polled.end()) bell = it->second;
    }
    if (!bell || !f) continue;  // not an RSM descriptor: left as poll reported it
    // An injected interrupt ends the whole call, as EINTR ends poll().
    if (TakeInterrupt(*f, bell->target, bell.get())) return RSMERR_INTERRUPTED;
    ++rsm;
    if (Consume(*f, bell->target, bell.get())) {
      ++consumed;
    } else {
      fds[i].revents = 0;
    }
  }
  int count = n - rsm + consumed;
  if (count <= 0) return RSMERR_TIMEOUT;
  if (numfdsp) *numfdsp = count;
  return RSM_SUCCESS;
}

namespace {

template <typename Rec>
int GetPollfdOf(Rec* seg, const Target& t, struct pollfd* pfd) {
  Fabric* f = GetFabric();
  if (!f) return RSMERR_INSUFFICIENT_RESOURCES;
  std::lock_guard<std::mutex> slock(seg->mu);
  int error = RSM_SUCCESS;
  std::shared_ptr<Doorbell> bell = EnsureBell(*f, t, &error);
  if (!bell) return error;
  if (seg->pollfd_count++ == 0) {
    {
      Bells& bells = TheBells();
      std::lock_guard<std::mutex> lock(bells.mu);
      bells.polled[bell->fd.get()] = bell;
    }
    SetPolled(*f, t, true);
  }
  pfd->fd = bell->fd.get();
  pfd->events = POLLRDNORM;
  return RSM_SUCCESS;
}

template <typename Rec>
int ReleasePollfdOf(Rec* seg, const Target& t) {
  std::lock_guard<std::mutex> slock(seg->mu);
  if (seg->pollfd_count > 0 && --seg->pollfd_count == 0) {
    std::shared_ptr<Doorbell> bell = FindBell(t);
    if (bell) {
      Bells& bells = TheBells();
      std::lock_guard<std::mutex> lock(bells.mu);
      bells.polled.erase(bell->fd.get());
    }
    if (Fabric* f = GetFabric()) SetPolled(*f, t, false);
  }
  return RSM_SUCCESS;
}

}  // namespace

int GetPollfd(void* memseg, struct pollfd* fd) {
  if (!memseg) return RSMERR_BAD_SEG_HNDL;
  if (!fd) return RSMERR_BAD_ADDR;
  Target t;
  HandleBase* rec;
  if (!OwnTarget(memseg, &t, &rec)) return RSMERR_BAD_SEG_HNDL;
  if (rec->kind == Kind::kExport) return GetPollfdOf(static_cast<ExportRec*>(rec), t, fd);
  return GetPollfdOf(static_cast<ImportRec*>(rec), t, fd);
}

int ReleasePollfd(void* memseg) {
  if (!memseg) return RSMERR_BAD_SEG_HNDL;
  Target t;
  HandleBase* rec;
  if (!OwnTarget(memseg, &t, &rec)) return RSMERR_BAD_SEG_HNDL;
  if (rec->kind == Kind::kExport) return ReleasePollfdOf(static_cast<ExportRec*>(rec), t);
  return ReleasePollfdOf(static_cast<ImportRec*>(rec), t);
}

}  // namespace rsmsim
