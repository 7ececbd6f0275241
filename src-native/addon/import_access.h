// Every transfer of an import segment (put/get, putN/getN, single elements,
// putv/getv): plain N-API functions, bound (Function.prototype.bind) to a
// token of the connection for each access() call. They are its only transfer
// path.
//
// A method on the NativeImportSegment class pays for checking its receiver
// (type tag, then unwrap: about 140 ns on Node 20, several times the call
// itself; see bench/ and docs/semantics.md §4.4). A bound `this` cannot be
// replaced by the caller, and only the addon makes the token (an external),
// so these functions act on the connection they were bound to. What
// stays is what matters: the connection's state (a plain field, cleared at
// disconnect), the argument checks, and every check librsm itself makes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "../abi/rsmapi.h"
#include "../backend/backend.h"
#include "napi_include.h"

namespace rsmaddon {

// Shared by the import segment and its functions, since a function may
// outlive the segment object (JavaScript can keep `load32` and drop the
// rest); freed when the last of them lets go.
class ImportAccess {
 public:
  ImportAccess(const rsm::Backend* backend, rsm_memseg_import_handle_t handle) : backend_(backend), handle_(handle) {}
  ImportAccess(const ImportAccess&) = delete;
  ImportAccess& operator=(const ImportAccess&) = delete;

  // The connection is gone: from now on every function throws ERR_RSM_RELEASED.
  void Disconnected() { handle_ = nullptr; }

  // An object holding this connection's functions:
  //   load8/16/32(offset) -> number      load64(offset) -> bigint
  //   store8/16/32(offset, number)       store64(offset, bigint)
  //   putN/getN(bits, offset, view)      put/get(offset, view)
  //   putv/getv(count, table, locals, flags) -> io_residual_count (scatter_gather.h)
  //   counters() -> the transfer counters (Counters); works after disconnect
  // Each call makes new functions, bound to a token that holds `self`.
  static napi_value Functions(napi_env env, const std::shared_ptr<ImportAccess>& self);
  // The connection a function was bound to (its `this`); TypeError
  // ERR_INVALID_THIS for anything else.
  static ImportAccess* Of(napi_env env, napi_value self);

  rsm_memseg_import_handle_t handle() const { return handle_; }
  const rsm::Backend* backend() const { return backend_; }

  // Transfer counters of this connection, read by stats(): plain increments
  // on the success path (one thread: the environment's), a map only on the
  // error path. They outlive the disconnect, so stats() still reads them.
  void Put(uint64_t bytes) {
    ++puts_;
    put_bytes_ += bytes;
  }
  void Got(uint64_t bytes) {
    ++gets_;
    get_bytes_ += bytes;
  }
  void Failed(int rc) { ++failures_[rc]; }
  // [puts, putBytes, gets, getBytes, code, count, code, count, ...]
  napi_value Counters(napi_env env) const;

 private:
  const rsm::Backend* const backend_;
  rsm_memseg_import_handle_t handle_;
  uint64_t puts_ = 0;
  uint64_t put_bytes_ = 0;
  uint64_t gets_ = 0;
  uint64_t get_bytes_ = 0;
  std::map<int, uint64_t> failures_;
};

}  // namespace rsmaddon
