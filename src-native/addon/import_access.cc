#include "import_access.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "args.h"
#include "addon_state.h"
#include "errors.h"
#include "scatter_gather.h"

namespace rsmaddon {

namespace {

// Per element width: the C type, the two entry points and their names, and
// the numbers store accepts (either signedness of the width, so values read
// from an Int32Array and a Uint32Array alike go through unchanged).
template <int kBits>
struct Width;

template <>
struct Width<8> {
  using T = uint8_t;
  static constexpr auto put = &rsm::Backend::rsm_memseg_import_put8;
  static constexpr auto get = &rsm::Backend::rsm_memseg_import_get8;
  static constexpr const char* put_name = "rsm_memseg_import_put8";
  static constexpr const char* get_name = "rsm_memseg_import_get8";
  static constexpr double min = -128.0, max = 255.0;
};
template <>
struct Width<16> {
  using T = uint16_t;
  static constexpr auto put = &rsm::Backend::rsm_memseg_import_put16;
  static constexpr auto get = &rsm::Backend::rsm_memseg_import_get16;
  static constexpr const char* put_name = "rsm_memseg_import_put16";
  static constexpr const char* get_name = "rsm_memseg_import_get16";
  static constexpr double min = -32768.0, max = 65535.0;
};
template <>
struct Width<32> {
  using T = uint32_t;
  static constexpr auto put = &rsm::Backend::rsm_memseg_import_put32;
  static constexpr auto get = &rsm::Backend::rsm_memseg_import_get32;
  static constexpr const char* put_name = "rsm_memseg_import_put32";
  static constexpr const char* get_name = "rsm_memseg_import_get32";
  static constexpr double min = -2147483648.0, max = 4294967295.0;
};
template <>
struct Width<64> {
  using T = uint64_t;
  static constexpr auto put = &rsm::Backend::rsm_memseg_import_put64;
  static constexpr auto get = &rsm::Backend::rsm_memseg_import_get64;
  static constexpr const char* put_name = "rsm_memseg_import_put64";
  static constexpr const char* get_name = "rsm_memseg_import_get64";
};

struct Call {
  ImportAccess* access;
  rsm_memseg_import_handle_t handle;
};

// The callback's connection, or ERR_RSM_RELEASED once it is disconnected.
template <size_t N>
Call Arguments(napi_env env, napi_callback_info cbinfo, napi_value (&argv)[N]) {
  size_t argc = N;
  napi_value self = nullptr;
  napi_get_cb_info(env, cbinfo, &argc, argv, &self, nullptr);  // missing arguments read as undefined
  ImportAccess* access = ImportAccess::Of(env, self);
  rsm_memseg_import_handle_t handle = access->handle();
  if (handle == nullptr) throw ReleasedError(Napi::Env(env), "import segment is disconnected");
  return Call{access, handle};
}

// The error path of every transfer: counted by code, then thrown. Kept out
// of line so that the transfer functions stay as small as before counting.
[[noreturn, gnu::cold, gnu::noinline]] void Fail(napi_env env, const Call& call, int rc, const char* syscall) {
  call.access->Failed(rc);
  throw RsmError(Napi::Env(env), rc, syscall);
}

// counters(): read through the token alone, so it answers after disconnect.
napi_value CountersOf(napi_env env, napi_callback_info cbinfo) {
  return Guarded(env, [&]() -> napi_value {
    napi_value self = nullptr;
    size_t argc = 0;
    napi_get_cb_info(env, cbinfo, &argc, nullptr, &self, nullptr);
    return ImportAccess::Of(env, self)->Counters(env);
  });
}

// A safe integer, negative allowed: librsm reports a negative offset
// (RSMERR_BAD_OFFSET) itself. The common case is decided inline; anything
// else goes to the shared check for its error.
off_t OffsetArg(napi_env env, napi_value value) {
  double number = 0;
  if (napi_get_value_double(env, value, &number) == napi_ok && std::fabs(number) <= kMaxSafeInteger) {
    const int64_t whole = static_cast<int64_t>(number);
    if (static_cast<double>(whole) == number) return static_cast<off_t>(whole);
  }
  return static_cast<off_t>(SafeIntegerValue(env, value, "offset"));
}

std::string FormatValue(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

[[noreturn]] void ThrowBadValue(napi_env env, napi_value value, const char* expected, bool wrong_type) {
  std::string message = std::string("The \"value\" argument must be ") + expected + ", got ";
  if (wrong_type) throw ArgTypeError(Napi::Env(env), message + Describe(Napi::Value(env, value)));
  double number = 0;
  napi_get_value_double(env, value, &number);
  throw ArgRangeError(Napi::Env(env), message + FormatValue(number));
}

template <int kBits>
typename Width<kBits>::T ValueArg(napi_env env, napi_value value) {
  using W = Width<kBits>;
  if constexpr (kBits == 64) {
    // A bigint of either signedness; bits beyond 64 are an error, not wrapped.
    uint64_t bits = 0;
    bool lossless = false;
    if (napi_get_value_bigint_uint64(env, value, &bits, &lossless) != napi_ok) {
      ThrowBadValue(env, value, "of type bigint", true);
    }
    if (!lossless) {
      int64_t signed_bits = 0;
      napi_get_value_bigint_int64(env, value, &signed_bits, &lossless);
      if (!lossless) {
        throw ArgRangeError(Napi::Env(env),
                            "The \"value\" argument must be a bigint from -(2n ** 63n) to 2n ** 64n - 1n");
      }
      bits = static_cast<uint64_t>(signed_bits);
    }
    return bits;
  } else {
    double number = 0;
    if (napi_get_value_double(env, value, &number) != napi_ok) ThrowBadValue(env, value, "of type number", true);
    if (!(number >= W::min && number <= W::max) || static_cast<double>(static_cast<int64_t>(number)) != number) {
      static const std::string range =
          "an integer from " + FormatValue(W::min) + " to " + FormatValue(W::max);
      ThrowBadValue(env, value, range.c_str(), false);
    }
    return static_cast<typename Width<kBits>::T>(static_cast<int64_t>(number));
  }
}

template <int kBits>
napi_value Load(napi_env env, napi_callback_info cbinfo) {
  return Guarded(env, [&]() -> napi_value {
    using W = Width<kBits>;
    napi_value argv[1];
    Call call = Arguments(env, cbinfo, argv);
    off_t offset = OffsetArg(env, argv[0]);
    typename W::T element = 0;
    int rc = (call.access->backend()->*W::get)(call.handle, offset, &element, 1);
    if (rc != RSM_SUCCESS) Fail(env, call, rc, W::get_name);
    call.access->Got(sizeof element);
    napi_value result = nullptr;
    if constexpr (kBits == 64) {
      napi_create_bigint_uint64(env, element, &result);
    } else {
      napi_create_uint32(env, element, &result);
    }
    return result;
  });
}

template <int kBits>
napi_value Store(napi_env env, napi_callback_info cbinfo) {
  return Guarded(env, [&]() -> napi_value {
    using W = Width<kBits>;
    napi_value argv[2];
    Call call = Arguments(env, cbinfo, argv);
    off_t offset = OffsetArg(env, argv[0]);
    typename W::T element = ValueArg<kBits>(env, argv[1]);
    int rc = (call.access->backend()->*W::put)(call.handle, offset, &element, 1);
    if (rc != RSM_SUCCESS) Fail(env, call, rc, W::put_name);
    call.access->Put(sizeof element);
    return nullptr;
  });
}

uint32_t BitsArg(napi_env env, napi_value value) {
  double number = 0;
  if (napi_get_value_double(env, value, &number) == napi_ok &&
      (number == 8 || number == 16 || number == 32 || number == 64)) {
    return static_cast<uint32_t>(number);
  }
  if (napi_get_value_double(env, value, &number) != napi_ok) {
    throw ArgTypeError(Napi::Env(env),
                       "The \"bits\" argument must be of type number, got " + Describe(Napi::Value(env, value)));
  }
  throw ArgRangeError(Napi::Env(env), "The \"bits\" argument must be 8, 16, 32 or 64, got " + FormatValue(number));
}

// rep_cnt for a view of whole elements.
ulong_t ElementCount(napi_env env, uint32_t bits, const ViewBytes& view, const char* name) {
  const size_t width = bits / 8;
  if (view.length % width != 0) {
    throw ArgRangeError(Napi::Env(env), std::string("The \"") + name + "\" argument must hold whole " +
                                            std::to_string(bits) + "-bit elements, but its byteLength is " +
                                            std::to_string(view.length));
  }
  return static_cast<ulong_t>(view.length / width);
}

template <int kBits, bool kPut>
int Elements(const Call& call, off_t offset, void* data, ulong_t count) {
  using W = Width<kBits>;
  auto* elements = static_cast<typename W::T*>(data);
  const rsm::Backend* b = call.access->backend();
  return kPut ? (b->*W::put)(call.handle, offset, elements, count) : (b->*W::get)(call.handle, offset, elements, count);
}

// putN / getN (bits, offset, view): the view's bytes are the elements.
template <bool kPut>
napi_value TransferN(napi_env env, napi_callback_info cbinfo) {
  return Guarded(env, [&]() -> napi_value {
    const char* name = kPut ? "source" : "target";
    napi_value argv[3];
    Call call = Arguments(env, cbinfo, argv);
    uint32_t bits = BitsArg(env, argv[0]);
    off_t offset = OffsetArg(env, argv[1]);
    ViewBytes view = ViewValue(env, argv[2], name);
    ulong_t count = ElementCount(env, bits, view, name);
    int rc;
    const char* syscall;
    switch (bits) {
      case 8:
        rc = Elements<8, kPut>(call, offset, view.data, count);
        syscall = kPut ? Width<8>::put_name : Width<8>::get_name;
        break;
      case 16:
        rc = Elements<16, kPut>(call, offset, view.data, count);
        syscall = kPut ? Width<16>::put_name : Width<16>::get_name;
        break;
      case 32:
        rc = Elements<32, kPut>(call, offset, view.data, count);
        syscall = kPut ? Width<32>::put_name : Width<32>::get_name;
        break;
      default:
        rc = Elements<64, kPut>(call, offset, view.data, count);
        syscall = kPut ? Width<64>::put_name : Width<64>::get_name;
        break;
    }
    if (rc != RSM_SUCCESS) Fail(env, call, rc, syscall);
    if (kPut) call.access->Put(view.length);
    else call.access->Got(view.length);
    return nullptr;
  });
}

// put / get (offset, view): the bulk forms, straight from and into the
// view's memory.
template <bool kPut>
napi_value TransferBytes(napi_env env, napi_callback_info cbinfo) {
  return Guarded(env, [&]() -> napi_value {
    napi_value argv[2];
    Call call = Arguments(env, cbinfo, argv);
    off_t offset = OffsetArg(env, argv[0]);
    ViewBytes view = ViewValue(env, argv[1], kPut ? "source" : "target");
    const rsm::Backend* b = call.access->backend();
    int rc = kPut ? b->rsm_memseg_import_put(call.handle, offset, view.data, view.length)
                  : b->rsm_memseg_import_get(call.handle, offset, view.data, view.length);
    if (rc != RSM_SUCCESS) Fail(env, call, rc, kPut ? "rsm_memseg_import_put" : "rsm_memseg_import_get");
    if (kPut) call.access->Put(view.length);
    else call.access->Got(view.length);
    return nullptr;
  });
}

}  // namespace

napi_value ImportAccess::Counters(napi_env env) const {
  Napi::Env e(env);
  Napi::Array out = Napi::Array::New(e, 4 + failures_.size() * 2);
  // Doubles: exact up to 2^53, far beyond what a process moves.
  uint32_t i = 0;
  for (uint64_t value : {puts_, put_bytes_, gets_, get_bytes_}) out.Set(i++, static_cast<double>(value));
  for (const auto& [code, count] : failures_) {
    out.Set(i++, static_cast<double>(code));
    out.Set(i++, static_cast<double>(count));
  }
  return out;
}

ImportAccess* ImportAccess::Of(napi_env env, napi_value self) {
  void* data = nullptr;
  if (napi_get_value_external(env, self, &data) != napi_ok || data == nullptr) {
    throw IllegalInvocation(Napi::Env(env));
  }
  return static_cast<std::shared_ptr<ImportAccess>*>(data)->get();
}

napi_value ImportAccess::Functions(napi_env env, const std::shared_ptr<ImportAccess>& self) {
  struct Entry {
    const char* name;
    napi_callback callback;
  };
  static constexpr Entry kEntries[] = {
      {"load8", &Load<8>},       {"load16", &Load<16>},      {"load32", &Load<32>},    {"load64", &Load<64>},
      {"store8", &Store<8>},     {"store16", &Store<16>},    {"store32", &Store<32>},  {"store64", &Store<64>},
      {"putN", &TransferN<true>}, {"getN", &TransferN<false>}, {"put", &TransferBytes<true>},
      {"get", &TransferBytes<false>}, {"putv", &PutV},            {"getv", &GetV},
      {"counters", &CountersOf},
  };
  constexpr uint32_t kCount = sizeof kEntries / sizeof kEntries[0];
  Napi::Env e(env);
  AddonState* state = e.GetInstanceData<AddonState>();
  // The functions themselves are made once per environment and never shown;
  // each connection gets them bound to its token, which is cheap (a native
  // function made per connection costs a template, a callback record and a
  // finalizer of its own, enough to delay the heap settling under churn).
  if (state->access_functions.IsEmpty()) {
    Napi::Array made = Napi::Array::New(e, kCount);
    for (uint32_t i = 0; i < kCount; ++i) {
      napi_value function = nullptr;
      if (napi_create_function(env, kEntries[i].name, NAPI_AUTO_LENGTH, kEntries[i].callback, nullptr, &function) !=
          napi_ok) {
        throw Napi::Error::New(e);
      }
      made.Set(i, Napi::Value(e, function));
    }
    state->access_functions = Napi::Persistent(made);
  }
  // The token: an external holding the connection, whose finalizer drops the
  // reference once no function is bound to it any more. JavaScript cannot
  // make an external, nor reach the unbound functions to give them another.
  using Holder = std::shared_ptr<ImportAccess>;
  auto holder = std::make_unique<Holder>(self);
  napi_value token = nullptr;
  auto drop = [](napi_env, void* data, void*) { std::unique_ptr<Holder> dropped(static_cast<Holder*>(data)); };
  if (napi_create_external(env, holder.get(), drop, nullptr, &token) != napi_ok) throw Napi::Error::New(e);
  holder.release();  // owned by the token now
  Napi::Array functions = state->access_functions.Value();
  Napi::Object object = Napi::Object::New(e);
  for (uint32_t i = 0; i < kCount; ++i) {
    Napi::Function function = functions.Get(i).As<Napi::Function>();
    Napi::Function bind = function.Get("bind").As<Napi::Function>();
    object.Set(kEntries[i].name, bind.Call(function, {Napi::Value(e, token)}));
  }
  return object;
}

}  // namespace rsmaddon
