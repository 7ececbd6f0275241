#include "memory_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <thread>

#include "config.h"

namespace rsmsim {

namespace {

constexpr uint32_t kRequestMagic = 0x51524d52;  // "RMRQ"
constexpr uint32_t kReplyMagic = 0x41524d52;    // "RMRA"
constexpr int kClientReadTimeoutMs = 1000;      // a silent client cannot hold the server longer

struct Request {
  uint32_t magic;
  uint32_t entry;
  uint32_t incarnation;
  uint32_t node;
  uint32_t perm;
};

struct Reply {
  uint32_t magic;
  int32_t rc;
  uint32_t mode;
  uint32_t has_fd;
  uint64_t offset;
  uint64_t length;
};

struct ServerState {
  std::mutex start_mu;  // guards the fields below
  pid_t pid = 0;        // the process whose server runs
  uint32_t key = 0;
  int listen_fd = -1;
  std::map<uint32_t, ServedExport> served;  // guarded by ServerMutex()
};

// Never destroyed: the server thread runs until the process exits.
ServerState& State() {
  static ServerState* s = [] {
    static std::aligned_storage_t<sizeof(ServerState), alignof(ServerState)> storage;
    return ::new (&storage) ServerState();
  }();
  return *s;
}

socklen_t Name(pid_t pid, uint32_t key, sockaddr_un* addr) {
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  // Abstract: no file to create, remove or leave behind; gone with the process.
  int n = snprintf(addr->sun_path + 1, sizeof addr->sun_path - 1, "rsmsim-memory-%d-%08x", static_cast<int>(pid), key);
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + static_cast<size_t>(n));
}

bool InGroups(uint32_t gid, uint32_t primary, const std::vector<gid_t>& groups) {
  if (primary == gid) return true;
  for (gid_t g : groups)
    if (g == gid) return true;
  return false;
}

// The rule of docs/semantics.md §5.1 for one served export: E, or -1 when
// the importer is refused (RSMERR_PERM_DENIED).
int64_t Mode(const ServedExport& s, uint32_t node, uint32_t perm, bool transfer, uint32_t uid, uint32_t gid,
             const std::vector<gid_t>& groups) {
  uint32_t granted = 0;  // a node off the list is granted nothing here
  if (s.acl.empty()) {
    granted = s.default_mode & 0666;
  } else {
    for (const auto& a : s.acl)
      if (a.ae_node == node) {
        granted = static_cast<uint32_t>(a.ae_permission) & 0666;
        break;
      }
  }
  const uint32_t a = ((perm & RSM_PERM_READ) ? 0444u : 0u) | ((perm & RSM_PERM_WRITE) ? 0222u : 0u);
  // For the driver's transfers the node's grant alone decides.
  const uint32_t e = transfer ? granted & RSM_PERM_RDWR & perm : a & granted;
  const int shift = uid == s.uid ? 0 : InGroups(s.gid, gid, groups) ? 3 : 6;
  if (transfer ? (perm & ~e) != 0 : (perm & ~(e << shift)) != 0 && uid != 0)  // the superuser holds the override privileges
    return -1;
  return e;
}

// A descriptor of memory shared with other exports reaches all of them: an
// importer of another user gets it only if every one of them is published
// to it and would grant it `access` (the mode bits it gets here). With
// ServerMutex() held.
bool MayHoldShared(const ServedExport& s, uint32_t node, uint32_t perm, bool transfer, uint32_t uid, uint32_t gid,
                   const std::vector<gid_t>& groups, uint32_t access) {
  if (uid == s.uid || uid == 0) return true;  // the exporter's own user could reach the pages anyway
  for (const auto& [other_entry, o] : State().served) {
    if (&o == &s || o.memory != s.memory) continue;
    if (!o.published || (o.loopback && node != o.node)) return false;
    const int64_t e = Mode(o, node, perm, transfer, uid, gid, groups);
    if (e < 0 || (static_cast<uint32_t>(e) & access) != access) return false;
  }
  return true;
}

// The rule of docs/semantics.md §5.1 over the exporter's own record.
// With ServerMutex() held; on success *memory is the descriptor to hand over
// (nullptr when E allows no access).
Grant Decide(uint32_t entry, uint32_t incarnation, uint32_t node, uint32_t perm, uint32_t uid, uint32_t gid,
             const std::vector<gid_t>& groups, std::shared_ptr<Fd>* memory) {
  Grant g;
  auto& served = State().served;
  auto it = served.find(entry);
  if (it == served.end() || it->second.incarnation != incarnation || !it->second.published || !it->second.memory) {
    g.rc = RSMERR_SEG_NOT_PUBLISHED;
    return g;
  }
  const ServedExport& s = it->second;
  if (s.loopback && node != s.node) {
    g.rc = RSMERR_SEG_NOT_PUBLISHED;
    return g;
  }
  const bool transfer = (perm & kForTransfer) != 0;
  perm &= ~kForTransfer;
  if (transfer && node == s.node) {  // same-node transfers go through a mapping
    g.rc = RSMERR_PERM_DENIED;
    return g;
  }
  if (perm & ~static_cast<uint32_t>(RSM_PERM_RDWR)) {
    g.rc = RSMERR_PERM_DENIED;
    return g;
  }
  const int64_t mode = Mode(s, node, perm, transfer, uid, gid, groups);
  if (mode < 0) {
    g.rc = RSMERR_PERM_DENIED;
    return g;
  }
  const uint32_t e = static_cast<uint32_t>(mode);
  g.mode = e;
  g.offset = s.offset;
  g.length = s.length;
  if (e & (RSM_PERM_READ | RSM_PERM_WRITE)) {
    if (!MayHoldShared(s, node, perm, transfer, uid, gid, groups, e & RSM_PERM_RDWR)) {
      g.rc = RSMERR_PERM_DENIED;
      return g;
    }
    *memory = s.memory->fd;
    auto& to = s.memory->handed_to;
    if (std::find(to.begin(), to.end(), ExportKey(entry, incarnation)) == to.end())
      to.push_back(ExportKey(entry, incarnation));
    if (uid != s.uid) s.memory->handed_foreign = true;
  }
  return g;
}

// The descriptor an importer with mode E gets: read-write only with the
// owner write bit.
Fd DescriptorFor(uint32_t mode, const Fd& memory) {
  if (mode & RSM_PERM_WRITE) return Fd(fcntl(memory.get(), F_DUPFD_CLOEXEC, 0));
  return ReopenReadOnly(memory.get());
}

// The importer's supplementary groups, as of its connect.
std::vector<gid_t> PeerGroups(int sock, pid_t pid) {
  std::vector<gid_t> groups(64);
#ifdef SO_PEERGROUPS
  for (;;) {
    socklen_t len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(sock, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
      groups.resize(len / sizeof(gid_t));
      return groups;
    }
    if (errno != ERANGE) break;
    groups.resize(len / sizeof(gid_t) + 1);
  }
#endif
  // Older kernels: the process's current list.
  groups.clear();
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
  Fd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return groups;
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fd.get(), buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  size_t at = text.find("\nGroups:");
  if (at == std::string::npos) return groups;
  const char* p = text.c_str() + at + 8;
  while (*p && *p != '\n') {
    char* end;
    unsigned long v = strtoul(p, &end, 10);
    if (end == p) {
      ++p;
      continue;
    }
    groups.push_back(static_cast<gid_t>(v));
    p = end;
  }
  return groups;
}

void Answer(int sock) {
  timeval tv{kClientReadTimeoutMs / 1000, (kClientReadTimeoutMs % 1000) * 1000};
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  Request req;
  ssize_t n;
  do n = recv(sock, &req, sizeof req, 0);
  while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof req) || req.magic != kRequestMagic) return;
  ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return;
  const std::vector<gid_t> groups = PeerGroups(sock, cred.pid);
  std::shared_ptr<Fd> memory;
  Grant g;
  {
    std::lock_guard<std::mutex> lock(ServerMutex());
    g = Decide(req.entry, req.incarnation, req.node, req.perm, cred.uid, cred.gid, groups, &memory);
  }
  if (memory) g.fd = DescriptorFor(g.mode, *memory);
  if (g.rc == RSM_SUCCESS && memory && !g.fd.valid()) g.rc = RSMERR_INSUFFICIENT_RESOURCES;
  Reply rep{kReplyMagic, g.rc, g.mode, g.fd.valid() ? 1u : 0u, g.offset, g.length};
  iovec iov{&rep, sizeof rep};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (g.fd.valid()) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int fd = g.fd.get();
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

