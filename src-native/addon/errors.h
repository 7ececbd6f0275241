// The errors the addon throws. RSMAPI failures become instances of the class
// the facade handed over (setErrorFactory), so `instanceof RsmError` holds;
// misuse becomes TypeError/RangeError with Node-style codes.
//
// Every function returns a Napi::Error to `throw` (the addon is built with
// C++ exceptions; the method trampolines in handle.h turn them into
// JavaScript exceptions).
#pragma once

#include <exception>
#include <new>
#include <string>

#include "napi_include.h"

namespace rsmaddon {

struct AddonState;

// An RSMAPI function returned `code`. `detail`, when not empty, is extra
// context appended to the message (e.g. the simulator's configuration
// problem). Without an error factory: a plain Error with errno/syscall (the
// names of the codes are the facade's, lib/codes.ts).
Napi::Error RsmError(Napi::Env env, int code, const char* syscall, const std::string& detail = "");

// Error with a string `code` property, e.g. ERR_RSM_RELEASED.
Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message);

// TypeError code ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE.
Napi::Error ArgTypeError(Napi::Env env, const std::string& message);
Napi::Error ArgValueError(Napi::Env env, const std::string& message);
// RangeError code ERR_OUT_OF_RANGE.
Napi::Error ArgRangeError(Napi::Env env, const std::string& message);

// Runs a native callback's body, turning any C++ exception it throws into the
// pending JavaScript exception: none may cross into V8. Every callback the
// addon registers goes through here.
template <typename Body>
napi_value Guarded(napi_env env, Body&& body) {
  try {
    return body();
  } catch (const Napi::Error& error) {
    error.ThrowAsJavaScriptException();
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, "ERR_RSM_NO_MEMORY", "out of memory");
  } catch (const std::exception& error) {
    napi_throw_error(env, nullptr, error.what());
  }
  return nullptr;
}

// TypeError('Illegal invocation'): a method called on a foreign receiver.
Napi::Error IllegalInvocation(Napi::Env env);
// TypeError('Illegal constructor'): a handle class called from JavaScript.
Napi::Error IllegalConstructor(Napi::Env env);

// The handle was released; `what` says how, e.g. "import segment is disconnected".
Napi::Error ReleasedError(Napi::Env env, const std::string& what);

}  // namespace rsmaddon
