// The native backend: the system's librsm (or the library RSM_LIBRARY
// names), opened with dlopen so the addon loads on hosts that have none.
#include <dlfcn.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "loaders.h"

namespace rsm {
namespace {

std::vector<std::string> Candidates() {
  const char* forced = std::getenv("RSM_LIBRARY");
  if (forced != nullptr && forced[0] != '\0') return {forced};
  // librsm.so.2 is what the illumos package installs; the unversioned name
  // covers builds that only ship the development link.
  return {"librsm.so.2", "librsm.so"};
}

std::string LastDlError() {
  const char* message = dlerror();
  return message != nullptr ? message : "unknown dynamic loader error";
}

// Resolves every entry point of the one list from `handle`. Returns the name
// of the first missing one ("" when all are present).
std::string ResolveAll(void* handle, Backend* table, std::string* dl_message) {
#define RSM_RESOLVE(ret, name, params)                                 \
  dlerror();                                                           \
  table->name = reinterpret_cast<ret(*) params>(dlsym(handle, #name)); \
  if (table->name == nullptr) {                                        \
    *dl_message = LastDlError();                                       \
    return #name;                                                      \
  }
  RSMAPI_FOR_EACH_FUNCTION(RSM_RESOLVE)
#undef RSM_RESOLVE
  // Present only in the simulator built as a library; a real librsm lacks
  // them, and they stay nullptr.
#define RSM_RESOLVE_EXTENSION(ret, name, params) \
  table->ext_##name = reinterpret_cast<ret(*) params>(dlsym(handle, "rsmsim_ext_" #name));
  RSMSIM_FOR_EACH_EXTENSION(RSM_RESOLVE_EXTENSION)
#undef RSM_RESOLVE_EXTENSION
  dlerror();
  return "";
}

// The file the dynamic loader actually picked, for backend() reports.
std::string OpenedPath(const Backend& table, const std::string& requested) {
  Dl_info where;
  if (dladdr(reinterpret_cast<void*>(table.rsm_get_controller), &where) != 0 &&
      where.dli_fname != nullptr && where.dli_fname[0] != '\0') {
    return where.dli_fname;
  }
  return requested;
}

}  // namespace

std::string NativeLibraryCandidates() {
  std::string joined;
  for (const std::string& path : Candidates()) {
    if (!joined.empty()) joined += ", ";
    joined += path;
  }
  return joined;
}

bool LoadNativeBackend(Backend* table, std::string* library, std::string* error) {
  std::string problems;
  for (const std::string& path : Candidates()) {
    if (!problems.empty()) problems += "; ";
    dlerror();
    // RTLD_LOCAL: the library's rsm_* names must not become visible to other
    // objects (nor interpose on a simulator that was loaded some other way).
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      problems += path + " could not be opened (" + LastDlError() + ")";
      continue;
    }
    Backend candidate;
    std::string dl_message;
    std::string missing = ResolveAll(handle, &candidate, &dl_message);
    if (!missing.empty()) {
      problems += path + " has no symbol " + missing + " (" + dl_message + ")";
      dlclose(handle);
      continue;
    }
    // The handle stays open for the life of the process: the table points
    // into the library and is shared by every thread and environment.
    *table = candidate;
    *library = OpenedPath(candidate, path);
    return true;
  }
  *error = problems;
  return false;
}

}  // namespace rsm
