#include "liveness_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config.h"
#include "fabric.h"

namespace rsmsim {

namespace {

int PidfdOpen(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

struct Watched {
  uint32_t inc;
  int pidfd;  // -1 when pidfds are not available
};

// Reaps the process in `slot` (incarnation `inc`) if it is dead.
void ReapIfGone(Fabric& f, uint32_t slot, uint32_t inc) {
  FabricLock lock(f);
  if (!f.Alive(slot, inc)) f.ReapIfDead(lock, slot);
}

void Run(Fabric* f, int wake_fd, pid_t self) {
  std::map<uint32_t, Watched> watched;
  bool have_pidfd = true;
  for (;;) {
    // Rescan: watch every other live process of the cluster.
    std::vector<std::pair<uint32_t, uint32_t>> fresh;
    for (uint32_t slot = 0; slot < kMaxProcs; ++slot) {
      const ProcEntry& p = f->layout()->procs[slot];
      const bool in_use = __atomic_load_n(&p.in_use, __ATOMIC_ACQUIRE) != 0;
      const uint32_t inc = __atomic_load_n(&p.incarnation, __ATOMIC_ACQUIRE);
      const pid_t pid = __atomic_load_n(&p.pid, __ATOMIC_ACQUIRE);
      auto it = watched.find(slot);
      if (it != watched.end() && (!in_use || it->second.inc != inc)) {
        if (it->second.pidfd >= 0) close(it->second.pidfd);
        watched.erase(it);
        it = watched.end();
      }
      if (!in_use || pid == self || it != watched.end()) continue;
      int pidfd = have_pidfd ? PidfdOpen(pid) : -1;
      if (pidfd < 0 && errno == ENOSYS) have_pidfd = false;
      if (pidfd >= 0) fcntl(pidfd, F_SETFD, FD_CLOEXEC);
      watched[slot] = Watched{inc, pidfd};
      fresh.emplace_back(slot, inc);
    }
    // A pid may have been reused before we opened its pidfd: the liveness
    // lock, not the pid, decides.
    for (auto& [slot, inc] : fresh) ReapIfGone(*f, slot, inc);

    std::vector<pollfd> fds{{wake_fd, POLLIN, 0}};
    std::vector<uint32_t> slots{kNoEntry};
    for (auto& [slot, w] : watched) {
      if (w.pidfd < 0) continue;
      fds.push_back({w.pidfd, POLLIN, 0});
      slots.push_back(slot);
    }
    int n = poll(fds.data(), fds.size(), have_pidfd ? 1000 : 100);
    if (n < 0 && errno != EINTR) n = 0;
    if (fds[0].revents) {
      char buf[64];
      while (read(wake_fd, buf, sizeof buf) > 0) {
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      auto it = watched.find(slots[i]);
      if (it == watched.end()) continue;
      ReapIfGone(*f, it->first, it->second.inc);
      close(it->second.pidfd);
      watched.erase(it);
    }
    if (!have_pidfd) {
      for (auto it = watched.begin(); it != watched.end();) {
        ReapIfGone(*f, it->first, it->second.inc);
        it = f->layout()->procs[it->first].in_use ? std::next(it) : watched.erase(it);
      }
    }
  }
}

struct WatcherState {
  std::mutex mu;
  pid_t pid = 0;  // the process the running watcher belongs to
  int wake[2] = {-1, -1};
};

WatcherState& State() {
  static WatcherState* s = [] {
    static std::aligned_storage_t<sizeof(WatcherState), alignof(WatcherState)> storage;
    return ::new (&storage) WatcherState();
  }();
  return *s;
}

}  // namespace

void WatchCluster() {
  Fabric* f;
  if (Fabric::Get(&f) != RSM_SUCCESS) return;
  WatcherState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  const pid_t self = getpid();
  if (s.pid != self) {
    // First use, or a forked child (threads do not survive fork).
    if (s.wake[0] >= 0) close(s.wake[0]);
    if (s.wake[1] >= 0) close(s.wake[1]);
    s.wake[0] = s.wake[1] = -1;
    if (pipe2(s.wake, O_CLOEXEC | O_NONBLOCK) != 0) return;
    try {
      std::thread(Run, f, s.wake[0], self).detach();
    } catch (const std::system_error&) {
      Debug("cannot start the liveness watcher");
      return;
    }
    s.pid = self;
  }
  const char byte = 1;
  ssize_t ignored = write(s.wake[1], &byte, 1);
  (void)ignored;
}

}  // namespace rsmsim
