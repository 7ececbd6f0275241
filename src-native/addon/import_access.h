// Every transfer of an import segment (put/get, putN/getN, single elements,
// putv/getv): plain N-API functions made once per connection, each bound to
// the connection through its callback data. They are its only transfer path.
//
// A method on the NativeImportSegment class pays for checking its receiver
// (type tag, then unwrap: about 140 ns on Node 20, several times the call
// itself; see bench/ and docs/semantics.md §4.4). These functions have no receiver to check:
// whatever `this` is, they act on the connection they were made for. What
// stays is what matters: the connection's state (a plain field, cleared at
// disconnect), the argument checks, and every check librsm itself makes.
#pragma once

#include "../abi/rsmapi.h"
#include "../backend/backend.h"
#include "napi_include.h"

namespace rsmaddon {

// Shared by the import segment and each of its functions, since a function
// may outlive the segment object (JavaScript can keep `load32` and drop the
// rest); freed when the last of them lets go.
class ImportAccess {
 public:
  // One reference, the caller's.
  static ImportAccess* New(const rsm::Backend* backend, rsm_memseg_import_handle_t handle);

  ImportAccess(const ImportAccess&) = delete;
  ImportAccess& operator=(const ImportAccess&) = delete;

  // The connection is gone: from now on every function throws ERR_RSM_RELEASED.
  void Disconnected() { handle_ = nullptr; }
  // Drops one reference.
  void Release();

  // An object holding this connection's functions:
  //   load8/16/32(offset) -> number      load64(offset) -> bigint
  //   store8/16/32(offset, number)       store64(offset, bigint)
  //   putN/getN(bits, offset, view)      put/get(offset, view)
  //   putv/getv(entries, flags) -> io_residual_count (scatter_gather.h)
  napi_value Functions(napi_env env);

  rsm_memseg_import_handle_t handle() const { return handle_; }
  const rsm::Backend* backend() const { return backend_; }

 private:
  ImportAccess(const rsm::Backend* backend, rsm_memseg_import_handle_t handle) : backend_(backend), handle_(handle) {}

  const rsm::Backend* const backend_;
  rsm_memseg_import_handle_t handle_;
  unsigned refs_ = 1;
};

}  // namespace rsmaddon
