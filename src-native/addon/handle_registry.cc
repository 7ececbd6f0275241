#include "handle_registry.h"

namespace rsmaddon {

uint64_t HandleRegistry::Add(HandleBase* handle) {
  uint64_t seq = next_seq_++;
  live_.emplace(seq, handle);
  return seq;
}

void HandleRegistry::Remove(uint64_t seq) { live_.erase(seq); }

std::vector<HandleBase*> HandleRegistry::NewestFirst() const {
  std::vector<HandleBase*> out;
  out.reserve(live_.size());
  for (auto it = live_.rbegin(); it != live_.rend(); ++it) out.push_back(it->second);
  return out;
}

}  // namespace rsmaddon