void Run(int listen_fd) {
  // Application signal handlers run on the application's threads.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  for (;;) {
    int c = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EBADF || errno == EINVAL) return;
      if (errno != EINTR && errno != ECONNABORTED) {
        timespec ts{0, 10 * 1000 * 1000};  // out of descriptors: try again shortly
        nanosleep(&ts, nullptr);
      }
      continue;
    }
    Answer(c);
    close(c);
  }
}

void ForgetAfterFork() {
  // Threads do not survive fork: the child serves nothing until it exports.
  ServerState& s = State();
  if (s.listen_fd >= 0) close(s.listen_fd);
  s.listen_fd = -1;
  s.pid = 0;
  s.key = 0;
  s.served.clear();
}

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

std::mutex& ServerMutex() {
  static std::mutex* mu = [] {
    static std::aligned_storage_t<sizeof(std::mutex), alignof(std::mutex)> storage;
    std::mutex* m = ::new (&storage) std::mutex();
    // Neither lock may be left held by a thread the child does not have.
    pthread_atfork(
        [] {
          State().start_mu.lock();
          ServerMutex().lock();
        },
        [] {
          ServerMutex().unlock();
          State().start_mu.unlock();
        },
        [] {
          ServerMutex().unlock();
          State().start_mu.unlock();
          ForgetAfterFork();
        });
    return m;
  }();
  return *mu;
}

