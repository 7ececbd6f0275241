#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "fabric.h"
#include "faults.h"
#include "handles.h"
#include "sim_api.h"

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
  Fabric* f;
  return Fabric::Get(&f) == RSM_SUCCESS ? f : nullptr;
}

// ---- the slot word: incarnation, rung bit, count (signal_slots.h) ----

constexpr uint64_t kRung = 1ull << 31;
constexpr uint64_t kCountMask = kRung - 1;

uint32_t IncOf(uint64_t w) { return static_cast<uint32_t>(w >> 32); }
uint64_t CountOf(uint64_t w) { return w & kCountMask; }
uint64_t FreshWord(uint32_t inc) { return static_cast<uint64_t>(inc) << 32; }

bool SwapWord(SignalSlot& s, uint64_t* expected, uint64_t desired) {
  return __atomic_compare_exchange_n(&s.word, expected, desired, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
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

// Makes the word (last read into *w) belong to the target's incarnation, as
// it must before a first post or wait: an older count is void. False when
// the target itself is stale, so nothing may be counted for it.
bool ClaimWord(Fabric& f, SignalSlot& s, const Target& t, uint64_t* w) {
  for (;;) {
    if (IncOf(*w) == t.inc) return true;
    if (!EntryCurrent(f, t)) return false;
    if (SwapWord(s, w, FreshWord(t.inc))) {
      *w = FreshWord(t.inc);
      return true;
    }
  }
}

std::string BellName(const Target& t) {
  char name[64];
  snprintf(name, sizeof name, "sig-%c%u-%u", t.is_export ? 'e' : 'i', t.index, t.inc);
  return name;
}

std::string BellPath(Fabric& f, const Target& t) { return f.dir() + "/" + BellName(t); }

// A write to a FIFO whose reader has just gone raises SIGPIPE, which would
// kill a C program that posted: block it for this thread, and take back the
// one the write raised.
void WriteOneByte(int fd) {
  sigset_t pipe_only, old, pending;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigemptyset(&pending);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  const char byte = 1;
  ssize_t n;
  do {
    n = write(fd, &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EPIPE && !was_pending) {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

// Gives the rung bit back after a ring that could not be written, so the
// next post tries again instead of trusting a byte that is not there.
void Unrung(SignalSlot& s, const Target& t) {
  uint64_t w = Load(s.word);
  while (IncOf(w) == t.inc && (w & kRung) && !SwapWord(s, &w, w & ~kRung)) {
  }
}

// Writes the byte into the owner's FIFO, by path: the owner may be any
// process. No FIFO (nobody waits yet: the owner makes it and re-checks the
// count; the owner is gone) and a full FIFO (readable already) need nothing.
void Ring(Fabric& f, const Target& t) {
  int fd;
  do {
    fd = open(BellPath(f, t).c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno != ENOENT && errno != ENXIO) Unrung(SlotOf(f, t), t);
    return;
  }
  WriteOneByte(fd);
  close(fd);
}

// `n` events more for the target, if it still exists. One compare-and-swap
// counts them and sets the rung bit; only the poster that set the bit rings.
void Deliver(Fabric& f, const Target& t, uint64_t n = 1) {
  SignalSlot& s = SlotOf(f, t);
  uint64_t w = Load(s.word);
  for (;;) {
    if (!ClaimWord(f, s, t, &w)) return;
    const uint64_t count = std::min<uint64_t>(CountOf(w) + n, kCountMask);
    if (SwapWord(s, &w, (w & ~kCountMask) | kRung | count)) break;
  }
  if (!(w & kRung)) Ring(f, t);
}

// Holds a slot's lock, one the registry file cannot forge
// (Fabric::LockSignalSlot). A holder that died inside leaves the fields it
// guards as they were: each is one store, and posters never take the lock.
class SlotLock {
 public:
  // The registry is passed in, never looked up: this runs inside the
  // registry's own opening (reaping a dead process's doorbells).
  SlotLock(Fabric& f, SignalSlot& s) : fabric_(f), slot_(s) { fabric_.LockSignalSlot(slot_); }
  ~SlotLock() { fabric_.UnlockSignalSlot(slot_); }
  SlotLock(const SlotLock&) = delete;
  SlotLock& operator=(const SlotLock&) = delete;

 private:
  Fabric& fabric_;
  SignalSlot& slot_;
};

// The lock-guarded fields belong to incarnation `inc` from now on (slot lock held).
void Claim(SignalSlot& s, uint32_t inc) {
  if (s.inc == inc) return;
  s.inc = inc;
  s.bell = 0;
  s.waiters = 0;
  s.polled = 0;
  s.interrupted = 0;
}

// ---- this process's doorbells ----

struct Doorbell {
  Target target;
  Fd fd;  // the FIFO, open for reading and writing (it never sees end-of-file)
  std::string path;
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

void RingOwn(const Doorbell& bell) {
  const char byte = 1;
  // Our own descriptor is also a reader: no SIGPIPE. Full means readable.
  while (write(bell.fd.get(), &byte, 1) < 0 && errno == EINTR) {
  }
}

// Empties the FIFO (no blocking).
void Drain(const Doorbell& bell) {
  char buf[64];
  for (;;) {
    ssize_t n = read(bell.fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < static_cast<ssize_t>(sizeof buf)) return;
  }
}

// After a consumer found the count at zero: empty the FIFO, then clear the
// rung bit, unless events (or an injected interrupt) arrived meanwhile, in
// which case the bit stays and the byte goes back. Emptying first means a
// poster that rings after the check is never drained away; a poster that
// rang between the emptying and the check finds the bit still set and
// leaves the ringing to us.
void Settle(Fabric& f, const Target& t, const Doorbell& bell) {
  SignalSlot& s = SlotOf(f, t);
  Drain(bell);
  uint64_t w = Load(s.word);
  for (;;) {
    if (IncOf(w) != t.inc) return;
    const bool pending = CountOf(w) > 0 || Load(s.interrupted) != 0;
    const uint64_t next = pending ? (w | kRung) : (w & ~kRung);
    if (SwapWord(s, &w, next)) break;
  }
  if (CountOf(w) > 0 || Load(s.interrupted) != 0) RingOwn(bell);
}

// The handle's doorbell, made on first need. nullptr if the entry is no
// longer the handle's (released meanwhile) or the FIFO cannot be made.
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
  bell->path = BellPath(f, t);
  // The name carries the incarnation, so a file already there can only be
  // the remains of a crashed owner of the same entry in a recreated registry.
  unlink(bell->path.c_str());
  if (mkfifo(bell->path.c_str(), 0600) != 0) return nullptr;
  bell->fd = Fd(open(bell->path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!bell->fd.valid()) {
    unlink(bell->path.c_str());
    return nullptr;
  }
  // Posters may run under other uids: they only write.
  chmod(bell->path.c_str(), 0622);
  SignalSlot& s = SlotOf(f, t);
  {
    SlotLock slock(f, s);
    Claim(s, t.inc);
    s.bell = 1;
  }
  uint64_t w = Load(s.word);
  ClaimWord(f, s, t, &w);
  // Events posted before anyone listened, and posters whose ring found no
  // FIFO yet: make the FIFO match the count.
  Settle(f, t, *bell);
  bells.by_target.emplace(KeyOf(t), bell);
  return bell;
}

std::shared_ptr<Doorbell> FindBell(const Target& t) {
  Bells& bells = TheBells();
  std::lock_guard<std::mutex> lock(bells.mu);
  auto it = bells.by_target.find(KeyOf(t));
  return it == bells.by_target.end() ? nullptr : it->second;
}

// Takes a pending injected interrupt, if there is one: the consumer reports
// RSMERR_INTERRUPTED and the doorbell is emptied unless events remain.
bool TakeInterrupt(Fabric& f, const Target& t, const Doorbell* bell) {
  SignalSlot& s = SlotOf(f, t);
  {
    SlotLock slock(f, s);
    if (s.inc != t.inc || !s.interrupted) return false;
    __atomic_store_n(&s.interrupted, 0u, __ATOMIC_RELEASE);
  }
  if (bell) Settle(f, t, *bell);
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
// takes the last event (or finds none) settles the doorbell.
bool Consume(Fabric& f, const Target& t, const Doorbell* bell) {
  SignalSlot& s = SlotOf(f, t);
  uint64_t w = Load(s.word);
  bool took = false;
  for (;;) {
    if (!ClaimWord(f, s, t, &w)) return false;
    if (CountOf(w) == 0) break;
    if (SwapWord(s, &w, w - 1)) {
      took = true;
      --w;
      break;
    }
  }
  if (bell && CountOf(w) == 0) Settle(f, t, *bell);
  return took;
}

// The slot a live handle of this process owns; also returns its record.
bool OwnTarget(void* memseg, Target* t, HandleRec** rec) {
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

// An export-side post, as the driver does it (rsm.c importbell_ioctl and
// rsm_intr_event): one doorbell message per importing connection, that is
// per (node, controller) pair with a live import of this export; on that
// node each message counts one event on every import handle connected to
// (this node, this segment id), torn-down ones the application has not
// disconnected yet included. Connections torn down by an unpublish are no
// longer recorded, so they get nothing. Read without the registry lock: a
// connect or disconnect racing with the post may or may not see it.
void PostFromExport(Fabric& f, ExportRec* seg) {
  struct Connection {
    uint32_t node;
    const char* ctlr;
  };
  std::vector<Connection> connections;
  for (uint32_t k = 0; k < kMaxImports; ++k) {
    const ImportEntry& m = f.imp(k);
    if (!Load(m.in_use) || Load(m.disconnected) || Load(m.export_index) != seg->entry ||
        Load(m.export_inc) != seg->entry_inc)
      continue;
    const uint32_t node = Load(m.node);
    bool known = false;
    for (const Connection& c : connections)
      known = known || (c.node == node && strncmp(c.ctlr, m.ctlr, kCtlrNameMax) == 0);
    if (!known) connections.push_back(Connection{node, m.ctlr});
  }
  if (connections.empty()) return;
  const ExportEntry& e = f.exp(seg->entry);
  const uint32_t node = Load(e.node), segid = Load(e.segid);
  for (uint32_t k = 0; k < kMaxImports; ++k) {
    const ImportEntry& m = f.imp(k);
    if (!Load(m.in_use) || Load(m.export_node) != node || Load(m.segid) != segid) continue;
    const uint32_t at = Load(m.node);
    uint64_t messages = 0;
    for (const Connection& c : connections) messages += c.node == at ? 1 : 0;
    if (messages > 0) Deliver(f, Target{false, k, Load(m.incarnation)}, messages);
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
  // Unlinked whether or not the slot says it was made: the dead owner may
  // have died between making the FIFO and saying so.
  unlink(BellPath(f, t).c_str());
  SlotLock slock(f, s);
  if (s.inc != inc) return;
  s.bell = 0;
  s.waiters = 0;
  s.polled = 0;
  s.interrupted = 0;
}

void InterruptWaits(Fabric& f, uint32_t node) {
  auto interrupt = [&f](const Target& t) {
    SignalSlot& s = SlotOf(f, t);
    {
      SlotLock slock(f, s);
      if (s.inc != t.inc || (s.waiters == 0 && !s.polled)) return;
      __atomic_store_n(&s.interrupted, 1u, __ATOMIC_RELEASE);
    }
    // Readable while an interrupt is pending, as while events are: ring as
    // a poster does, through the rung bit.
    uint64_t w = Load(s.word);
    for (;;) {
      if (IncOf(w) != t.inc) return;
      if (SwapWord(s, &w, w | kRung)) break;
    }
    if (!(w & kRung)) Ring(f, t);
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
      s.waiters = 0;
      s.polled = 0;
      s.interrupted = 0;
    }
  }
  // Wake a thread still polling the descriptor: it sees `closed` and
  // returns. The descriptor closes with the last reference.
  bell->closed.store(true);
  RingOwn(*bell);
  unlink(bell->path.c_str());
}

int ImportTornDown(void* memseg) {
  ImportRec* seg = LiveImport(memseg);
  if (!seg || !seg->gen_slot) return -1;
  // The driver bumps the import's generation at a forced disconnect
  // (docs/semantics.md §5.5); close_barrier reads the same counter.
  return seg->LiveGeneration() != seg->connect_gen ? 1 : 0;
}

int PostFromImport(ImportRec* seg) {
  Fabric* f = GetFabric();
  if (!f) return RSMERR_INSUFFICIENT_RESOURCES;
  // No route to the exporting node (docs/semantics.md §4.8: the send result is returned).
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
  // The flags are ignored (docs/semantics.md §4.8, 6 item 2): events always accumulate.
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
  HandleRec* rec;
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
    std::shared_ptr<Doorbell> bell;
    {
      Bells& bells = TheBells();
      std::lock_guard<std::mutex> lock(bells.mu);
      auto it = bells.polled.find(fds[i].fd);
      if (it != bells.polled.end()) bell = it->second;
    }
    if (!bell || !f) continue;  // not an RSM descriptor: left as poll reported it
    // The driver's poll routine reports only POLLRDNORM for a segment,
    // whatever else was asked (rsm.c rsm_chpoll); a FIFO also says POLLIN,
    // which would keep the library from consuming (docs/semantics.md §4.8).
    if (fds[i].revents & (POLLIN | POLLRDNORM)) fds[i].revents = POLLRDNORM;
    if (fds[i].revents != POLLRDNORM) continue;
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
  HandleRec* rec;
  if (!OwnTarget(memseg, &t, &rec)) return RSMERR_BAD_SEG_HNDL;
  if (rec->kind == Kind::kExport) return GetPollfdOf(static_cast<ExportRec*>(rec), t, fd);
  return GetPollfdOf(static_cast<ImportRec*>(rec), t, fd);
}

int ReleasePollfd(void* memseg) {
  if (!memseg) return RSMERR_BAD_SEG_HNDL;
  Target t;
  HandleRec* rec;
  if (!OwnTarget(memseg, &t, &rec)) return RSMERR_BAD_SEG_HNDL;
  if (rec->kind == Kind::kExport) return ReleasePollfdOf(static_cast<ExportRec*>(rec), t);
  return ReleasePollfdOf(static_cast<ImportRec*>(rec), t);
}

uint32_t PendingSignals(Fabric& f, bool is_export, uint32_t index, uint32_t inc) {
  const uint64_t w = Load(SlotOf(f, Target{is_export, index, inc}).word);
  // A word of an earlier incarnation counts nothing for this one.
  return IncOf(w) == inc ? static_cast<uint32_t>(CountOf(w)) : 0;
}

bool IsDoorbellName(const char* name) {
  unsigned index, inc;
  char kind;
  int end = 0;
  if (sscanf(name, "sig-%c%u-%u%n", &kind, &index, &inc, &end) != 3 || name[end] != '\0') return false;
  return (kind == 'e' || kind == 'i') && BellName(Target{kind == 'e', index, inc}) == name;
}

}  // namespace rsmsim
