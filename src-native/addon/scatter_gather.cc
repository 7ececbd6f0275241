// putv/getv of a connection (rsm_memseg_import_putv / getv): the entries
// are checked against the local memory they name, so no entry can reach
// outside it, and the remote side goes to the library as given.
#include "scatter_gather.h"

#include <string>
#include <vector>

#include "args.h"
#include "errors.h"
#include "import_access.h"
#include "local_memory.h"

namespace rsmaddon {

namespace {

// The property keys of an entry, in the order they are read.
enum Field { kLocalOffset, kRemoteOffset, kLength, kLocal, kFieldCount };
constexpr const char* kFieldNames[kFieldCount] = {"localOffset", "remoteOffset", "length", "local"};

// A property of an entry (a getter or Proxy trap may run).
napi_value FieldValue(napi_env env, napi_value entry, Field field) {
  napi_value v = nullptr;
  if (napi_get_named_property(env, entry, kFieldNames[field], &v) != napi_ok) throw Napi::Error::New(Napi::Env(env));
  return v;
}

uint64_t NumberField(napi_env env, napi_value entry, Field field, size_t index) {
  napi_value v = FieldValue(env, entry, field);
  double number = 0;
  if (napi_get_value_double(env, v, &number) != napi_ok || number < 0 || number > kMaxSafeInteger ||
      number != static_cast<double>(static_cast<uint64_t>(number))) {
    throw ArgRangeError(Napi::Env(env), "entries[" + std::to_string(index) + "]." + kFieldNames[field] +
                                            " must be an integer from 0 to 2^53 - 1, got " +
                                            Describe(Napi::Value(env, v)));
  }
  return static_cast<uint64_t>(number);
}

// One entry as read from JavaScript, before any pointer is taken from it.
struct RawEntry {
  Napi::Value local;
  uint64_t local_offset;
  uint64_t remote_offset;
  uint64_t length;
};

// First pass: every JavaScript value of every entry. Reading a property may
// run a getter or a Proxy trap, which may free, unmap, detach or disconnect
// anything; so nothing read here is resolved to an address until all of it
// has been read (docs/semantics.md §4.5).
std::vector<RawEntry> ReadEntries(napi_env raw_env, napi_value entries) {
  Napi::Env env(raw_env);
  bool is_array = false;
  napi_is_array(raw_env, entries, &is_array);
  if (!is_array) {
    throw ArgTypeError(env, "The \"entries\" argument must be an array, got " + Describe(Napi::Value(env, entries)));
  }
  uint32_t count = 0;
  napi_get_array_length(raw_env, entries, &count);
  // The library takes at most RSM_MAX_SGIOREQS; a few more still reach it so
  // it can answer RSMERR_BAD_SGIO itself, but no unbounded allocation.
  if (count > 1024) throw ArgRangeError(env, "The \"entries\" argument has too many entries");
  std::vector<RawEntry> raw;
  raw.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    napi_value item = nullptr;
    napi_valuetype type = napi_undefined;
    if (napi_get_element(raw_env, entries, i, &item) != napi_ok) throw Napi::Error::New(env);
    napi_typeof(raw_env, item, &type);
    if (type != napi_object && type != napi_function) {
      throw ArgTypeError(env, "entries[" + std::to_string(i) + "] must be an object");
    }
    RawEntry e;
    e.local_offset = NumberField(raw_env, item, kLocalOffset, i);
    e.remote_offset = NumberField(raw_env, item, kRemoteOffset, i);
    e.length = NumberField(raw_env, item, kLength, i);
    e.local = Napi::Value(env, FieldValue(raw_env, item, kLocal));
    raw.push_back(e);
  }
  return raw;
}

// Second pass, no JavaScript runs: each entry's local memory resolved to the
// library's terms and its bounds checked against what it is now.
std::vector<rsm_iovec_t> ResolveEntries(Napi::Env env, const std::vector<RawEntry>& raw) {
  std::vector<rsm_iovec_t> iov(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const RawEntry& e = raw[i];
    napi_value local = e.local;
    rsm_iovec_t& io = iov[i];
    uint64_t available;
    bool is_local_memory = false;
    if (e.local.IsObject() &&
        napi_check_object_type_tag(env, local, &NativeLocalMemory::kTypeTag, &is_local_memory) == napi_ok &&
        is_local_memory) {
      NativeLocalMemory* memory = NativeLocalMemory::Unwrap(e.local.As<Napi::Object>());
      if (!memory->live()) throw ReleasedError(env, "entries[" + std::to_string(i) + "].local is freed");
      io.io_type = RSM_HANDLE_TYPE;
      io.local.handle = memory->handle();
      available = memory->size();
    } else {
      // A typed array or DataView: its own bytes, by address.
      bool is_typed = false, is_dataview = false;
      napi_is_typedarray(env, local, &is_typed);
      napi_is_dataview(env, local, &is_dataview);
      if (!is_typed && !is_dataview) {
        throw ArgTypeError(env, "entries[" + std::to_string(i) +
                                    "].local must be a local memory handle, a TypedArray or a DataView, got " +
                                    Describe(e.local));
      }
      ViewBytes bytes = ViewValue(env, local, ("entries[" + std::to_string(i) + "].local").c_str());
      io.io_type = RSM_VA_TYPE;
      io.local.vaddr = static_cast<caddr_t>(bytes.data);
      available = bytes.length;
    }
    if (e.local_offset > available || e.length > available - e.local_offset) {
      throw ArgRangeError(env, "entries[" + std::to_string(i) + "]: " + std::to_string(e.length) +
                                   " bytes at local offset " + std::to_string(e.local_offset) + " run past the " +
                                   std::to_string(available) + "-byte local memory");
    }
    io.local_offset = static_cast<size_t>(e.local_offset);
    io.remote_offset = static_cast<size_t>(e.remote_offset);
    io.transfer_length = static_cast<size_t>(e.length);
  }
  return iov;
}

napi_value ScatterGather(napi_env raw_env, napi_callback_info cbinfo, bool put) {
  return Guarded(raw_env, [&]() -> napi_value {
    Napi::Env env(raw_env);
    napi_value argv[2];
    size_t argc = 2;
    napi_value self = nullptr;
    napi_get_cb_info(raw_env, cbinfo, &argc, argv, &self, nullptr);  // missing arguments read as undefined
    ImportAccess* access = ImportAccess::Of(raw_env, self);
    // Read every JavaScript value first (getters may run), then resolve, then
    // check the connection's state: a getter may have disconnected it.
    std::vector<RawEntry> raw = ReadEntries(raw_env, argv[0]);
    uint32_t flags = Uint32Value(raw_env, argv[1], "flags");
    std::vector<rsm_iovec_t> iov = ResolveEntries(env, raw);
    rsm_memseg_import_handle_t handle = access->handle();
    if (handle == nullptr) throw ReleasedError(env, "import segment is disconnected");
    rsm_scat_gath_t sg{};
    sg.io_request_count = static_cast<ulong_t>(iov.size());
    sg.io_residual_count = 0;
    sg.flags = flags;
    sg.remote_handle = handle;
    sg.iovec = iov.empty() ? nullptr : iov.data();
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
    for (const rsm_iovec_t& io : iov) bytes += io.transfer_length;
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
