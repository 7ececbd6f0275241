// putv/getv of a connection (rsm_memseg_import_putv / getv). The facade
// hands the request over flat: one Float64Array of rows (local index, local
// offset, remote offset, length) and the local memories the rows name (one,
// or an array), so the entries are read as numbers, not as properties. The
// facade has checked everything a caller can get wrong; what stays here is
// what memory safety needs: no entry reaches outside the local memory it
// names, as that memory is when the call is made.
#include "scatter_gather.h"

#include <array>
#include <cmath>
#include <string>

#include "args.h"
#include "errors.h"
#include "import_access.h"
#include "local_memory.h"

namespace rsmaddon {

namespace {

constexpr size_t kRowWidth = 4;  // local index, local offset, remote offset, length
// The most entries the library takes, and so the most this call holds (on
// the stack: a putv costs no allocation). The facade never sends more.
constexpr uint32_t kMaxRows = RSM_MAX_SGIOREQS;

// One local memory, resolved to the library's terms.
struct Local {
  int io_type;
  rsm_localmemory_handle_t handle;
  caddr_t vaddr;
  size_t size;
};

// A row's number as a size: false unless a whole number from 0 to 2^53 - 1.
bool RowNumber(double value, size_t* out) {
  if (!(value >= 0 && value <= kMaxSafeInteger) || std::trunc(value) != value) return false;
  *out = static_cast<size_t>(value);
  return true;
}

Local ResolveLocal(napi_env raw_env, napi_value value) {
  Napi::Env env(raw_env);
  bool is_view = false;
  napi_is_typedarray(raw_env, value, &is_view);
  if (!is_view) napi_is_dataview(raw_env, value, &is_view);
  if (is_view) {
    // A typed array or DataView, attached: its own bytes, by address.
    ViewBytes bytes = ViewValue(raw_env, value, "scatter/gather local");
    return Local{RSM_VA_TYPE, nullptr, static_cast<caddr_t>(bytes.data), bytes.length};
  }
  bool is_local_memory = false;
  napi_valuetype type = napi_undefined;
  napi_typeof(raw_env, value, &type);
  if (type != napi_object ||
      napi_check_object_type_tag(raw_env, value, &NativeLocalMemory::kTypeTag, &is_local_memory) != napi_ok ||
      !is_local_memory) {
    throw ArgTypeError(env, "scatter/gather: a local is neither a local memory handle nor a view");
  }
  NativeLocalMemory* memory = NativeLocalMemory::Unwrap(Napi::Object(env, value));
  if (!memory->live()) throw ReleasedError(env, "scatter/gather local memory is freed");
  return Local{RSM_HANDLE_TYPE, memory->handle(), nullptr, memory->size()};
}

// A row of the table, as numbers checked to be sizes.
struct Row {
  size_t index, local_offset, remote_offset, length;
};

napi_value ScatterGather(napi_env raw_env, napi_callback_info cbinfo, bool put) {
  return Guarded(raw_env, [&]() -> napi_value {
    Napi::Env env(raw_env);
    napi_value argv[4];
    size_t argc = 4;
    napi_value self = nullptr;
    napi_get_cb_info(raw_env, cbinfo, &argc, argv, &self, nullptr);  // missing arguments read as undefined
    ImportAccess* access = ImportAccess::Of(raw_env, self);
    const uint32_t count = Uint32Value(raw_env, argv[0], "count");
    if (count > kMaxRows) throw ArgRangeError(env, "scatter/gather: too many entries");
    const uint32_t flags = Uint32Value(raw_env, argv[3], "flags");
    // The rows, copied out before any JavaScript can run.
    napi_typedarray_type table_type = napi_uint8_array;
    size_t table_length = 0;
    void* table_data = nullptr;
    bool is_typed = false;
    napi_is_typedarray(raw_env, argv[1], &is_typed);
    if (!is_typed ||
        napi_get_typedarray_info(raw_env, argv[1], &table_type, &table_length, &table_data, nullptr, nullptr) !=
            napi_ok ||
        table_type != napi_float64_array) {
      throw ArgTypeError(env, "scatter/gather: table must be a Float64Array");
    }
    if (table_length / kRowWidth < count || (count > 0 && table_data == nullptr)) {
      throw ArgRangeError(env, "scatter/gather: table is shorter than count rows");
    }
    std::array<Row, kMaxRows> rows;  // only the first `count` are used; not zeroed, it would cost more than the call
    size_t local_count = 0;
    for (uint32_t i = 0; i < count; ++i) {
      const double* row = static_cast<const double*>(table_data) + i * kRowWidth;
      Row& r = rows[i];
      if (!RowNumber(row[0], &r.index) || r.index >= kMaxRows || !RowNumber(row[1], &r.local_offset) ||
          !RowNumber(row[2], &r.remote_offset) || !RowNumber(row[3], &r.length)) {
        throw ArgRangeError(env, "scatter/gather: bad row " + std::to_string(i));
      }
      if (r.index >= local_count) local_count = r.index + 1;
    }
    // The locals the rows name: one value, or an array of them. Every
    // element is read first: it may be a getter, which may free, detach,
    // unmap or disconnect anything, so nothing is resolved to an address
    // until all of them have been read.
    std::array<napi_value, kMaxRows> local_values;
    bool is_array = false;
    napi_is_array(raw_env, argv[2], &is_array);
    if (is_array) {
      for (size_t i = 0; i < local_count; ++i) {
        if (napi_get_element(raw_env, argv[2], static_cast<uint32_t>(i), &local_values[i]) != napi_ok) {
          throw Napi::Error::New(env);
        }
      }
    } else {
      if (local_count > 1) throw ArgRangeError(env, "scatter/gather: rows name more than the one local given");
      local_values[0] = argv[2];
    }
    // No JavaScript runs from here on.
    std::array<Local, kMaxRows> locals;
    for (size_t i = 0; i < local_count; ++i) locals[i] = ResolveLocal(raw_env, local_values[i]);
    std::array<rsm_iovec_t, kMaxRows> iov;
    for (uint32_t i = 0; i < count; ++i) {
      const Row& r = rows[i];
      const Local& local = locals[r.index];
      if (r.local_offset > local.size || r.length > local.size - r.local_offset) {
        throw ArgRangeError(env, "scatter/gather: row " + std::to_string(i) + " runs past its local memory");
      }
      rsm_iovec_t& io = iov[i];
      io.io_type = local.io_type;
      if (local.io_type == RSM_HANDLE_TYPE) io.local.handle = local.handle;
      else io.local.vaddr = local.vaddr;
      io.local_offset = r.local_offset;
      io.remote_offset = r.remote_offset;
      io.transfer_length = r.length;
    }
    // Last, the connection's state: a getter may have disconnected it.
    rsm_memseg_import_handle_t handle = access->handle();
    if (handle == nullptr) throw ReleasedError(env, "import segment is disconnected");
    rsm_scat_gath_t sg{};
    sg.io_request_count = static_cast<ulong_t>(count);
    sg.io_residual_count = 0;
    sg.flags = flags;
    sg.remote_handle = handle;
    sg.iovec = count == 0 ? nullptr : iov.data();
    const rsm::Backend* backend = access->backend();
    int rc = put ? backend->rsm_memseg_import_putv(&sg) : backend->rsm_memseg_import_getv(&sg);
    if (rc != RSM_SUCCESS) {
      access->Failed(rc);
      Napi::Error error = RsmError(env, rc, put ? "rsm_memseg_import_putv" : "rsm_memseg_import_getv");
      error.Set("residualCount", Napi::Number::New(env, static_cast<double>(sg.io_residual_count)));
      throw error;
    }
    // One transfer per call, of the bytes its entries asked for.
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < count; ++i) bytes += iov[i].transfer_length;
    if (put) access->Put(bytes);
    else access->Got(bytes);
    napi_value residual = nullptr;
    napi_create_double(raw_env, static_cast<double>(sg.io_residual_count), &residual);
    return residual;
  });
}

}  // namespace

napi_value PutV(napi_env env, napi_callback_info cbinfo) { return ScatterGather(env, cbinfo, true); }
napi_value GetV(napi_env env, napi_callback_info cbinfo) { return ScatterGather(env, cbinfo, false); }

}  // namespace rsmaddon
