// Chooses the backend once per process, as RSM_BACKEND and RSM_LIBRARY say.
#include <cstdlib>
#include <mutex>
#include <string>

#include "loaders.h"

namespace rsm {
namespace {

struct Selection {
  Backend table;
  BackendInfo info;
  std::string error;  // non-empty when no backend could be loaded
  bool ok = false;
};

Selection Select() {
  Selection s;
  const char* env = std::getenv("RSM_BACKEND");
  std::string requested = (env != nullptr && env[0] != '\0') ? env : "auto";
  s.info.requested = requested;

  if (requested != "auto" && requested != "native" && requested != "sim") {
    s.info.name = "none";
    s.error = "RSM_BACKEND=" + requested +
              " is not a backend; use auto (the default), native or sim";
    s.info.reason = s.error;
    return s;
  }

  if (requested == "sim") {
    LoadSimBackend(&s.table);
    s.info.name = "sim";
    s.info.reason = "RSM_BACKEND=sim selects the built-in simulator";
    s.ok = true;
    return s;
  }

  std::string library;
  std::string problem;
  if (LoadNativeBackend(&s.table, &library, &problem)) {
    s.info.name = "native";
    s.info.library = library;
    s.info.reason = (requested == "native" ? "RSM_BACKEND=native; opened " : "opened ") + library;
    s.ok = true;
    return s;
  }

  if (requested == "native") {
    s.info.name = "none";
    s.error = "RSM_BACKEND=native but librsm is unavailable: " + problem +
              ". Install librsm (illumos: pkg install system/remote-shared-memory), "
              "point RSM_LIBRARY at a library with the RSMAPI, or unset RSM_BACKEND "
              "to fall back to the built-in simulator";
    s.info.reason = s.error;
    return s;
  }

  LoadSimBackend(&s.table);
  s.info.name = "sim";
  s.info.reason = problem + "; using the built-in simulator";
  s.ok = true;
  return s;
}

}  // namespace

const Backend* LoadBackend(BackendInfo* info, std::string* error) {
  // Decided once, by whichever thread (main or worker) loads the addon
  // first; never freed, so no thread can outlive the table it calls through.
  static std::once_flag once;
  static const Selection* selection = nullptr;
  std::call_once(once, [] { selection = new Selection(Select()); });
  if (info != nullptr) *info = selection->info;
  if (!selection->ok) {
    if (error != nullptr) *error = selection->error;
    return nullptr;
  }
  return &selection->table;
}

}  // namespace rsm
