#include "faults.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
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

// Environment values are 32-bit decimals: at most 10 digits.
constexpr size_t kMaxDigits = 10;

// What a fault takes and does when injected.
enum class FaultKind {
  kCount,      // a count of failures to come, 0..kMaxCount (RSM_SIM_FAULTS: <name>[@<node>]=<count>)
  kFlag,       // on (1) or off (0) (RSM_SIM_FAULTS: <name>=<node>)
  kCrash,      // an action, not settable from the environment
  kInterrupt,  // likewise
  kClear,      // likewise; every fault of every node
};

using FaultSlots = uint32_t (FaultTable::*)[kFaultNodes];

struct Fault {
  const char* name;  // as rsmsim_ext_fault and RSM_SIM_FAULTS spell it
  const char* json;  // as rsmsim_ext_list_faults reports it (settable faults only)
  FaultKind kind;
  FaultSlots slots;  // where the registry keeps it (settable faults only)
};

// The one table of faults. What each does, for importers on or connects
// to the node it is set on:
//   barrier_open_fail   the next N barrier opens fail with
//                       RSMERR_BARRIER_OPEN_FAILED;
//   barrier_close_fail  the next N barrier closes fail with
//                       RSMERR_BARRIER_FAILURE. Both count explicit
//                       open/close and the implicit ones of put/get in
//                       IMPLICIT mode, on non-loopback controllers only
//                       (docs/semantics.md §5.5); a forced disconnect is
//                       still reported first, without using up a failure.
//   unreachable         no path to other nodes: connects and import-side
//                       posts across fail with RSMERR_REMOTE_NODE_UNREACHABLE,
//                       and setting it tears down the connections across,
//                       as the driver does when a path fails.
//   unresponsive        connects to the node wait until the fault is
//                       cleared, the node becomes unreachable, or the
//                       connecting node is interrupted.
//   no_resources        export create and connect fail with
//                       RSMERR_INSUFFICIENT_RESOURCES; publish fails so with
//                       RSM_CREATE_SEG_DONTWAIT, else waits for the fault to
//                       clear (or an interrupt).
//   no_memory           export create and connect fail with
//                       RSMERR_INSUFFICIENT_MEM.
//   crash               the node's export segments vanish as if it had died
//                       (importers force-disconnected, doorbells removed, ids
//                       free); its own imports are cut off as well.
//   interrupt           every blocking call in progress on the node returns
//                       RSMERR_INTERRUPTED, as a Unix signal would.
//   clear               removes every fault of every node.
constexpr Fault kFaults[] = {
    {"barrier_open_fail", "barrierOpenFail", FaultKind::kCount, &FaultTable::barrier_open_fail},
    {"barrier_close_fail", "barrierCloseFail", FaultKind::kCount, &FaultTable::barrier_close_fail},
    {"unreachable", "unreachable", FaultKind::kFlag, &FaultTable::unreachable},
    {"unresponsive", "unresponsive", FaultKind::kFlag, &FaultTable::unresponsive},
    {"no_resources", "noResources", FaultKind::kFlag, &FaultTable::no_resources},
    {"no_memory", "noMemory", FaultKind::kFlag, &FaultTable::no_memory},
    {"crash", nullptr, FaultKind::kCrash, nullptr},
    {"interrupt", nullptr, FaultKind::kInterrupt, nullptr},
    {"clear", nullptr, FaultKind::kClear, nullptr},
};

bool Settable(const Fault& fault) { return fault.slots != nullptr; }

const Fault* FindFault(const std::string& name) {
  for (const Fault& fault : kFaults)
    if (name == fault.name) return &fault;
  return nullptr;
}

// The faults RSM_SIM_FAULTS may set, for its error message.
std::string SettableNames() {
  std::string names;
  for (const Fault& fault : kFaults) {
    if (!Settable(fault)) continue;
    if (!names.empty()) names += ", ";
    names += fault.name;
  }
  return names;
}

uint32_t& Slot(FaultTable& t, const Fault& fault, uint32_t node) { return (t.*fault.slots)[node]; }

