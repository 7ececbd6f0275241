// putv/getv of NativeImportSegment (rsm_memseg_import_putv / getv): the
// entries are checked against the local memory they name, so no entry can
// reach outside it, and the remote side goes to the library as given.
#include <string>
#include <vector>

#include "args.h"
#include "import_segment.h"
#include "local_memory.h"

namespace rsmaddon {

namespace {

double NumberField(Napi::Env env, Napi::Object entry, const char* field, size_t index) {
  Napi::Value v = entry.Get(field);
  double number = 0;
  if (!v.IsNumber() || (number = v.As<Napi::Number>().DoubleValue()) < 0 || number > kMaxSafeInteger ||
      number != static_cast<double>(static_cast<uint64_t>(number))) {
    throw ArgRangeError(env, "entries[" + std::to_string(index) + "]." + field +
                                 " must be an integer from 0 to 2^53 - 1, got " + Describe(v));
  }
  return number;
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
std::vector<RawEntry> ReadEntries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) throw ArgTypeError(env, "The \"entries\" argument must be an array, got " + Describe(info[0]));
  Napi::Array list = info[0].As<Napi::Array>();
  // The library takes at most RSM_MAX_SGIOREQS; a few more still reach it so
  // it can answer RSMERR_BAD_SGIO itself, but no unbounded allocation.
  const uint32_t count = list.Length();
  if (count > 1024) throw ArgRangeError(env, "The \"entries\" argument has too many entries");
  std::vector<RawEntry> raw;
  raw.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    Napi::Value item = list.Get(i);
    if (!item.IsObject()) throw ArgTypeError(env, "entries[" + std::to_string(i) + "] must be an object");
    Napi::Object entry = item.As<Napi::Object>();
    RawEntry e;
    e.local_offset = static_cast<uint64_t>(NumberField(env, entry, "localOffset", i));
    e.remote_offset = static_cast<uint64_t>(NumberField(env, entry, "remoteOffset", i));
    e.length = static_cast<uint64_t>(NumberField(env, entry, "length", i));
    e.local = entry.Get("local");
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

}  // namespace

Napi::Value NativeImportSegment::ScatterGather(const Napi::CallbackInfo& info, bool put) {
  Napi::Env env = info.Env();
  // Read every JavaScript value first (getters may run), then resolve, then
  // check this handle's state: a getter may have disconnected it.
  std::vector<RawEntry> raw = ReadEntries(info);
  uint32_t flags = Uint32Arg(info, 1, "flags");
  std::vector<rsm_iovec_t> iov = ResolveEntries(env, raw);
  RequireLive(env);
  rsm_scat_gath_t sg{};
  sg.io_request_count = static_cast<ulong_t>(iov.size());
  sg.io_residual_count = 0;
  sg.flags = flags;
  sg.remote_handle = handle_;
  sg.iovec = iov.empty() ? nullptr : iov.data();
  const char* syscall = put ? "rsm_memseg_import_putv" : "rsm_memseg_import_getv";
  int rc = put ? backend().rsm_memseg_import_putv(&sg) : backend().rsm_memseg_import_getv(&sg);
  if (rc != RSM_SUCCESS) {
    Napi::Error error = RsmError(env, rc, syscall);
    error.Set("residualCount", Napi::Number::New(env, static_cast<double>(sg.io_residual_count)));
    throw error;
  }
  return Napi::Number::New(env, static_cast<double>(sg.io_residual_count));
}

Napi::Value NativeImportSegment::PutV(const Napi::CallbackInfo& info) { return ScatterGather(info, true); }
Napi::Value NativeImportSegment::GetV(const Napi::CallbackInfo& info) { return ScatterGather(info, false); }

}  // namespace rsmaddon
