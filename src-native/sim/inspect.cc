// rsmsim_ext_list_segments: a snapshot of the cluster registry as JSON, for
// `rsm segments` (what ipcs is to System V IPC). It only reads: it takes the
// registry lock for a consistent picture but claims no process slot, reaps
// nobody, and tells dead owners apart by their liveness locks instead.
#include <stdio.h>
#include <string.h>

#include <string>

#include "config.h"
#include "fabric.h"
#include "sim_api.h"

namespace rsmsim {
namespace {

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

std::string Snapshot(Fabric& f) {
  FabricLock lock(f);
  const FabricLayout* l = f.layout();
  std::string out = "{\"dir\":";
  AppendString(out, f.dir().c_str(), f.dir().size());
  out += ",\"processes\":[";
  bool first = true;
  for (uint32_t i = 0; i < kMaxProcs; ++i) {
    const ProcEntry& p = l->procs[i];
    if (!p.in_use) continue;
    out += first ? "{" : ",{";
    first = false;
    AppendField(out, "slot", i);
    out += ',';
    AppendField(out, "pid", static_cast<uint32_t>(p.pid));
    out += ',';
    AppendField(out, "node", p.node);
    out += ',';
    AppendBool(out, "alive", f.Alive(i, p.incarnation));
    out += '}';
  }
  out += "],\"segments\":[";
  first = true;
  for (uint32_t i = 0; i < kMaxExports; ++i) {
    const ExportEntry& e = l->exports[i];
    if (e.state == kExportFree) continue;
    out += first ? "{" : ",{";
    first = false;
    out += "\"state\":";
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
    bool first_import = true;
    for (uint32_t m = 0; m < kMaxImports; ++m) {
      const ImportEntry& im = l->imports[m];
      if (!im.in_use || im.export_index != i || im.export_inc != e.incarnation) continue;
      out += first_import ? "{" : ",{";
      first_import = false;
      AppendField(out, "node", im.node);
      out += ',';
      AppendField(out, "pid", static_cast<uint32_t>(OwnerPid(l, im.owner, im.owner_inc)));
      out += ',';
      AppendField(out, "permission", im.mode);
      out += ',';
      AppendBool(out, "connected", im.disconnected == 0);
      out += '}';
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

}  // namespace
}  // namespace rsmsim

extern "C" RSMSIM_VISIBLE long rsmsim_ext_list_segments(char* buf, size_t len) {
  std::string error;
  rsmsim::Fabric* f = rsmsim::Fabric::Get(&error);
  std::string text = f ? rsmsim::Snapshot(*f) : error;
  if (buf && len > 0) {
    size_t n = text.size() < len - 1 ? text.size() : len - 1;
    memcpy(buf, text.data(), n);
    buf[n] = '\0';
  }
  return f ? static_cast<long>(text.size()) : -1;
}
