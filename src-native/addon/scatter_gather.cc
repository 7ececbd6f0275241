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

// Builds the I/O vector from [{ local, localOffset, remoteOffset, length }].
std::vector<rsm_iovec_t> Entries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) throw ArgTypeError(env, "The \"entries\" argument must be an array, got " + Describe(info[0]));
  Napi::Array list = info[0].As<Napi::Array>();
  // The library takes at most RSM_MAX_SGIOREQS; a few more still reach it so
  // it can answer RSMERR_BAD_SGIO itself, but no unbounded allocation.
  if (list.Length() > 1024) throw ArgRangeError(env, "The \"entries\" argument has too many entries");
  std::vector<rsm_iovec_t> iov(list.Length());
  for (uint32_t i = 0; i < list.Length(); ++i) {
    Napi::Value item = list.Get(i);
    if (!item.IsObject()) throw ArgTypeError(env, "entries[" + std::to_string(i) + "] must be an object");
    Napi::Object entry = item.As<Napi::Object>();
    const uint64_t local_offset = static_cast<uint64_t>(NumberField(env, entry, "localOffset", i));
    const uint64_t remote_offset = static_cast<uint64_t>(NumberField(env, entry, "remoteOffset", i));
    const uint64_t length = static_cast<uint64_t>(NumberField(env, entry, "length", i));
    Napi::Value local = entry.Get("local");
    rsm_iovec_t& io = iov[i];
    uint64_t available;
    bool is_local_memory = false;
    if (local.IsObject() &&
        napi_check_object_type_tag(env, local, &NativeLocalMemory::kTypeTag, &is_local_memory) == napi_ok &&
        is_local_memory) {
      NativeLocalMemory* memory = NativeLocalMemory::Unwrap(local.As<Napi::Object>());
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
                                    Describe(local));
      }
      void* data = nullptr;
      size_t bytes = 0;
      napi_value arraybuffer = nullptr;
      size_t byte_offset = 0;
      if (is_typed) {
        napi_typedarray_type type;
        size_t count = 0;
        napi_get_typedarray_info(env, local, &type, &count, &data, &arraybuffer, &byte_offset);
        bytes = Napi::TypedArray(env, local).ByteLength();
      } else {
        napi_get_dataview_info(env, local, &bytes, &data, &arraybuffer, &byte_offset);
      }
      bool detached = false;
      if (arraybuffer != nullptr && napi_is_detached_arraybuffer(env, arraybuffer, &detached) == napi_ok && detached)
        throw ArgTypeError(env, "entries[" + std::to_string(i) + "].local is a view of a detached ArrayBuffer");
      if (data == nullptr && bytes != 0) throw ArgTypeError(env, "entries[" + std::to_string(i) + "].local has no memory");
      io.io_type = RSM_VA_TYPE;
      io.local.vaddr = static_cast<caddr_t>(data);
      available = bytes;
    }
    if (local_offset > available || length > available - local_offset) {
      throw ArgRangeError(env, "entries[" + std::to_string(i) + "]: " + std::to_string(length) + " bytes at local offset " +
                                   std::to_string(local_offset) + " run past the " + std::to_string(available) +
                                   "-byte local memory");
    }
    io.local_offset = static_cast<size_t>(local_offset);
    io.remote_offset = static_cast<size_t>(remote_offset);
    io.transfer_length = static_cast<size_t>(length);
  }
  return iov;
}

}  // namespace

Napi::Value NativeImportSegment::ScatterGather(const Napi::CallbackInfo& info, bool put) {
  Napi::Env env = info.Env();
  RequireLive(env);
  std::vector<rsm_iovec_t> iov = Entries(info);
  uint32_t flags = Uint32Arg(info, 1, "flags");
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
