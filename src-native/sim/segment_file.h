// Shared-memory files behind export segments, and the RAII owners of file
// descriptors and mappings the simulator uses.
//
// An exported range becomes a MAP_SHARED mapping of a file in the cluster
// directory at the caller's own address (contents preserved), so importers in
// other processes map the very same pages. Cutting importers off (unpublish,
// destroy) moves the exporter onto fresh pages and leaves the importers on
// the orphaned, unlinked file: their stores are lost, nothing faults.
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include <string>
#include <utility>

namespace rsmsim {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset();

 private:
  int fd_ = -1;
};

class Mapping {
 public:
  Mapping() = default;
  Mapping(void* addr, size_t len) : addr_(addr), len_(len) {}
  ~Mapping() { Reset(); }
  Mapping(Mapping&& o) noexcept : addr_(std::exchange(o.addr_, nullptr)), len_(std::exchange(o.len_, 0)) {}
  Mapping& operator=(Mapping&& o) noexcept {
    if (this != &o) {
      Reset();
      addr_ = std::exchange(o.addr_, nullptr);
      len_ = std::exchange(o.len_, 0);
    }
    return *this;
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  void* addr() const { return addr_; }
  size_t len() const { return len_; }
  bool valid() const { return addr_ != nullptr; }
  void Reset();

 private:
  void* addr_ = nullptr;
  size_t len_ = 0;
};

// Checks the range as the driver's page locking would: every page mapped
// (else RSMERR_BAD_ADDR), readable and writable (else RSMERR_PERM_DENIED).
// Returns RSM_SUCCESS or the error.
int CheckExportableRange(const void* addr, size_t len);

// Whether [addr, addr+len) is still entirely a mapping of the file `path`
// (the application may have unmapped or reused an exported range).
bool RangeBackedBy(const void* addr, size_t len, const std::string& path);

// Creates `path` (exclusively, mode 0666 whatever the umask, so importers of
// other users can open it), sized `len`, holding a copy of [src, src+len)
// (zeros when src is nullptr).
// Returns RSM_SUCCESS or an RSMERR code; on failure nothing is left behind.
int CreateDataFile(const std::string& path, const void* src, size_t len, Fd* out);

// Replaces [vaddr, vaddr+len) by a shared mapping of `fd` at `offset`; the
// current contents are expected to be in the file already.
int MapSharedAt(void* vaddr, size_t len, int fd, off_t offset);

// Moves [vaddr, vaddr+len) onto `fd` (a new data file): copies the current
// bytes and swaps the pages in place in one step.
int MoveRangeToFile(void* vaddr, size_t len, int fd);

// Turns [vaddr, vaddr+len) back into private anonymous memory with the same
// contents.
int MoveRangeToPrivate(void* vaddr, size_t len);

// Copies with process_vm_readv so an unreadable source yields false instead
// of a fault.
bool SafeRead(void* dst, const void* src, size_t len);

}  // namespace rsmsim
