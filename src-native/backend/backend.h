// The table of RSMAPI entry points the addon calls through, and the loaders
// that fill it: the real librsm (dlopen) or the built-in simulator.
#pragma once

#include <string>

#include "../abi/rsmapi.h"
#include "../abi/rsmsim_extensions.h"

namespace rsm {

// One function pointer per librsm entry point, generated from the one list.
struct Backend {
#define RSM_BACKEND_FIELD(ret, name, params) ret(*name) params = nullptr;
  RSMAPI_FOR_EACH_FUNCTION(RSM_BACKEND_FIELD)
#undef RSM_BACKEND_FIELD

  // Optional: the simulator's extensions, ext_<name> for rsmsim_ext_<name>
  // of the one list (abi/rsmsim_extensions.h): the built-in simulator's, or
  // those librsmsim.so exports. A real librsm has none: all nullptr.
#define RSM_BACKEND_EXTENSION(ret, name, params) ret(*ext_##name) params = nullptr;
  RSMSIM_FOR_EACH_EXTENSION(RSM_BACKEND_EXTENSION)
#undef RSM_BACKEND_EXTENSION
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
