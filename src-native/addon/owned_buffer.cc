#include "owned_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <memory>

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

void* AliasSharedPages(void* data, size_t length) {
#ifdef __linux__
  void* alias = mremap(data, 0, WholePages(length), MREMAP_MAYMOVE);
  return alias == MAP_FAILED ? nullptr : alias;
#else
  (void)data;
  (void)length;
  return nullptr;
#endif
}

namespace {

struct PageRange {
  void* data;
  size_t length;
};

void UnmapRange(napi_env, void* data, void*) {
  std::unique_ptr<PageRange> range(static_cast<PageRange*>(data));
  munmap(range->data, range->length);
}

// Fresh private pages in place of whatever is mapped at the range.
bool ReplaceWithScratch(void* data, size_t length) {
  void* p = mmap(data, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
  return p == data;
}

// Maps scratch pages at a free range, only if it is still free.
bool ClaimFreeRange(void* data, size_t length) {
#ifdef MAP_FIXED_NOREPLACE
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE;
#else
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;  // a hint, honoured when the range is free
#endif
  void* p = mmap(data, length, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (p == MAP_FAILED) return false;
  if (p != data) {
    munmap(p, length);
    return false;
  }
  return true;
}

// Unmaps the range when `buffer` is collected, or now if it is gone.
void HoldUntilCollected(napi_env env, napi_ref ref, void* data, size_t length) {
  napi_value buffer = nullptr;
  if (ref != nullptr && napi_get_reference_value(env, ref, &buffer) == napi_ok && buffer != nullptr) {
    auto range = std::make_unique<PageRange>(PageRange{data, length});
    if (napi_add_finalizer(env, buffer, range.get(), UnmapRange, nullptr, nullptr) == napi_ok) {
      range.release();
      return;
    }
  }
  munmap(data, length);
}

}  // namespace

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

void OwnedBuffer::Retire(Napi::Env env, void* data, size_t length) {
  length = WholePages(length);
  // Should the replacement fail (no memory for the mapping), the old pages
  // stay as they are until the buffer is collected: still never reused.
  ReplaceWithScratch(data, length);
  HoldUntilCollected(env, ref_, data, length);
}

void OwnedBuffer::RetireUnmapped(Napi::Env env, void* data, size_t length) {
  length = WholePages(length);
  if (ClaimFreeRange(data, length)) HoldUntilCollected(env, ref_, data, length);
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
