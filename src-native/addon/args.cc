#include "args.h"

#include <cmath>
#include <cstdio>

#include "errors.h"

namespace rsmaddon {
namespace {

std::string FormatNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char text[40];
  if (value == std::floor(value) && std::fabs(value) < 1e21) {
    std::snprintf(text, sizeof text, "%.0f", value);
  } else {
    std::snprintf(text, sizeof text, "%.17g", value);
  }
  return text;
}

// Reads `value` as a number, or throws the TypeError naming `name`.
double NumberValue(napi_env env, napi_value value, const char* name) {
  double number = 0;
  if (napi_get_value_double(env, value, &number) != napi_ok) {
    throw ArgTypeError(Napi::Env(env), std::string(name) + ": not a number (" + Describe(Napi::Value(env, value)) + ")");
  }
  return number;
}

double NumberArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return NumberValue(info.Env(), info[index], name);
}

Napi::Error OutOfRange(Napi::Env env, const char* name, const std::string& expected, double got) {
  return ArgRangeError(env, std::string(name) + ": not " + expected + " (" + FormatNumber(got) + ")");
}

size_t ElementSize(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    default:
      return 8;
  }
}

void RequireAttached(napi_env env, napi_value arraybuffer, const char* name) {
  bool detached = false;
  if (arraybuffer != nullptr && napi_is_detached_arraybuffer(env, arraybuffer, &detached) == napi_ok && detached) {
    throw ArgTypeError(Napi::Env(env), std::string(name) + ": detached");
  }
}

}  // namespace

std::string Describe(Napi::Value value) {
  switch (value.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return "a boolean";
    case napi_number:
      return "the number " + FormatNumber(value.As<Napi::Number>().DoubleValue());
    case napi_string:
      return "a string";
    case napi_symbol:
      return "a symbol";
    case napi_bigint:
      return "a bigint";
    case napi_function:
      return "a function";
    case napi_external:
      return "an external";
    default:
      if (value.IsArray()) return "an array";
      if (value.IsTypedArray()) return "a typed array";
      if (value.IsArrayBuffer()) return "an ArrayBuffer";
      return "an object";
  }
}

uint32_t Uint32Arg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return Uint32Value(info.Env(), info[index], name);
}

uint32_t Uint32Value(napi_env env, napi_value value, const char* name) {
  double number = NumberValue(env, value, name);
  if (!(number >= 0 && number <= 4294967295.0) || number != std::floor(number)) {
    throw OutOfRange(Napi::Env(env), name, "an integer from 0 to 4294967295", number);
  }
  return static_cast<uint32_t>(number);
}

int32_t Int32Arg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  double number = NumberArg(info, index, name);
  if (!(number >= -2147483648.0 && number <= 2147483647.0) || number != std::floor(number)) {
    throw OutOfRange(info.Env(), name, "an integer from -2147483648 to 2147483647", number);
  }
  return static_cast<int32_t>(number);
}

int64_t SafeIntegerArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return SafeIntegerValue(info.Env(), info[index], name);
}

int64_t SafeIntegerValue(napi_env env, napi_value value, const char* name) {
  double number = NumberValue(env, value, name);
  if (!(std::fabs(number) <= kMaxSafeInteger) || number != std::floor(number)) {
    throw OutOfRange(Napi::Env(env), name, "a safe integer", number);
  }
  return static_cast<int64_t>(number);
}

uint64_t SizeArg(const Napi::CallbackInfo& info, size_t index, const char* name, double min, double max) {
  double number = NumberArg(info, index, name);
  if (!(number >= min && number <= max) || number != std::floor(number)) {
    throw OutOfRange(info.Env(), name, "an integer from " + FormatNumber(min) + " to " + FormatNumber(max), number);
  }
  return static_cast<uint64_t>(number);
}

ViewBytes ViewArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return ViewValue(info.Env(), info[index], name);
}

ViewBytes ViewValue(napi_env env, napi_value value, const char* name) {
  // Stands in for the data pointer of an empty view, which V8 may leave
  // null: RSMAPI rejects a null pointer even for zero bytes.
  alignas(8) static uint64_t empty_view_bytes = 0;

  void* data = nullptr;
  size_t length = 0;
  napi_value arraybuffer = nullptr;
  size_t byte_offset = 0;

  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (is_typed) {
    napi_typedarray_type type;
    size_t count = 0;
    if (napi_get_typedarray_info(env, value, &type, &count, &data, &arraybuffer, &byte_offset) != napi_ok) {
      throw ArgTypeError(Napi::Env(env), std::string(name) + ": unreadable view");
    }
    length = count * ElementSize(type);
  } else {
    bool is_dataview = false;
    napi_is_dataview(env, value, &is_dataview);
    if (!is_dataview) {
      throw ArgTypeError(Napi::Env(env), std::string(name) + ": not a view (" + Describe(Napi::Value(env, value)) + ")");
    }
    if (napi_get_dataview_info(env, value, &length, &data, &arraybuffer, &byte_offset) != napi_ok) {
      throw ArgTypeError(Napi::Env(env), std::string(name) + ": unreadable view");
    }
  }
  RequireAttached(env, arraybuffer, name);
  if (data == nullptr) {
    if (length != 0) throw ArgTypeError(Napi::Env(env), std::string(name) + ": no memory");
    data = &empty_view_bytes;
  }
  return ViewBytes{data, length};
}

std::vector<rsmapi_access_entry_t> AclArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  std::vector<rsmapi_access_entry_t> acl;
  Napi::Value value = info[index];
  if (value.IsNull() || value.IsUndefined()) return acl;
  napi_env env = info.Env();
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  napi_typedarray_type type = napi_int8_array;
  size_t count = 0;
  void* data = nullptr;
  napi_value arraybuffer = nullptr;
  size_t byte_offset = 0;
  if (is_typed) napi_get_typedarray_info(env, value, &type, &count, &data, &arraybuffer, &byte_offset);
  if (!is_typed || type != napi_uint32_array) {
    throw ArgTypeError(info.Env(), std::string(name) + ": not a Uint32Array or null (" + Describe(value) + ")");
  }
  RequireAttached(env, arraybuffer, name);
  if (count % 2 != 0) {
    throw ArgRangeError(info.Env(), std::string(name) + ": odd length " + std::to_string(count));
  }
  const uint32_t* words = static_cast<const uint32_t*>(data);
  acl.resize(count / 2);
  for (size_t i = 0; i < acl.size(); ++i) {
    acl[i].ae_node = words[2 * i];
    acl[i].ae_permission = words[2 * i + 1];
  }
  return acl;
}

}  // namespace rsmaddon
