// The simulator's extensions (abi/rsmsim_extensions.h): what tests and tools
// need of a simulated cluster beyond the RSMAPI. The inspecting calls only
// read: they take the registry lock for a consistent picture but claim no
// process slot, reap nobody, and tell dead owners apart by their liveness
// locks instead.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "config.h"
#include "fabric.h"
#include "faults.h"
#include "limits.h"
#include "signals.h"
#include "sim_api.h"

namespace rsmsim {
namespace {

// The buffer protocol of abi/rsmsim_extensions.h.
long CopyOut(const std::string& text, char* buf, size_t len) {
  if (buf && len > 0) {
    size_t n = text.size() < len - 1 ? text.size() : len - 1;
    memcpy(buf, text.data(), n);
    buf[n] = '\0';
  }
  return static_cast<long>(text.size());
}

long Fail(const std::string& why, char* buf, size_t len) {
  CopyOut(why, buf, len);
  return -1;
}

void AppendString(std::string& out, const char* s, size_t max) {
  out += '"';
  for (size_t i = 0; i < max && s[i] != '\0'; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char esc[8];
      snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void AppendString(std::string& out, const std::string& s) { AppendString(out, s.c_str(), s.size()); }

void AppendField(std::string& out, const char* name, uint64_t value) {
  out += '"';
  out += name;
  out += "\":";
  out += std::to_string(value);
}

void AppendBool(std::string& out, const char* name, bool value) {
  out += '"';
  out += name;
  out += "\":";
  out += value ? "true" : "false";
}

// The pid in a process slot, or 0 when the slot no longer belongs to the
// incarnation that made the entry.
int32_t OwnerPid(const FabricLayout* l, uint32_t slot, uint32_t inc) {
  if (slot >= kMaxProcs) return 0;
  const ProcEntry& p = l->procs[slot];
  return p.in_use && p.incarnation == inc ? p.pid : 0;
}

void AppendProcess(std::string& out, Fabric& f, uint32_t slot) {
  const ProcEntry& p = f.layout()->procs[slot];
  out += '{';
  AppendField(out, "slot", slot);
  out += ',';
  AppendField(out, "pid", static_cast<uint32_t>(p.pid));
  out += ',';
  AppendField(out, "node", p.node);
  out += ',';
  AppendBool(out, "alive", f.Alive(slot, p.incarnation));
  out += '}';
}

void AppendSegment(std::string& out, Fabric& f, uint32_t i) {
  const FabricLayout* l = f.layout();
  const ExportEntry& e = l->exports[i];
  out += "{\"state\":";
  out += e.state == kExportPublished ? "\"published\"" : "\"bound\"";
  out += ',';
  AppendField(out, "node", e.node);
  out += ",\"segmentId\":";
  out += e.state == kExportPublished ? std::to_string(e.segid) : "null";
  out += ",\"controller\":";
  AppendString(out, e.ctlr, kCtlrNameMax);
  out += ',';
  AppendField(out, "length", e.length);
  out += ',';
  AppendField(out, "pid", static_cast<uint32_t>(OwnerPid(l, e.owner, e.owner_inc)));
  out += ',';
  AppendBool(out, "ownerAlive", f.Alive(e.owner, e.owner_inc));
  out += ',';
  AppendField(out, "uid", e.uid);
  out += ',';
  AppendField(out, "gid", e.gid);
  out += ',';
  AppendField(out, "mode", e.default_mode);
  out += ',';
  AppendBool(out, "allowRebind", (e.flags & RSM_ALLOW_REBIND) != 0);
  out += ',';
  AppendField(out, "pendingSignals", PendingSignals(f, true, i, e.incarnation));
  out += ",\"accessList\":";
  if (e.state != kExportPublished || e.acl_len == 0) {
    // Not published, or published without a list: every node, under `mode`.
    out += "null";
  } else {
    out += '[';
    for (uint32_t a = 0; a < e.acl_len && a < kMaxAcl; ++a) {
      out += a == 0 ? "{" : ",{";
      AppendField(out, "node", e.acl[a].ae_node);
      out += ',';
      AppendField(out, "permission", e.acl[a].ae_permission);
      out += '}';
    }
    out += ']';
  }
  out += ",\"importers\":[";
  bool first = true;
  for (uint32_t m = 0; m < kMaxImports; ++m) {
    const ImportEntry& im = l->imports[m];
    if (!im.in_use || im.export_index != i || im.export_inc != e.incarnation) continue;
    out += first ? "{" : ",{";
    first = false;
    AppendField(out, "node", im.node);
    out += ',';
    AppendField(out, "pid", static_cast<uint32_t>(OwnerPid(l, im.owner, im.owner_inc)));
    out += ',';
    AppendField(out, "permission", im.mode);
    out += ',';
    AppendBool(out, "connected", im.disconnected == 0);
    out += ',';
    AppendField(out, "pendingSignals", PendingSignals(f, false, m, im.incarnation));
    out += '}';
  }
  out += "]}";
}

std::string Snapshot(Fabric& f) {
  FabricLock lock(f);
  std::string out = "{\"dir\":";
  AppendString(out, f.dir());
  out += ",\"processes\":[";
  bool first = true;
  for (uint32_t i = 0; i < kMaxProcs; ++i) {
    if (!f.layout()->procs[i].in_use) continue;
    if (!first) out += ',';
    first = false;
    AppendProcess(out, f, i);
  }
  out += "],\"segments\":[";
  first = true;
  for (uint32_t i = 0; i < kMaxExports; ++i) {
    if (f.layout()->exports[i].state == kExportFree) continue;
    if (!first) out += ',';
    first = false;
    AppendSegment(out, f, i);
  }
  out += "]}";
  return out;
}

// What the registry file of the cluster directory is, without creating it:
// "absent", "registry" (it starts with the registry's magic number),
// "foreign" (it does not) or "unreadable".
const char* RegistryState(const Config& c) {
  int fd = openat(c.dir_fd, kRegistryFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno == ENOENT ? "absent" : "unreadable";
  uint64_t magic = 0;
  ssize_t n = pread(fd, &magic, sizeof magic, 0);
  close(fd);
  if (n < 0) return "unreadable";
  return n == static_cast<ssize_t>(sizeof magic) && magic == kRegistryMagic ? "registry" : "foreign";
}

// The simulator's own files in a cluster directory, by name and type, with
// what each is; nullptr for anything else (a doorbell's name on a file that
// is no FIFO, say), which reset never touches. The registry counts only
// where RegistryState recognised it.
const char* SimFileKind(int dir_fd, const char* name, bool registry) {
  struct stat st;
  if (strcmp(name, kRegistryFile) == 0) return registry ? "registry" : nullptr;
  if (!IsDoorbellName(name) || fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return nullptr;
  return S_ISFIFO(st.st_mode) ? "doorbell" : nullptr;
}

struct SimFile {
  std::string name;
  const char* kind;
};

std::vector<SimFile> SimFiles(const Config& c) {
  std::vector<SimFile> files;
  int fd = dup(c.dir_fd);
  DIR* d = fd >= 0 ? fdopendir(fd) : nullptr;
  if (!d) {
    if (fd >= 0) close(fd);
    return files;
  }
  rewinddir(d);
  const bool registry = strcmp(RegistryState(c), "registry") == 0;
  while (dirent* e = readdir(d)) {
    if (const char* kind = SimFileKind(c.dir_fd, e->d_name, registry)) files.push_back({e->d_name, kind});
  }
  closedir(d);
  return files;
}

// The processes of the cluster other than this one that are running.
std::vector<uint32_t> OtherLiveProcesses(Fabric& f) {
  FabricLock lock(f);
  std::vector<uint32_t> slots;
  for (uint32_t i = 0; i < kMaxProcs; ++i) {
    const ProcEntry& p = f.layout()->procs[i];
    if (p.in_use && p.pid != getpid() && f.Alive(i, p.incarnation)) slots.push_back(i);
  }
  return slots;
}

bool UsableConfig(char* buf, size_t len, const Config** out) {
  const Config& c = GetConfig();
  if (!c.error.empty()) return Fail(c.error, buf, len), false;
  *out = &c;
  return true;
}

}  // namespace
}  // namespace rsmsim

using namespace rsmsim;

#define RSMSIM_EXTENSION(ret, name) extern "C" RSMSIM_VISIBLE ret rsmsim_ext_##name

RSMSIM_EXTENSION(const char*, config_error)(void) { return Fabric::OpenError(); }

RSMSIM_EXTENSION(int, local_node)(void) {
  const Config& c = GetConfig();
  return c.error.empty() ? static_cast<int>(c.node) : -1;
}

RSMSIM_EXTENSION(const char*, cluster_dir)(void) {
  const Config& c = GetConfig();
  return c.error.empty() ? c.dir.c_str() : "";
}

RSMSIM_EXTENSION(long, snapshot)(char* buf, size_t len) {
  std::string why;
  Fabric* f;
  if (Fabric::Get(&f, &why) != RSM_SUCCESS) return Fail(why, buf, len);
  return CopyOut(Snapshot(*f), buf, len);
}

RSMSIM_EXTENSION(long, describe_cluster)(char* buf, size_t len) {
  const Config* c;
  if (!UsableConfig(buf, len, &c)) return -1;
  std::string out = "{\"dir\":";
  AppendString(out, c->dir);
  out += ",\"registryFile\":";
  AppendString(out, kRegistryFile);
  out += ",\"registry\":\"";
  out += RegistryState(*c);
  out += "\",\"files\":[";
  bool first = true;
  for (const SimFile& file : SimFiles(*c)) {
    out += first ? "{\"name\":" : ",{\"name\":";
    first = false;
    AppendString(out, file.name);
    out += ",\"kind\":\"";
    out += file.kind;
    out += "\"}";
  }
  out += "]}";
  return CopyOut(out, buf, len);
}

RSMSIM_EXTENSION(long, reset)(int force, char* buf, size_t len) {
  const Config* c;
  if (!UsableConfig(buf, len, &c)) return -1;
  const std::string state = RegistryState(*c);
  // A file named like the registry that is none: not a cluster, so nothing
  // in it is the simulator's to remove. Without a registry the directory is
  // reset already but for the doorbells a killed process may have left;
  // those are removed, and no process can be using them.
  if (state == "foreign") return Fail(c->dir + "/" + kRegistryFile + " is not a simulator registry", buf, len);
  if (state != "registry" && state != "absent") return Fail("cannot read " + c->dir + "/" + kRegistryFile, buf, len);
  std::string why;
  Fabric* f = nullptr;
  std::vector<uint32_t> live;
  if (state == "absent") {
    // Opening the cluster would create a registry; there is nobody to ask.
  } else if (Fabric::Get(&f, &why) == RSM_SUCCESS) {
    live = OtherLiveProcesses(*f);
  } else if (!force) {
    // A damaged registry cannot say who uses it; force removes it anyway.
    return Fail("cannot read the cluster in " + c->dir + ": " + why, buf, len);
  }
  std::string out = "{\"dir\":";
  AppendString(out, c->dir);
  out += ",\"liveProcesses\":[";
  for (size_t i = 0; i < live.size(); ++i) {
    if (i) out += ',';
    AppendProcess(out, *f, live[i]);
  }
  out += "],";
  const bool refused = !live.empty() && !force;
  AppendBool(out, "reset", !refused);
  out += ",\"removed\":[";
  const std::string tail = "]}";
  size_t cut = 0;
  bool first = true;
  for (const SimFile& file : refused ? std::vector<SimFile>() : SimFiles(*c)) {
    if (unlinkat(c->dir_fd, file.name.c_str(), 0) != 0) continue;
    std::string item;
    AppendString(item, file.name);
    // A short buffer cuts the list, never the work; "more" counts the rest.
    if (cut > 0 || out.size() + item.size() + tail.size() + 32 >= len) {
      ++cut;
      continue;
    }
    if (!first) out += ',';
    first = false;
    out += item;
  }
  out += ']';
  if (cut > 0) {
    out += ',';
    AppendField(out, "more", cut);
  }
  out += '}';
  return CopyOut(out, buf, len);
}

RSMSIM_EXTENSION(int, fault)(const char* name, int node, long long value, char* why, size_t why_len) {
  std::string error;
  int rc = RSMERR_BAD_ARGS_ERRORS;
  if (!name) error = "no fault named";
  else if (node < 0 || node > static_cast<int>(kMaxNodeId)) error = "node " + std::to_string(node) + " is not a node id (" + kNodeIds + ")";
  else if (value < 0) error = std::string(name) + ": negative value " + std::to_string(value);
  else rc = InjectFault(name, static_cast<uint32_t>(node), static_cast<uint64_t>(value), &error);
  if (rc != RSM_SUCCESS && why) CopyOut(error, why, why_len);
  return rc;
}

RSMSIM_EXTENSION(long, list_faults)(char* buf, size_t len) {
  std::string why;
  Fabric* f;
  if (Fabric::Get(&f, &why) != RSM_SUCCESS) return Fail(why, buf, len);
  return CopyOut(FaultsJson(), buf, len);
}

RSMSIM_EXTENSION(int, import_torn_down)(void* memseg) { return ImportTornDown(memseg); }
