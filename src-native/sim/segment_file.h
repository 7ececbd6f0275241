// The shared memory behind export segments, and the RAII owners of file
// descriptors and mappings the simulator uses.
//
// An exported range becomes a MAP_SHARED mapping of an anonymous memory file
// (memfd) at the caller's own address (contents preserved); the exporting
// process hands a descriptor of it to each importer it admits
// (memory_server.h), so importers map the very same pages. The file is
// sparse and as large as the address space, page at file offset = address
// when made, so exports of overlapping ranges can share one file
// (docs/semantics.md §4.2): only the pages exported are ever filled. No file exists in
// any directory: nothing can be opened, truncated or orphaned by name, and
// the memory goes away with the last process holding it. Cutting importers
// off (unpublish, destroy) moves the exporter onto fresh pages and leaves the
// importers on the old memory: their stores are lost, nothing faults.
#pragma once

#include <stddef.h>
#include <stdint.h>
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
  // Gives up ownership without closing.
  int Release() { return std::exchange(fd_, -1); }
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

// Whether [addr, addr+len) is still entirely a mapping of the file open as
// `fd` (the application may have unmapped or reused an exported range).
// Compared by device and inode, never by name.
bool RangeBackedBy(const void* addr, size_t len, int fd);

// Creates segment memory: a sparse memfd of kSegmentMemorySize bytes (more
// if `offset + len` needs it) holding a copy of [src, src+len) at `offset`
// (nothing when src is nullptr), mode 0600 so no other user can reopen it
// through /proc, sealed against resizing so no holder of a descriptor can
// truncate it under the exporter (SIGBUS).
// Returns RSM_SUCCESS or an RSMERR code.
constexpr uint64_t kSegmentMemorySize = uint64_t{1} << 47;  // the x86-64 and arm64 user address space
int CreateSegmentMemory(const void* src, size_t len, off_t offset, Fd* out);

// Gives the pages of [offset, offset+len) back to the system (they read as
// zeros): memory no export covers any more keeps nothing an importer of
// another export could read.
void DropSegmentPages(int fd, off_t offset, size_t len);

// A read-only descriptor of the same memory as `fd` (a new open file
// description: O_RDONLY cannot be mapped writable, nor made writable).
Fd ReopenReadOnly(int fd);

// Replaces [vaddr, vaddr+len) by a shared mapping of `fd` at `offset`; the
// current contents are expected to be in the file already.
int MapSharedAt(void* vaddr, size_t len, int fd, off_t offset);

// Moves [vaddr, vaddr+len) onto `fd` at `offset`: copies the current bytes
// and swaps the pages in place in one step.
int MoveRangeToFile(void* vaddr, size_t len, int fd, off_t offset);

// Turns [vaddr, vaddr+len) back into private anonymous memory with the same
// contents.
int MoveRangeToPrivate(void* vaddr, size_t len);

// Copies with process_vm_readv so an unreadable source yields false instead
// of a fault.
bool SafeRead(void* dst, const void* src, size_t len);

}  // namespace rsmsim