void Rearm(FaultTable& t) {
  uint32_t any = 0;
  for (const Fault& fault : kFaults)
    if (Settable(fault))
      for (uint32_t n = 0; n < kFaultNodes; ++n) any |= Slot(t, fault, n);
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
  const Fault* fault = FindFault(name);
  if (!fault) {
    *error = "unknown fault '" + name + "'";
    return RSMERR_BAD_ARGS_ERRORS;
  }
  switch (fault->kind) {
    case FaultKind::kCount:
      if (value > kMaxCount) {
        *error = name + ": a count of at most " + std::to_string(kMaxCount) + " was expected";
        return RSMERR_BAD_ARGS_ERRORS;
      }
      Store(Slot(t, *fault, node), static_cast<uint32_t>(value));
      break;
    case FaultKind::kFlag:
      if (value > 1) {
        *error = name + ": 0 (off) or 1 (on) was expected";
        return RSMERR_BAD_ARGS_ERRORS;
      }
      Store(Slot(t, *fault, node), static_cast<uint32_t>(value));
      if (fault->slots == &FaultTable::unreachable && value == 1) CutPaths(f, node);
      break;
    case FaultKind::kCrash:
      CrashNode(f, lock, node);
      break;
    case FaultKind::kInterrupt:
      __atomic_add_fetch(&t.interrupts[node], 1, __ATOMIC_ACQ_REL);
      InterruptWaits(f, node);
      break;
    case FaultKind::kClear:
      for (const Fault& each : kFaults)
        if (Settable(each))
          for (uint32_t n = 0; n < kFaultNodes; ++n) Store(Slot(t, each, n), 0u);
      break;
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
      if (!ParseNumber(name.substr(at + 1), Radix::kDecimal, kMaxDigits, &n) || n > kMaxNodeId) return fail(std::string("expected @<node ") + kNodeIds + ">");
      node = static_cast<uint32_t>(n);
      name.erase(at);
      if (!FindFault(name) || FindFault(name)->kind != FaultKind::kCount)
        return fail("only barrier_open_fail and barrier_close_fail take @<node>");
    }
    uint64_t value;
    if (!ParseNumber(value_text, Radix::kDecimal, kMaxDigits, &value))
      return fail("the value is not a decimal number of at most " + std::to_string(kMaxDigits) + " digits");
    const Fault* fault = FindFault(name);
    FaultSetting s;
    s.name = name;
    if (fault && fault->kind == FaultKind::kCount) {
      if (value > kMaxCount) return fail("a count of at most " + std::to_string(kMaxCount) + " was expected");
      s.node = node;
      s.value = value;
    } else if (fault && fault->kind == FaultKind::kFlag) {
      if (value > kMaxNodeId) return fail(std::string("the value names a node, ") + kNodeIds);
      s.node = static_cast<uint32_t>(value);
      s.value = 1;
    } else {
      return fail("unknown fault (known: " + SettableNames() + ")");
    }
    for (const FaultSetting& o : *out)
      if (o.name == s.name && o.node == s.node) return fail("given twice for node " + std::to_string(s.node));
    out->push_back(s);
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

void AttachFaultTable(Fabric& f, const std::string& spec, uint32_t local_node) {
  g_fault_table = &f.layout()->faults;
  std::vector<FaultSetting> settings;
  std::string ignored;  // checked by the configuration already
  if (!ParseFaultSpec(spec.c_str(), local_node, &settings, &ignored)) return;
  if (settings.empty()) return;
  FabricLock lock(f);
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
    std::string fields;
    uint32_t any = 0;
    for (const Fault& fault : kFaults) {
      if (!Settable(fault)) continue;
      const uint32_t v = Load((t->*fault.slots)[n]);
      any |= v;
      fields += std::string(",\"") + fault.json + "\":" +
                (fault.kind == FaultKind::kCount ? std::to_string(v) : v ? "true" : "false");
    }
    if (!any) continue;
    out += std::string(first ? "" : ",") + "{\"node\":" + std::to_string(n) + fields + "}";
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
