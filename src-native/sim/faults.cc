#include "faults.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "fabric.h"
#include "signals.h"

namespace rsmsim {

FaultTable* g_fault_table = nullptr;

namespace {

constexpr uint64_t kMaxCount = 1000000;

template <typename T>
T Load(const T& v) {
  return __atomic_load_n(&v, __ATOMIC_ACQUIRE);
}
template <typename T>
void Store(T& v, T x) {
  __atomic_store_n(&v, x, __ATOMIC_RELEASE);
}

bool IsCountFault(const std::string& n) { return n == "barrier_open_fail" || n == "barrier_close_fail"; }
bool IsFlagFault(const std::string& n) {
  return n == "unreachable" || n == "unresponsive" || n == "no_resources" || n == "no_memory";
}

// Strict decimal: digits only, no sign, no spaces, at most 10 of them.
bool ParseDecimal(const std::string& s, uint64_t* out) {
  if (s.empty() || s.size() > 10) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

uint32_t* CountSlot(FaultTable& t, const std::string& name, uint32_t node) {
  return name == "barrier_open_fail" ? &t.barrier_open_fail[node] : &t.barrier_close_fail[node];
}

uint32_t* FlagSlot(FaultTable& t, const std::string& name, uint32_t node) {
  if (name == "unreachable") return &t.unreachable[node];
  if (name == "unresponsive") return &t.unresponsive[node];
  if (name == "no_resources") return &t.no_resources[node];
  return &t.no_memory[node];
}

void Rearm(FaultTable& t) {
  uint32_t any = 0;
  for (uint32_t n = 0; n < kFaultNodes; ++n)
    any |= t.barrier_open_fail[n] | t.barrier_close_fail[n] | t.unreachable[n] | t.unresponsive[n] |
           t.no_resources[n] | t.no_memory[n];
  Store(t.armed, any != 0 ? 1u : 0u);
}

void CutConnection(Fabric& f, uint32_t import_index) {
  ImportEntry& m = f.imp(import_index);
  Store(m.disconnected, 1u);
  __atomic_add_fetch(f.GenerationSlot(import_index), 1, __ATOMIC_RELEASE);
}

// The driver's reaction to a failed path: every connection between the node
// and another node is force-disconnected. Registry lock held.
void CutPaths(Fabric& f, uint32_t node) {
  for (uint32_t i = 0; i < kMaxImports; ++i) {
    const ImportEntry& m = f.imp(i);
    if (!m.in_use || m.disconnected) continue;
    if ((m.node == node) != (m.export_node == node)) CutConnection(f, i);
  }
}

// The node's exports vanish as when their processes die (Fabric's reaping),
// though the processes go on; its imports lose their connections.
void CrashNode(Fabric& f, const FabricLock& lock, uint32_t node) {
  for (uint32_t i = 0; i < kMaxExports; ++i) {
    ExportEntry& e = f.exp(i);
    if (e.state == kExportFree || e.node != node) continue;
    f.ForceDisconnectImporters(lock, i);
    DropDeadDoorbell(f, /*is_export=*/true, i, e.incarnation);
    f.FreeExport(lock, i);
  }
  for (uint32_t i = 0; i < kMaxImports; ++i) {
    const ImportEntry& m = f.imp(i);
    if (m.in_use && !m.disconnected && m.node == node) CutConnection(f, i);
  }
}

// Sleeps a moment between looks at the fault table. False when a signal
// arrived meanwhile: the blocking call returns RSMERR_INTERRUPTED, as the
// driver's interruptible waits do (illumos rsm.c, rsm_bind: a cv_wait_sig
// woken by a signal returns RSMERR_INTERRUPTED).
bool Pause() {
  timespec ts{0, 2 * 1000 * 1000};
  return nanosleep(&ts, nullptr) == 0 || errno != EINTR;
}

bool TakeOne(uint32_t* counter) {
  uint32_t v = Load(*counter);
  while (v > 0) {
    if (__atomic_compare_exchange_n(counter, &v, v - 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return true;
  }
  return false;
}

int InjectLocked(Fabric& f, const FabricLock& lock, const std::string& name, uint32_t node, uint64_t value,
                 std::string* error) {
  FaultTable& t = f.layout()->faults;
  if (IsCountFault(name)) {
    if (value > kMaxCount) {
      *error = name + ": a count of at most " + std::to_string(kMaxCount) + " was expected";
      return RSMERR_BAD_ARGS_ERRORS;
    }
    Store(*CountSlot(t, name, node), static_cast<uint32_t>(value));
  } else if (IsFlagFault(name)) {
    if (value > 1) {
      *error = name + ": 0 (off) or 1 (on) was expected";
      return RSMERR_BAD_ARGS_ERRORS;
    }
    Store(*FlagSlot(t, name, node), static_cast<uint32_t>(value));
    if (name == "unreachable" && value == 1) CutPaths(f, node);
  } else if (name == "crash") {
    CrashNode(f, lock, node);
  } else if (name == "interrupt") {
    __atomic_add_fetch(&t.interrupts[node], 1, __ATOMIC_ACQ_REL);
    InterruptWaits(f, node);
  } else if (name == "clear") {
    for (uint32_t n = 0; n < kFaultNodes; ++n) {
      Store(t.barrier_open_fail[n], 0u);
      Store(t.barrier_close_fail[n], 0u);
      Store(t.unreachable[n], 0u);
      Store(t.unresponsive[n], 0u);
      Store(t.no_resources[n], 0u);
      Store(t.no_memory[n], 0u);
    }
  } else {
    *error = "unknown fault '" + name + "'";
    return RSMERR_BAD_ARGS_ERRORS;
  }
  Rearm(t);
  return RSM_SUCCESS;
}

}  // namespace

bool ParseFaultSpec(const char* text, uint32_t local_node, std::vector<FaultSetting>* out, std::string* error) {
  const std::string all = text;
  if (all.empty()) return true;
  size_t start = 0;
  for (;;) {
    size_t comma = all.find(',', start);
    const std::string item = all.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto fail = [&](const std::string& why) {
      *error = "RSM_SIM_FAULTS: '" + item + "': " + why;
      return false;
    };
    const size_t eq = item.find('=');
    if (eq == std::string::npos) return fail("expected <fault>=<value>");
    std::string name = item.substr(0, eq);
    const std::string value_text = item.substr(eq + 1);
    uint32_t node = local_node;
    const size_t at = name.find('@');
    if (at != std::string::npos) {
      uint64_t n;
      if (!ParseDecimal(name.substr(at + 1), &n) || n > kMaxNodeId) return fail(std::string("expected @<node ") + kNodeIds + ">");
      node = static_cast<uint32_t>(n);
      name.erase(at);
      if (!IsCountFault(name)) return fail("only barrier_open_fail and barrier_close_fail take @<node>");
    }
    uint64_t value;
    if (!ParseDecimal(value_text, &value)) return fail("the value is not a decimal number of at most 10 digits");
    FaultSetting s;
    s.name = name;
    if (IsCountFault(name)) {
      if (value > kMaxCount) return fail("a count of at most " + std::to_string(kMaxCount) + " was expected");
      s.node = node;
      s.value = value;
    } else if (IsFlagFault(name)) {
      if (value > kMaxNodeId) return fail(std::string("the value names a node, ") + kNodeIds);
      s.node = static_cast<uint32_t>(value);
      s.value = 1;
    } else {
      return fail("unknown fault (known: barrier_open_fail, barrier_close_fail, unreachable, unresponsive, "
                  "no_resources, no_memory)");
    }
    for (const FaultSetting& o : *out)
      if (o.name == s.name && o.node == s.node) return fail("given twice for node " + std::to_string(s.node));
    out->push_back(s);
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

void AttachFaultTable(Fabric& f, const std::vector<FaultSetting>& settings) {
  g_fault_table = &f.layout()->faults;
  if (settings.empty()) return;
  FabricLock lock(f);
  std::string ignored;  // parsed already: every setting is valid
  for (const FaultSetting& s : settings) InjectLocked(f, lock, s.name, s.node, s.value, &ignored);
}

int InjectFault(const std::string& name, uint32_t node, uint64_t value, std::string* error) {
  if (node > kMaxNodeId) {
    *error = "node " + std::to_string(node) + " is not a node id (" + kNodeIds + ")";
    return RSMERR_BAD_ARGS_ERRORS;
  }
  Fabric* f;
  if (int rc = Fabric::Get(&f, error)) return rc;
  FabricLock lock(*f);
  return InjectLocked(*f, lock, name, node, value, error);
}

std::string FaultsJson() {
  std::string out = "{\"nodes\":[";
  const FaultTable* t = g_fault_table;
  bool first = true;
  for (uint32_t n = 0; t && n <= kMaxNodeId; ++n) {
    const uint32_t open = Load(t->barrier_open_fail[n]), close = Load(t->barrier_close_fail[n]);
    const uint32_t unreach = Load(t->unreachable[n]), unresp = Load(t->unresponsive[n]);
    const uint32_t res = Load(t->no_resources[n]), mem = Load(t->no_memory[n]);
    if (!(open | close | unreach | unresp | res | mem)) continue;
    auto flag = [](uint32_t v) { return v ? "true" : "false"; };
    out += std::string(first ? "" : ",") + "{\"node\":" + std::to_string(n) +
           ",\"barrierOpenFail\":" + std::to_string(open) + ",\"barrierCloseFail\":" + std::to_string(close) +
           ",\"unreachable\":" + flag(unreach) + ",\"unresponsive\":" + flag(unresp) +
           ",\"noResources\":" + flag(res) + ",\"noMemory\":" + flag(mem) + "}";
    first = false;
  }
  return out + "]}";
}

bool TakeBarrierOpenFault(uint32_t node) {
  return FaultsArmed() && node < kFaultNodes && TakeOne(&g_fault_table->barrier_open_fail[node]);
}

bool TakeBarrierCloseFault(uint32_t node) {
  return FaultsArmed() && node < kFaultNodes && TakeOne(&g_fault_table->barrier_close_fail[node]);
}

bool PathCut(uint32_t a, uint32_t b) {
  if (!FaultsArmed() || a == b || a >= kFaultNodes || b >= kFaultNodes) return false;
  return Load(g_fault_table->unreachable[a]) != 0 || Load(g_fault_table->unreachable[b]) != 0;
}

int ResourceFault(uint32_t node) {
  if (!FaultsArmed() || node >= kFaultNodes) return RSM_SUCCESS;
  if (Load(g_fault_table->no_memory[node])) return RSMERR_INSUFFICIENT_MEM;
  if (Load(g_fault_table->no_resources[node])) return RSMERR_INSUFFICIENT_RESOURCES;
  return RSM_SUCCESS;
}

int WaitForResources(uint32_t node, bool dontwait) {
  if (!FaultsArmed() || node >= kFaultNodes) return RSM_SUCCESS;
  FaultTable& t = *g_fault_table;
  const uint32_t interrupts = Load(t.interrupts[node]);
  while (Load(t.no_resources[node])) {
    if (dontwait) return RSMERR_INSUFFICIENT_RESOURCES;
    if (Load(t.interrupts[node]) != interrupts || !Pause()) return RSMERR_INTERRUPTED;
  }
  return RSM_SUCCESS;
}

int WaitForAnswer(uint32_t local, uint32_t remote) {
  if (!FaultsArmed() || local >= kFaultNodes || remote >= kFaultNodes || local == remote) return RSM_SUCCESS;
  FaultTable& t = *g_fault_table;
  const uint32_t interrupts = Load(t.interrupts[local]);
  while (Load(t.unresponsive[remote])) {
    if (PathCut(local, remote)) return RSMERR_REMOTE_NODE_UNREACHABLE;
    if (Load(t.interrupts[local]) != interrupts || !Pause()) return RSMERR_INTERRUPTED;
  }
  return RSM_SUCCESS;
}

}  // namespace rsmsim
