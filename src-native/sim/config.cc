#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "faults.h"
#include "limits.h"

namespace rsmsim {

namespace {

rsmapi_controller_attr_t DefaultAttr() {
  rsmapi_controller_attr_t a{};
  a.attr_direct_access_sizes = 0xF;
  a.attr_atomic_sizes = 0xC;
  a.attr_page_size = HostPageSize();
  a.attr_max_export_segment_size = size_t{1} << 30;
  a.attr_tot_export_segment_size = size_t{16} << 30;
  a.attr_max_export_segments = 4096;
  a.attr_max_import_map_size = size_t{1} << 30;
  a.attr_tot_import_map_size = size_t{16} << 30;
  a.attr_max_import_segments = 4096;
  return a;
}

// A topology number: decimal, or hexadecimal with 0x; 64 bits at most.
bool ParseU64(const std::string& s, uint64_t* out) { return ParseNumber(s, Radix::kDecimalOrHex, 20, out); }

ControllerDesc MakeController(const std::string& name, uint32_t node) {
  ControllerDesc c;
  c.name = name;
  ParseControllerName(name, &c.type, &c.unit);
  c.hwaddr = node;
  c.attr = DefaultAttr();
  return c;
}

void Link(Topology* t, uint32_t a, const std::string& ca, uint32_t b, const std::string& cb, uint32_t state) {
  NodeDesc* na = nullptr;
  NodeDesc* nb = nullptr;
  for (auto& n : t->nodes) {
    if (n.id == a) na = &n;
    if (n.id == b) nb = &n;
  }
  ControllerDesc* xa = nullptr;
  ControllerDesc* xb = nullptr;
  for (auto& c : na->controllers)
    if (c.name == ca) xa = &c;
  for (auto& c : nb->controllers)
    if (c.name == cb) xb = &c;
  xa->links.push_back(LinkDesc{b, cb, xb->hwaddr, state});
  if (a != b) xb->links.push_back(LinkDesc{a, ca, xa->hwaddr, state});
}

Topology DefaultTopology() {
  Topology t;
  for (uint32_t id = 1; id <= 8; ++id) {
    NodeDesc n;
    n.id = id;
    n.controllers.push_back(MakeController("sci0", id));
    t.nodes.push_back(std::move(n));
  }
  for (uint32_t a = 1; a <= 8; ++a)
    for (uint32_t b = a + 1; b <= 8; ++b) Link(&t, a, "sci0", b, "sci0", RSM_CONNECTION_ACTIVE);
  return t;
}

bool SetAttr(rsmapi_controller_attr_t* a, const std::string& key, uint64_t v) {
  if (key == "direct_access_sizes") a->attr_direct_access_sizes = static_cast<uint_t>(v);
  else if (key == "atomic_sizes") a->attr_atomic_sizes = static_cast<uint_t>(v);
  else if (key == "page_size") a->attr_page_size = v;
  else if (key == "max_export_segment_size") a->attr_max_export_segment_size = v;
  else if (key == "tot_export_segment_size") a->attr_tot_export_segment_size = v;
  else if (key == "max_export_segments") a->attr_max_export_segments = v;
  else if (key == "max_import_map_size") a->attr_max_import_map_size = v;
  else if (key == "tot_import_map_size") a->attr_tot_import_map_size = v;
  else if (key == "max_import_segments") a->attr_max_import_segments = v;
  else return false;
  return true;
}

// Parses the topology file format documented in config.h.
bool ParseTopologyFile(const std::string& path, Topology* out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "RSM_SIM_TOPOLOGY: cannot read " + path + ": " + strerror(errno);
    return false;
  }
  Topology t;
  std::string line;
  int lineno = 0;
  auto fail = [&](const std::string& why) {
    *error = "RSM_SIM_TOPOLOGY " + path + ":" + std::to_string(lineno) + ": " + why;
    return false;
  };
  auto find_node = [&](uint32_t id) -> NodeDesc* {
    for (auto& n : t.nodes)
      if (n.id == id) return &n;
    return nullptr;
  };
  auto parse_node = [&](const std::string& s, uint32_t* id) {
    uint64_t v;
    if (!ParseU64(s, &v) || v > kMaxNodeId) return false;
    *id = static_cast<uint32_t>(v);
    return true;
  };
  while (std::getline(in, line)) {
    ++lineno;
    auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    std::istringstream ls(line);
    std::vector<std::string> w;
    for (std::string x; ls >> x;) w.push_back(x);
    if (w.empty()) continue;
    if (w[0] == "node") {
      uint32_t id;
      if (w.size() != 2 || !parse_node(w[1], &id)) return fail(std::string("expected: node <") + kNodeIds + ">");
      if (find_node(id)) return fail("node " + w[1] + " declared twice");
      NodeDesc n;
      n.id = id;
      t.nodes.push_back(std::move(n));
    } else if (w[0] == "controller") {
      uint32_t id;
      if (w.size() < 3 || !parse_node(w[1], &id)) return fail("expected: controller <node> <name> [key=value ...]");
      NodeDesc* n = find_node(id);
      if (!n) return fail("node " + w[1] + " is not declared");
      std::string type;
      int unit;
      ParseControllerName(w[2], &type, &unit);
      if (type.empty() || w[2].size() >= 64) return fail("bad controller name '" + w[2] + "'");
      if (strcasecmp(type.c_str(), "loopback") == 0) return fail("the loopback controller is built in");
      if (n->FindController(w[2])) return fail("controller " + w[2] + " declared twice on node " + w[1]);
      ControllerDesc c = MakeController(w[2], id);
      for (size_t i = 3; i < w.size(); ++i) {
        auto eq = w[i].find('=');
        uint64_t v;
        if (eq == std::string::npos || !ParseU64(w[i].substr(eq + 1), &v)) return fail("expected key=value: " + w[i]);
        std::string key = w[i].substr(0, eq);
        if (key == "hwaddr") c.hwaddr = v;
        else if (!SetAttr(&c.attr, key, v)) return fail("unknown attribute " + key);
      }
      n->controllers.push_back(std::move(c));
    } else if (w[0] == "link") {
      uint32_t a, b;
      if (w.size() < 5 || w.size() > 6 || !parse_node(w[1], &a) || !parse_node(w[3], &b))
        return fail("expected: link <nodeA> <ctlrA> <nodeB> <ctlrB> [state=<1..4>]");
      uint64_t state = RSM_CONNECTION_ACTIVE;
      if (w.size() == 6 && (w[5].rfind("state=", 0) != 0 || !ParseU64(w[5].substr(6), &state) || state < 1 || state > 4))
        return fail("expected state=<1..4>");
      NodeDesc* na = find_node(a);
      NodeDesc* nb = find_node(b);
      if (!na || !nb) return fail("link names an undeclared node");
      if (!na->FindController(w[2]) || !nb->FindController(w[4])) return fail("link names an undeclared controller");
      Link(&t, a, w[2], b, w[4], static_cast<uint32_t>(state));
    } else if (w[0] == "full-mesh") {
      if (w.size() != 2) return fail("expected: full-mesh <ctlr>");
      for (size_t i = 0; i < t.nodes.size(); ++i)
        for (size_t j = i + 1; j < t.nodes.size(); ++j)
          if (t.nodes[i].FindController(w[1]) && t.nodes[j].FindController(w[1]))
            Link(&t, t.nodes[i].id, w[1], t.nodes[j].id, w[1], RSM_CONNECTION_ACTIVE);
    } else {
      return fail("unknown statement '" + w[0] + "'");
    }
  }
  if (t.nodes.empty()) return fail("no node declared");
  *out = std::move(t);
  return true;
}

// Creates (if needed), opens and checks the cluster directory. Everything
// in it is then reached relative to the descriptor, never by path again.
//
// Private (the default): the directory must belong to this user and be
// writable by nobody else; a new one is made 0700. The default directory
// lives in a world-writable place (/dev/shm), so it is never reached through
// a symbolic link. Shared (RSM_SIM_SHARED=1): any owner, but when others may
// write it, it must be sticky, so no user can replace another's files; a new
// one is made 01777.
bool PrepareDir(Config* c, std::string* error) {
  const std::string& dir = c->dir;
  const std::string what = c->dir_is_default ? "cluster directory " + dir : "RSM_SIM_DIR: " + dir;
  const char* share_hint = "; to share a cluster between users on purpose, set RSM_SIM_SHARED=1";
  bool created = false;
  if (mkdir(dir.c_str(), c->shared ? 01777 : 0700) == 0) created = true;
  else if (errno != EEXIST) {
    *error = "RSM_SIM_DIR: cannot create " + dir + ": " + strerror(errno);
    return false;
  }
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | (c->dir_is_default ? O_NOFOLLOW : 0));
  struct stat st;
  if (fd < 0 && errno == EACCES && !c->shared && lstat(dir.c_str(), &st) == 0 && st.st_uid != geteuid()) {
    *error = what + " belongs to uid " + std::to_string(st.st_uid) + ", not to this user (uid " +
             std::to_string(geteuid()) + "): remove it or use a directory of your own" + share_hint;
    return false;
  }
  if (fd < 0) {
    if (errno == ELOOP || (c->dir_is_default && errno == ENOTDIR))
      *error = what + " is a symbolic link or not a directory: remove it (the simulator makes its own)";
    else if (errno == ENOTDIR)
      *error = what + " is not a directory";
    else
      *error = what + ": cannot open: " + strerror(errno);
    return false;
  }
  if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
    close(fd);
    *error = what + " is not a directory";
    return false;
  }
  if (created && c->shared && fchmod(fd, 01777) == 0) st.st_mode = S_IFDIR | 01777;  // past the umask
  char mode[8];
  snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  std::string problem;
  if (!c->shared && st.st_uid != geteuid()) {
    problem = what + " belongs to uid " + std::to_string(st.st_uid) + ", not to this user (uid " +
              std::to_string(geteuid()) + "): remove it or use a directory of your own" + share_hint;
  } else if (!c->shared && (st.st_mode & 022)) {
    problem = what + " can be written by other users (mode " + mode + "): chmod 700 " + dir + share_hint;
  } else if (c->shared && (st.st_mode & 022) && !(st.st_mode & S_ISVTX)) {
    problem = what + " is shared but not sticky (mode " + mode + "), so any user could replace the registry: chmod +t " + dir;
  } else if (access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    problem = "RSM_SIM_DIR: " + dir + " is not writable: " + strerror(errno);
  }
  if (!problem.empty()) {
    close(fd);
    *error = problem;
    return false;
  }
  c->dir_fd = fd;
  return true;
}

