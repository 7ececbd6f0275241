// Placeholder: every entry point reports that it is not implemented yet.
#include "sim_api.h"

namespace {
template <typename R> R NotImplemented() { return static_cast<R>(RSMSIM_NOT_IMPLEMENTED); }
template <> void NotImplemented<void>() {}
}  // namespace

#define RSMSIM_PLACEHOLDER(ret, name, params) \
  extern "C" RSMSIM_VISIBLE ret RSMSIM_ENTRY(name) params { return NotImplemented<ret>(); }
RSMAPI_FOR_EACH_FUNCTION(RSMSIM_PLACEHOLDER)

extern "C" RSMSIM_VISIBLE const char* rsmsim_ext_config_error(void) { return "simulator not built yet"; }
extern "C" RSMSIM_VISIBLE int rsmsim_ext_local_node(void) { return -1; }
extern "C" RSMSIM_VISIBLE const char* rsmsim_ext_cluster_dir(void) { return ""; }
