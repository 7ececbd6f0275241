#include "local_memory.h"

#include <map>
#include <mutex>

#include "handles.h"

namespace rsmsim {

namespace {

// address -> lengths of the live handles over it (newest last).
std::multimap<const void*, size_t>& Live() {
  // Never destroyed: entry points may run while the process exits.
  static auto* live = [] {
    using M = std::multimap<const void*, size_t>;
    static std::aligned_storage_t<sizeof(M), alignof(M)> storage;
    return ::new (&storage) M();
  }();
  return *live;
}

}  // namespace

void LocalMemoryCreated(const void* vaddr, size_t length) {
  std::lock_guard<std::mutex> lock(ProcessMutex());
  Live().emplace(vaddr, length);
}

void LocalMemoryFreed(const void* handle) {
  std::lock_guard<std::mutex> lock(ProcessMutex());
  auto range = Live().equal_range(handle);
  if (range.first != range.second) Live().erase(std::prev(range.second));
}

size_t LocalMemoryLength(const void* handle) {
  std::lock_guard<std::mutex> lock(ProcessMutex());
  size_t longest = 0;
  auto range = Live().equal_range(handle);
  for (auto it = range.first; it != range.second; ++it)
    if (it->second > longest) longest = it->second;
  return longest;
}

}  // namespace rsmsim
