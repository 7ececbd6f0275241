// Everything the addon keeps per Node.js environment (main thread or
// worker). Nothing here is shared between environments; only the backend
// table it points to is process-wide, and that never changes once loaded.
#pragma once

#include <memory>
#include <string>

#include "../backend/backend.h"
#include "connection_loss_watch.h"
#include "handle_registry.h"
#include "napi_include.h"

namespace rsmaddon {

struct AddonState {
  napi_env env = nullptr;

  // The loaded backend; nullptr when it could not be loaded (backend_error
  // says why). Immutable and process-wide.
  const rsm::Backend* backend = nullptr;
  rsm::BackendInfo backend_info;
  std::string backend_error;

  // The class RSMAPI failures are thrown as (setErrorFactory).
  Napi::FunctionReference error_factory;

  // Handle classes of this environment.
  Napi::FunctionReference controller_class;
  Napi::FunctionReference export_class;
  Napi::FunctionReference import_class;
  Napi::FunctionReference mapping_class;
  Napi::FunctionReference barrier_class;
  Napi::FunctionReference local_memory_class;

  // Handle constructors accept only this value (never exposed to JavaScript)
  // as their first argument, so `new NativeController()` cannot make one.
  Napi::Reference<Napi::Value> construct_token;

  // Property keys of the hidden edges between a handle and its ArrayBuffer
  // (see owned_buffer.h).
  Napi::Reference<Napi::Symbol> owner_key;
  Napi::Reference<Napi::Symbol> buffer_key;

  // The transfer functions of import segments, unbound (import_access.cc).
  Napi::Reference<Napi::Array> access_functions;

  // Every live handle of this environment, released newest first when the
  // environment goes away.
  HandleRegistry registry;

  // Pending waits on imports, checked for a torn-down connection.
  ConnectionLossWatch loss_watch;

  // Set by the environment cleanup hook; from then on no JavaScript runs and
  // finalizers must not look at parents or children.
  bool tearing_down = false;
  // Set at process.on('exit'): what is released from then on is released by
  // the exit, not by the application.
  bool exiting = false;
};

}  // namespace rsmaddon