std::string DefaultDir() {
  std::string uid = std::to_string(static_cast<unsigned long>(geteuid()));
  struct stat st;
  if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK | X_OK) == 0)
    return "/dev/shm/rsmsim-" + uid;
  const char* tmp = getenv("TMPDIR");
  std::string base = (tmp && *tmp) ? tmp : "/tmp";
  return base + "/rsmsim-" + uid;
}

Config LoadConfig() {
  Config c;
  const char* dbg = getenv("RSM_SIM_DEBUG");
  c.debug = dbg && *dbg;
  const char* seg = getenv("RSM_SIM_SEGMENTID_FILE");
  c.segmentid_file = (seg && *seg) ? seg : "/etc/rsm/rsm.segmentid";

  const char* topo = getenv("RSM_SIM_TOPOLOGY");
  if (topo && *topo) {
    if (!ParseTopologyFile(topo, &c.topology, &c.error)) return c;
  } else {
    c.topology = DefaultTopology();
  }

  const char* node = getenv("RSM_SIM_NODE");
  if (node) {
    uint64_t v;
    if (!ParseNumber(node, Radix::kDecimal, 20, &v) || v > kMaxNodeId) {
      c.error = std::string("RSM_SIM_NODE: '") + node + "' is not a node id (decimal " + kNodeIds + ")";
      return c;
    }
    c.node = static_cast<uint32_t>(v);
  }
  if (!c.topology.FindNode(c.node)) {
    c.error = "RSM_SIM_NODE: node " + std::to_string(c.node) + " is not a node of the topology";
    return c;
  }
  const char* faults = getenv("RSM_SIM_FAULTS");
  if (faults) {
    std::vector<FaultSetting> checked;
    if (!ParseFaultSpec(faults, c.node, &checked, &c.error)) return c;
    c.fault_spec = faults;
  }

  const char* dir = getenv("RSM_SIM_DIR");
  if (dir) {
    if (!*dir) {
      c.error = "RSM_SIM_DIR is set but empty";
      return c;
    }
    c.dir = dir;
  } else {
    c.dir = DefaultDir();
    c.dir_is_default = true;
  }
  while (c.dir.size() > 1 && c.dir.back() == '/') c.dir.pop_back();
  const char* shared = getenv("RSM_SIM_SHARED");
  if (shared && *shared && strcmp(shared, "0") != 0 && strcmp(shared, "1") != 0) {
    c.error = std::string("RSM_SIM_SHARED: '") + shared + "' is neither 1 (shared between users) nor 0 (private)";
    return c;
  }
  c.shared = shared && strcmp(shared, "1") == 0;
  PrepareDir(&c, &c.error);
  return c;
}

}  // namespace

