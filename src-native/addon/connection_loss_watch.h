// One timer per environment, running while import waits are pending: the
// driver wakes no poller when it tears a connection down (illumos
// usr/src/uts/common/io/rsm/rsm.c, rsm_closeconnection), so a wait on an import whose exporter unpublished,
// destroyed or died would never end. Each tick asks the backend
// (rsmsim_ext_import_torn_down: a load from shared memory, no system call;
// a real librsm has no such call, and its waits stay pending as there).
#pragma once

#include <vector>

#include "napi_include.h"

namespace rsmaddon {

class PendingWait;

class ConnectionLossWatch {
 public:
  ConnectionLossWatch() = default;
  ConnectionLossWatch(const ConnectionLossWatch&) = delete;
  ConnectionLossWatch& operator=(const ConnectionLossWatch&) = delete;
  ~ConnectionLossWatch();

  // Watches `wait` until Remove; false if no timer could be made.
  bool Add(napi_env env, PendingWait* wait);
  void Remove(PendingWait* wait);

 private:
  struct Timer;
  static void OnTick(Timer* timer);

  // Owned by libuv once made: freed by its close callback, which may run
  // after this object is gone.
  Timer* timer_ = nullptr;
  std::vector<PendingWait*> waits_;
};

}  // namespace rsmaddon
