// The table of RSMAPI entry points the addon calls through, and the loaders
// that fill it: the real librsm (dlopen) or the built-in simulator.
#pragma once

#include <string>

#include "../abi/rsmapi.h"

namespace rsm {

// One function pointer per librsm entry point, generated from the one list.
struct Backend {
#define RSM_BACKEND_FIELD(ret, name, params) ret(*name) params = nullptr;
  RSMAPI_FOR_EACH_FUNCTION(RSM_BACKEND_FIELD)
#undef RSM_BACKEND_FIELD

  // Optional: the simulator's rsmsim_ext_config_error (the built-in one, or
  // the one librsmsim.so exports). A real librsm has none: nullptr.
  const char* (*ext_config_error)(void) = nullptr;
  // Optional: the simulator's fault injection (rsmsim_ext_fault,
  // rsmsim_ext_list_faults in sim_api.h); nullptr for a real librsm.
  int (*ext_fault)(const char* name, int node, long long value, char* why, size_t why_len) = nullptr;
  long (*ext_list_faults)(char* buf, size_t len) = nullptr;
  int (*ext_import_torn_down)(void* memseg) = nullptr;
};

// What the loader decided, for backend() in the facade.
struct BackendInfo {
  std::string name;       // "native", "sim", or "none" when loading failed
  std::string requested;  // RSM_BACKEND as given: "auto", "native" or "sim"
  std::string library;    // path opened by the native loader ("" for sim)
  std::string reason;     // why this backend is live (or why native is not)
};

// Selects and loads the backend once per process, as RSM_BACKEND and
// RSM_LIBRARY say. Thread-safe. On failure returns nullptr and sets *error
// to a message naming what is missing (library or symbol). The table is
// never modified or freed afterwards, so every thread may call through it.
const Backend* LoadBackend(BackendInfo* info, std::string* error);

}  // namespace rsm