bool ParseNumber(const std::string& text, Radix radix, size_t max_digits, uint64_t* out) {
  const bool hex = radix == Radix::kDecimalOrHex && text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const size_t start = hex ? 2 : 0;
  const size_t digits = text.size() - start;
  if (digits == 0 || digits > max_digits) return false;
  const uint64_t base = hex ? 16 : 10;
  uint64_t v = 0;
  for (size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    uint64_t d;
    if (c >= '0' && c <= '9') d = static_cast<uint64_t>(c - '0');
    else if (hex && c >= 'a' && c <= 'f') d = static_cast<uint64_t>(c - 'a' + 10);
    else if (hex && c >= 'A' && c <= 'F') d = static_cast<uint64_t>(c - 'A' + 10);
    else return false;  // a sign, a space, an embedded NUL, anything else
    if (v > (UINT64_MAX - d) / base) return false;
    v = v * base + d;
  }
  *out = v;
  return true;
}

const ControllerDesc* NodeDesc::FindController(const std::string& name) const {
  for (auto& c : controllers)
    if (c.name == name) return &c;
  return nullptr;
}

const NodeDesc* Topology::FindNode(uint32_t id) const {
  for (auto& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

void ParseControllerName(const std::string& name, std::string* type, int* unit) {
  size_t i = name.size();
  while (i > 0 && isdigit(static_cast<unsigned char>(name[i - 1]))) --i;
  *type = name.substr(0, i);
  // Like atoi: an absurdly long digit run saturates rather than failing.
  long long u = 0;
  for (size_t k = i; k < name.size(); ++k) {
    u = u * 10 + (name[k] - '0');
    if (u > INT_MAX) u = INT_MAX;
  }
  *unit = static_cast<int>(u);
}

size_t HostPageSize() {
  static const size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

const Config& GetConfig() {
  static std::once_flag once;
  static Config* config;
  // Kept for the life of the process: entry points may run during exit.
  static std::aligned_storage_t<sizeof(Config), alignof(Config)> storage;
  std::call_once(once, [] { config = ::new (&storage) Config(LoadConfig()); });
  return *config;
}

void Debug(const char* fmt, ...) {
  static const bool on = [] {
    const char* d = getenv("RSM_SIM_DEBUG");
    return d && *d;
  }();
  if (!on) return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fprintf(stderr, "rsmsim[%d]: %s\n", static_cast<int>(getpid()), buf);
}

}  // namespace rsmsim