uint32_t ServerKey() {
  ServerMutex();  // registers the fork handlers before the thread exists
  ServerState& s = State();
  std::lock_guard<std::mutex> start(s.start_mu);
  const pid_t self = getpid();
  if (s.pid == self) return s.key;
  Fd sock(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return 0;
  uint32_t key = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (getrandom(&key, sizeof key, 0) != static_cast<ssize_t>(sizeof key)) key = static_cast<uint32_t>(NowMs()) ^ static_cast<uint32_t>(self);
    if (key == 0) continue;
    sockaddr_un addr;
    socklen_t len = Name(self, key, &addr);
    if (bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0) break;
    key = 0;
    if (errno != EADDRINUSE) return 0;
  }
  if (key == 0 || listen(sock.get(), 128) != 0) return 0;
  try {
    std::thread(Run, sock.get()).detach();
  } catch (const std::system_error&) {
    Debug("cannot start the memory server");
    return 0;
  }
  s.listen_fd = sock.Release();  // the thread's from now on
  s.key = key;
  s.pid = self;
  return key;
}

ServedExport& Served(uint32_t entry) { return State().served[entry]; }

void StopServing(uint32_t entry, uint32_t incarnation) {
  // Another thread may already have reused the entry for a new export.
  auto& served = State().served;
  auto it = served.find(entry);
  if (it != served.end() && it->second.incarnation == incarnation) served.erase(it);
}

Grant FetchMemory(pid_t pid, uint32_t key, uint32_t entry, uint32_t incarnation, uint32_t node, uint32_t perm) {
  Grant g;
  {
    ServerState& s = State();
    bool local;
    {
      std::lock_guard<std::mutex> start(s.start_mu);
      local = s.pid == getpid() && pid == s.pid && key == s.key;
    }
    if (local) {
      // Our own export: the same decision without the round trip.
      std::vector<gid_t> groups(static_cast<size_t>(std::max(getgroups(0, nullptr), 0)));
      int n = getgroups(static_cast<int>(groups.size()), groups.data());
      groups.resize(static_cast<size_t>(std::max(n, 0)));
      std::shared_ptr<Fd> memory;
      {
        std::lock_guard<std::mutex> lock(ServerMutex());
        g = Decide(entry, incarnation, node, perm, geteuid(), getegid(), groups, &memory);
      }
      if (memory) {
        g.fd = DescriptorFor(g.mode, *memory);
        if (!g.fd.valid()) g.rc = RSMERR_INSUFFICIENT_RESOURCES;
      }
      return g;
    }
  }
  g.rc = RSMERR_SEG_NOT_PUBLISHED;  // until the exporter says otherwise
  Fd sock(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!sock.valid()) {
    g.rc = RSMERR_INSUFFICIENT_RESOURCES;
    return g;
  }
  sockaddr_un addr;
  socklen_t len = Name(pid, key, &addr);
  const int64_t deadline = NowMs() + kAnswerTimeoutMs;
  while (connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return g;  // no such server: the exporter is gone
    // Its backlog is full: it is alive but not answering yet.
    if (NowMs() >= deadline) {
      g.rc = RSMERR_REMOTE_NODE_UNREACHABLE;
      return g;
    }
    timespec ts{0, 2 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  ucred cred;
  socklen_t clen = sizeof cred;
  // Only the exporting process itself may answer for its memory.
  if (getsockopt(sock.get(), SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 || cred.pid != pid) return g;
  Request req{kRequestMagic, entry, incarnation, node, perm};
  ssize_t sent;
  do sent = send(sock.get(), &req, sizeof req, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  if (sent != static_cast<ssize_t>(sizeof req)) return g;
  for (;;) {
    const int64_t left = deadline - NowMs();
    if (left <= 0) {
      g.rc = RSMERR_REMOTE_NODE_UNREACHABLE;
      return g;
    }
    pollfd p{sock.get(), POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return g;
    if (n > 0) break;
  }
  Reply rep;
  iovec iov{&rep, sizeof rep};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(sock.get(), &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  Fd received;
  for (cmsghdr* c = n > 0 ? CMSG_FIRSTHDR(&msg) : nullptr; c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (!received.valid()) received = Fd(fd);
      else close(fd);
    }
  }
  if (n != static_cast<ssize_t>(sizeof rep) || rep.magic != kReplyMagic) return g;
  g.rc = rep.rc;
  if (g.rc != RSM_SUCCESS) return g;
  if (rep.has_fd && !received.valid()) {
    g.rc = RSMERR_INSUFFICIENT_RESOURCES;  // no descriptor slot left for it
    return g;
  }
  g.mode = rep.mode;
  g.offset = rep.offset;
  g.length = rep.length;
  g.fd = std::move(received);
  return g;
}

}  // namespace rsmsim
