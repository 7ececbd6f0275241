// The live handles of one environment, in creation order, so the
// environment's cleanup hook can release them newest first (children before
// the parents they were made from).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace rsmaddon {

class HandleBase;

class HandleRegistry {
 public:
  // Returns the handle's sequence number (its creation order).
  uint64_t Add(HandleBase* handle);
  void Remove(uint64_t seq);
  std::vector<HandleBase*> NewestFirst() const;
  size_t size() const { return live_.size(); }

 private:
  uint64_t next_seq_ = 1;
  std::map<uint64_t, HandleBase*> live_;
};

}  // namespace rsmaddon
