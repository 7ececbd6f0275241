#include "segment_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>

#include "../abi/rsmapi.h"

namespace rsmsim {

void Fd::Reset() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void Mapping::Reset() {
  if (addr_) munmap(addr_, len_);
  addr_ = nullptr;
  len_ = 0;
}

namespace {

std::string ReadSelfMaps() {
  std::string text;
#ifdef __linux__
  Fd fd(open("/proc/self/maps", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return text;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
#endif
  return text;
}

struct MapLine {
  const char* perms;
  unsigned dev_major, dev_minor;
  unsigned long long inode;
};

// Walks the mappings covering [addr, addr+len) in address order. `visit`
// gets the fields of each; returns false at a hole.
template <typename Visit>
bool ForEachMapping(const std::string& text, const void* addr, size_t len, Visit visit) {
  uintptr_t want = reinterpret_cast<uintptr_t>(addr);
  const uintptr_t end = want + len;
  size_t pos = 0;
  while (pos < text.size() && want < end) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    unsigned long lo = 0, hi = 0;
    char perms[8] = {0};
    MapLine line{perms, 0, 0, 0};
    if (sscanf(text.c_str() + pos, "%lx-%lx %4s %*s %x:%x %llu", &lo, &hi, perms, &line.dev_major, &line.dev_minor,
               &line.inode) >= 3 &&
        hi > want) {
      if (lo > want) return false;
      if (!visit(line)) return true;
      want = hi;
    }
    pos = eol + 1;
  }
  return want >= end;
}

}  // namespace

int CheckExportableRange(const void* addr, size_t len) {
#ifdef __linux__
  std::string text = ReadSelfMaps();
  if (text.empty()) return RSM_SUCCESS;  // cannot tell; the copy into the file still catches holes
  int rc = RSM_SUCCESS;
  bool covered = ForEachMapping(text, addr, len, [&](const MapLine& m) {
    if (m.perms[0] != 'r' || m.perms[1] != 'w') {
      rc = RSMERR_PERM_DENIED;
      return false;
    }
    return true;
  });
  if (!covered) return RSMERR_BAD_ADDR;
  return rc;
#else
  return RSM_SUCCESS;
#endif
}

bool RangeBackedBy(const void* addr, size_t len, int fd) {
#ifdef __linux__
  struct stat st;
  if (fstat(fd, &st) != 0) return false;
  std::string text = ReadSelfMaps();
  bool same = true;
  bool covered = ForEachMapping(text, addr, len, [&](const MapLine& m) {
    same = m.inode == st.st_ino && m.dev_major == major(st.st_dev) && m.dev_minor == minor(st.st_dev);
    return same;
  });
  return covered && same;
#else
  (void)addr;
  (void)len;
  (void)fd;
  return true;
#endif
}

int CreateSegmentMemory(const void* src, size_t len, off_t offset, Fd* out) {
#ifdef __linux__
  Fd fd(memfd_create("rsmsim-segment", MFD_CLOEXEC | MFD_ALLOW_SEALING));
#else
  Fd fd;
  errno = ENOSYS;
#endif
  if (!fd.valid()) return errno == EMFILE || errno == ENFILE ? RSMERR_INSUFFICIENT_RESOURCES : RSMERR_INSUFFICIENT_MEM;
  // A memfd starts out 0777: another user holding a read-only descriptor
  // could otherwise reopen it read-write through /proc/<pid>/fd.
  if (fchmod(fd.get(), 0600) != 0) return RSMERR_INSUFFICIENT_MEM;
  const uint64_t size = std::max<uint64_t>(kSegmentMemorySize, static_cast<uint64_t>(offset) + len);
  if (offset < 0 || ftruncate(fd.get(), static_cast<off_t>(size)) != 0) return RSMERR_INSUFFICIENT_MEM;
#ifdef __linux__
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) return RSMERR_INSUFFICIENT_MEM;
#endif
  const char* p = static_cast<const char*>(src);
  size_t done = src ? 0 : len;  // no source: the memory reads as zeros
  while (done < len) {
    ssize_t n = pwrite(fd.get(), p + done, len - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EFAULT ? RSMERR_BAD_ADDR : RSMERR_INSUFFICIENT_MEM;
    done += static_cast<size_t>(n);
  }
  *out = std::move(fd);
  return RSM_SUCCESS;
}

void DropSegmentPages(int fd, off_t offset, size_t len) {
#ifdef __linux__
  // Best effort: pages left in place only cost memory until the file goes.
  (void)fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, static_cast<off_t>(len));
#else
  (void)fd;
  (void)offset;
  (void)len;
#endif
}

Fd ReopenReadOnly(int fd) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  return Fd(open(path, O_RDONLY | O_CLOEXEC));
}

int MapSharedAt(void* vaddr, size_t len, int fd, off_t offset) {
  void* p = mmap(vaddr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, offset);
  return p == MAP_FAILED ? RSMERR_INSUFFICIENT_MEM : RSM_SUCCESS;
}

namespace {

// Puts the pages of `tmp` at `vaddr` in one step, so the range is never
// unmapped in between (other threads may be touching it).
int SwapInto(void* tmp, void* vaddr, size_t len) {
#ifdef __linux__
  if (mremap(tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, vaddr) == MAP_FAILED) {
    munmap(tmp, len);
    return RSMERR_INSUFFICIENT_MEM;
  }
  return RSM_SUCCESS;
#else
  (void)tmp;
  (void)vaddr;
  (void)len;
  return RSMERR_INSUFFICIENT_MEM;
#endif
}

}  // namespace

int MoveRangeToFile(void* vaddr, size_t len, int fd, off_t offset) {
  void* tmp = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
  if (tmp == MAP_FAILED) return RSMERR_INSUFFICIENT_MEM;
  memcpy(tmp, vaddr, len);
#ifdef __linux__
  return SwapInto(tmp, vaddr, len);
#else
  munmap(tmp, len);
  return MapSharedAt(vaddr, len, fd, offset);
#endif
}

int MoveRangeToPrivate(void* vaddr, size_t len) {
  void* tmp = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (tmp == MAP_FAILED) return RSMERR_INSUFFICIENT_MEM;
  memcpy(tmp, vaddr, len);
#ifdef __linux__
  return SwapInto(tmp, vaddr, len);
#else
  void* p = mmap(vaddr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (p == MAP_FAILED) {
    munmap(tmp, len);
    return RSMERR_INSUFFICIENT_MEM;
  }
  memcpy(vaddr, tmp, len);
  munmap(tmp, len);
  return RSM_SUCCESS;
#endif
}

bool SafeRead(void* dst, const void* src, size_t len) {
  if (len == 0) return true;
#ifdef __linux__
  struct iovec local = {dst, len};
  struct iovec remote = {const_cast<void*>(src), len};
  ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
  if (n == static_cast<ssize_t>(len)) return true;
  if (n >= 0 || errno == EFAULT) return false;
  // The call itself is unavailable (seccomp, old kernel): trust the pointer.
  memcpy(dst, src, len);
  return true;
#else
  memcpy(dst, src, len);
  return true;
#endif
}

}  // namespace rsmsim
