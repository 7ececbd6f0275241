#include "handles.h"

#include <pthread.h>

#include <vector>

namespace rsmsim {

namespace {

// Open-addressing set of record addresses. Inserts happen under the process
// mutex; lookups read without a lock. Nothing is ever removed (records are
// recycled), so a probe can stop at the first empty slot.
constexpr size_t kSetSlots = size_t{1} << 16;
constexpr size_t kMaxRecords = kSetSlots / 2;

std::atomic<uintptr_t> g_set[kSetSlots];
std::atomic<uint32_t> g_epoch{1};

size_t Hash(uintptr_t p) { return static_cast<size_t>((p >> 4) * 0x9E3779B97F4A7C15ull >> 48) & (kSetSlots - 1); }

struct Registry {
  std::vector<std::unique_ptr<HandleRec>> owned;
  std::vector<HandleRec*> free_exports;
  std::vector<HandleRec*> free_imports;
};

Registry& Reg() {
  // Never destroyed: entry points may run while the process exits.
  static Registry* reg = [] {
    static std::aligned_storage_t<sizeof(Registry), alignof(Registry)> storage;
    return ::new (&storage) Registry();
  }();
  return *reg;
}

void InstallForkHandlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Hold the process mutex across fork so the child never inherits it
    // locked by a thread that does not exist there.
    pthread_atfork([] { ProcessMutex().lock(); }, [] { ProcessMutex().unlock(); },
                   [] {
                     g_epoch.fetch_add(1);
                     ProcessMutex().unlock();
                   });
  });
}

template <typename T>
T* AcquireLocked(std::vector<HandleRec*>* free_list) {
  Registry& reg = Reg();
  T* rec = nullptr;
  if (free_list && !free_list->empty()) {
    rec = static_cast<T*>(free_list->back());
    free_list->pop_back();
  } else {
    if (reg.owned.size() >= kMaxRecords) return nullptr;
    auto fresh = std::make_unique<T>();
    rec = fresh.get();
    reg.owned.push_back(std::move(fresh));
    uintptr_t key = reinterpret_cast<uintptr_t>(rec);
    for (size_t i = Hash(key);; i = (i + 1) & (kSetSlots - 1)) {
      if (g_set[i].load(std::memory_order_relaxed) == 0) {
        g_set[i].store(key, std::memory_order_release);
        break;
      }
    }
  }
  rec->epoch = g_epoch.load();
  rec->live.store(true, std::memory_order_release);
  return rec;
}

template <typename T>
T* Acquire(std::vector<HandleRec*>* free_list) {
  InstallForkHandlers();
  std::lock_guard<std::mutex> lock(ProcessMutex());
  return AcquireLocked<T>(free_list);
}

}  // namespace

std::mutex& ProcessMutex() {
  static std::mutex* mu = [] {
    static std::aligned_storage_t<sizeof(std::mutex), alignof(std::mutex)> storage;
    return ::new (&storage) std::mutex();
  }();
  return *mu;
}

void ExportRec::Clear() {
  ctlr = nullptr;
  vaddr = nullptr;
  size = 0;
  flags = 0;
  state = SegState::kNone;
  entry = entry_inc = segid = 0;
  pollfd_count = 0;
  backing.reset();
  backing_offset = 0;
}

void ImportRec::Clear() {
  ctlr = nullptr;
  node = segid = perm = mode = 0;
  size = 0;
  fd.Reset();
  file_offset = 0;
  entry = entry_inc = export_index = export_owner = export_owner_inc = export_inc = export_key = 0;
  export_pid = 0;
  gen_slot = nullptr;
  connect_gen = 0;
  state = SegState::kNone;
  implicit = false;
  mapping.Reset();
  map_base = nullptr;
  map_offset = 0;
  map_len = 0;
  map_prot = 0;
  barrier_mode = RSM_BARRIER_MODE_IMPLICIT;
  barrier = nullptr;
  pollfd_count = 0;
  touched_after_cut = false;
}

ControllerRec* NewControllerLocked() {
  InstallForkHandlers();
  return AcquireLocked<ControllerRec>(nullptr);
}
ExportRec* NewExport() { return Acquire<ExportRec>(&Reg().free_exports); }
ImportRec* NewImport() { return Acquire<ImportRec>(&Reg().free_imports); }

void ReleaseHandle(HandleRec* h) {
  h->live.store(false, std::memory_order_release);
  h->Clear();
  std::lock_guard<std::mutex> lock(ProcessMutex());
  if (h->kind == Kind::kExport) Reg().free_exports.push_back(h);
  else if (h->kind == Kind::kImport) Reg().free_imports.push_back(h);
}

HandleRec* FindHandle(const void* p) {
  uintptr_t key = reinterpret_cast<uintptr_t>(p);
  if (key == 0) return nullptr;
  for (size_t i = Hash(key);; i = (i + 1) & (kSetSlots - 1)) {
    uintptr_t v = g_set[i].load(std::memory_order_acquire);
    if (v == key) return reinterpret_cast<HandleRec*>(key);
    if (v == 0) return nullptr;
  }
}

bool OwnedHere(const HandleRec* h) { return h->epoch == g_epoch.load(std::memory_order_relaxed); }

ExportRec* LiveExport(const void* p) {
  HandleRec* h = FindHandle(p);
  if (!h || h->kind != Kind::kExport || !h->live.load(std::memory_order_acquire) || !OwnedHere(h)) return nullptr;
  return static_cast<ExportRec*>(h);
}

ImportRec* LiveImport(const void* p) {
  HandleRec* h = FindHandle(p);
  if (!h || h->kind != Kind::kImport || !h->live.load(std::memory_order_acquire) || !OwnedHere(h)) return nullptr;
  return static_cast<ImportRec*>(h);
}

ExportRec* LiveExportAnyProcess(const void* p) {
  HandleRec* h = FindHandle(p);
  if (!h || h->kind != Kind::kExport || !h->live.load(std::memory_order_acquire)) return nullptr;
  return static_cast<ExportRec*>(h);
}

ImportRec* LiveImportAnyProcess(const void* p) {
  HandleRec* h = FindHandle(p);
  if (!h || h->kind != Kind::kImport || !h->live.load(std::memory_order_acquire)) return nullptr;
  return static_cast<ImportRec*>(h);
}

ControllerRec* AnyController(const void* p) {
  HandleRec* h = FindHandle(p);
  return h && h->kind == Kind::kController ? static_cast<ControllerRec*>(h) : nullptr;
}

}  // namespace rsmsim
