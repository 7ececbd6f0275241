#include "owned_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "errors.h"

namespace rsmaddon {

void ReportExternalMemory(napi_env env, int64_t change) {
  int64_t total = 0;
  napi_adjust_external_memory(env, change, &total);
}

size_t WholePages(size_t length) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (length + page - 1) / page * page;
}

void* AllocatePages(Napi::Env env, size_t length, const std::string& purpose) {
  void* memory = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory != MAP_FAILED) return memory;
  int error = errno;
  Napi::Error failure = CodedError(env, "ERR_RSM_NO_MEMORY",
                                   "could not allocate " + std::to_string(length) + " bytes " + purpose + ": " +
                                       std::strerror(error));
  failure.Set("errno", Napi::Number::New(env, error));
  failure.Set("syscall", Napi::String::New(env, "mmap"));
  throw failure;
}

OwnedBuffer::~OwnedBuffer() {
  if (ref_ != nullptr) napi_delete_reference(env_, ref_);
}

void OwnedBuffer::Create(AddonState* state, Napi::Object owner, void* data, size_t length) {
  napi_env env = state->env;
  napi_value buffer = nullptr;
  // No finalizer: the handle owns the memory and frees it itself.
  napi_status status = napi_create_external_arraybuffer(env, data, length, nullptr, nullptr, &buffer);
  if (status == napi_no_external_buffers_allowed) {
    throw CodedError(Napi::Env(env), "ERR_RSM_NO_EXTERNAL_BUFFERS",
                     "this runtime does not allow external ArrayBuffers, so RSM memory cannot be shown "
                     "to JavaScript without copying; use put/get instead of the buffer");
  }
  if (status != napi_ok) throw Napi::Error::New(Napi::Env(env));

  Napi::Object buffer_object(env, buffer);
  buffer_object.DefineProperty(
      Napi::PropertyDescriptor::Value(state->owner_key.Value(), owner, napi_default));
  // Configurable: a rebind gives the owner a new buffer over new memory.
  owner.DefineProperty(Napi::PropertyDescriptor::Value(
      state->buffer_key.Value(), buffer_object, static_cast<napi_property_attributes>(napi_configurable)));
  if (ref_ != nullptr) {
    napi_delete_reference(env_, ref_);  // the previous buffer, detached by the caller
    ref_ = nullptr;
  }
  env_ = env;
  if (napi_create_reference(env, buffer, 0, &ref_) != napi_ok) {
    ref_ = nullptr;
    throw Napi::Error::New(Napi::Env(env));
  }
}

Napi::Value OwnedBuffer::Get(Napi::Env env) const {
  if (ref_ == nullptr) return env.Undefined();
  napi_value value = nullptr;
  if (napi_get_reference_value(env, ref_, &value) != napi_ok || value == nullptr) return env.Undefined();
  return Napi::Value(env, value);
}

void OwnedBuffer::Detach(Napi::Env env) {
  if (ref_ == nullptr) return;
  napi_value value = nullptr;
  if (napi_get_reference_value(env, ref_, &value) == napi_ok && value != nullptr) {
    bool detached = false;
    if (napi_is_detached_arraybuffer(env, value, &detached) == napi_ok && !detached) {
      napi_detach_arraybuffer(env, value);
    }
  }
}

}  // namespace rsmaddon
