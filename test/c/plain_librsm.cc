// A stand-in for a real librsm: every RSMAPI entry point, none of the
// simulator's extensions, and no controller (each call fails with
// RSMERR_CTLR_NOT_PRESENT). The native backend opened on it must report the
// simulator's extensions unavailable (test/sim-inspect.test.js).
#include <type_traits>

extern "C" {
#include "rsmapi.h"
}

namespace {

template <typename R>
R NotPresent() {
  if constexpr (std::is_void_v<R>) return;
  else return static_cast<R>(RSMERR_CTLR_NOT_PRESENT);
}

}  // namespace

extern "C" {
#define PLAIN_ENTRY(ret, name, params) \
  __attribute__((visibility("default"))) ret name params { return NotPresent<ret>(); }
RSMAPI_FOR_EACH_FUNCTION(PLAIN_ENTRY)
#undef PLAIN_ENTRY
}
