#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "controller.h"
#include "fabric.h"
#include "faults.h"

namespace rsmsim {

// The data file behind an exported range of this process. Two exports of the
// same (or a contained) range share it, since the pages can be mapped from one
// file only; everything here is guarded by ProcessMutex().
struct Backing {
  char* base = nullptr;
  size_t len = 0;
  uint32_t node = 0;
  uint64_t serial = 0;
  int users = 0;
  pid_t pid = 0;  // a forked child inherits the list but not the binding
};

namespace {

std::vector<std::shared_ptr<Backing>>& Backings() {
  static std::vector<std::shared_ptr<Backing>>* list = [] {
    using V = std::vector<std::shared_ptr<Backing>>;
    static std::aligned_storage_t<sizeof(V), alignof(V)> storage;
    return ::new (&storage) V();
  }();
  return *list;
}

// 0777 & ~umask, read without changing the umask (umask() is not thread-safe
// to query).
uint32_t DefaultMode() {
  mode_t mask = 022;
  Fd fd(open("/proc/self/status", O_RDONLY | O_CLOEXEC));
  if (fd.valid()) {
    char buf[4096];
    ssize_t n = read(fd.get(), buf, sizeof buf - 1);
    if (n > 0) {
      buf[n] = '\0';
      const char* p = strstr(buf, "\nUmask:");
      if (p) mask = static_cast<mode_t>(strtoul(p + 7, nullptr, 8));
    }
  }
  return 0777 & ~static_cast<uint32_t>(mask);
}

// Binds [vaddr, vaddr+len) to a data file: an existing backing that contains
// the range, or a new file numbered `serial`. Called with ProcessMutex() held.
int AttachRange(Fabric* f, char* vaddr, size_t len, uint32_t node, uint64_t serial, std::shared_ptr<Backing>* out,
                size_t* offset) {
  for (auto& b : Backings()) {
    if (b->pid != getpid()) continue;
    if (vaddr + len <= b->base || b->base + b->len <= vaddr) continue;
    if (vaddr >= b->base && vaddr + len <= b->base + b->len) {
      b->users++;
      *out = b;
      *offset = static_cast<size_t>(vaddr - b->base);
      return RSM_SUCCESS;
    }
    // Partly overlapping an already bound range: one page cannot be backed
    // by two files, so the simulator cannot lock it a second time.
    return RSMERR_INSUFFICIENT_MEM;
  }
  int rc = CheckExportableRange(vaddr, len);
  if (rc != RSM_SUCCESS) return rc;
  Fd fd;
  std::string path = f->DataPath(node, serial);
  rc = CreateDataFile(path, vaddr, len, &fd);
  if (rc != RSM_SUCCESS) return rc;
  rc = MapSharedAt(vaddr, len, fd.get(), 0);
  if (rc != RSM_SUCCESS) {
    unlink(path.c_str());
    return rc;
  }
  auto b = std::make_shared<Backing>();
  b->base = vaddr;
  b->len = len;
  b->node = node;
  b->serial = serial;
  b->users = 1;
  b->pid = getpid();
  Backings().push_back(b);
  *out = b;
  *offset = 0;
  return RSM_SUCCESS;
}

// Drops one user; the last one gives the pages back to the process as
// private memory (contents kept) and removes the file. ProcessMutex() held.
void DetachRange(Fabric* f, const std::shared_ptr<Backing>& b) {
  if (--b->users > 0) return;
  const std::string path = f->DataPath(b->node, b->serial);
  // Leave the range alone if the application has unmapped or reused it.
  if (!RangeBackedBy(b->base, b->len, path))
    Debug("exported range %p is no longer ours; not touching it", static_cast<void*>(b->base));
  else if (MoveRangeToPrivate(b->base, b->len) != RSM_SUCCESS)
    Debug("could not make %p private again; it stays shared with a removed file", static_cast<void*>(b->base));
  unlink(path.c_str());
  auto& list = Backings();
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i] == b) {
      list.erase(list.begin() + static_cast<long>(i));
      break;
    }
}

// Moves the exporter onto a fresh file so cut-off importers keep only the old
// one. Skipped when another export shares the pages (its importers must keep
// seeing them). ProcessMutex() held. Returns the new serial or 0.
uint64_t Relocate(Fabric* f, const std::shared_ptr<Backing>& b) {
  if (b->users != 1) return 0;
  if (!RangeBackedBy(b->base, b->len, f->DataPath(b->node, b->serial))) return 0;
  uint64_t serial;
  {
    FabricLock lock(*f);
    serial = f->NextSerial(lock);
  }
  std::string path = f->DataPath(b->node, serial);
  Fd fd;
  if (CreateDataFile(path, nullptr, b->len, &fd) != RSM_SUCCESS) return 0;
  if (MoveRangeToFile(b->base, b->len, fd.get()) != RSM_SUCCESS) {
    unlink(path.c_str());
    return 0;
  }
  unlink(f->DataPath(b->node, b->serial).c_str());
  b->serial = serial;
  return serial;
}

// The driver's ACL checks (publish step 7). Copies the list into *out.
int ValidateAcl(const ControllerRec* ctlr, const rsmapi_access_entry_t* acl, uint_t len,
                std::vector<rsmapi_access_entry_t>* out) {
  if ((ctlr->loopback && len > 1) || len > kMaxAcl) return RSMERR_BAD_ACL;
  out->resize(len);
  if (len && !SafeRead(out->data(), acl, len * sizeof(rsmapi_access_entry_t))) return RSMERR_BAD_ADDR;
  for (const auto& e : *out) {
    if (e.ae_node > 64 || (ctlr->loopback && e.ae_node != ctlr->node) || e.ae_permission > 0666)
      return RSMERR_BAD_ACL;
  }
  return RSM_SUCCESS;
}

void StoreAcl(ExportEntry& e, const std::vector<rsmapi_access_entry_t>& acl) {
  e.acl_len = static_cast<uint32_t>(acl.size());
  if (!acl.empty()) memcpy(e.acl, acl.data(), acl.size() * sizeof(rsmapi_access_entry_t));
}

}  // namespace

int ExportCreate(ControllerRec* ctlr, void* vaddr, size_t size, uint_t flags, ExportRec** out) {
  if (!ctlr->loopback && size > ctlr->attr.attr_max_export_segment_size) return RSMERR_BAD_LENGTH;
  std::string error;
  Fabric* f = Fabric::Get(&error);
  if (!f) return RSMERR_INSUFFICIENT_RESOURCES;
  if (int broken = f->Health()) return broken;
  // Injected: page locking finds no exportable memory, or /dev/rsm cannot
  // be opened (faults.h).
  if (int fault = ResourceFault(ctlr->node)) return fault;
  // The driver's bind record captures the creator's identity now.
  const uint32_t uid = geteuid(), gid = getegid(), mode = DefaultMode();
  if (!ControllerOpen(ctlr)) return RSMERR_CTLR_NOT_PRESENT;
  // Lengths travel to the driver as a 32-bit int.
  const int len32 = static_cast<int>(size);
  if (len32 <= 0) return RSMERR_BAD_LENGTH;
  const size_t len = static_cast<size_t>(len32);

  uint32_t index, inc;
  uint64_t serial;
  {
    FabricLock lock(*f);
    if (int broken = f->Health()) return broken;
    uint32_t self = f->Self(lock);
    if (self == kNoEntry) return RSMERR_INSUFFICIENT_RESOURCES;
    if (!ctlr->loopback) {
      uint64_t count = 0, bytes = 0;
      for (uint32_t i = 0; i < kMaxExports; ++i) {
        const ExportEntry& e = f->exp(i);
        if (e.state == kExportFree || e.node != ctlr->node || ctlr->name != e.ctlr) continue;
        ++count;
        bytes += e.length;
      }
      if (count >= ctlr->attr.attr_max_export_segments) return RSMERR_INSUFFICIENT_RESOURCES;
      if (bytes + len > ctlr->attr.attr_tot_export_segment_size) return RSMERR_INSUFFICIENT_MEM;
    }
    index = f->FindFreeExport(lock);
    if (index == kNoEntry) return RSMERR_INSUFFICIENT_RESOURCES;
    ExportEntry& e = f->exp(index);
    e.incarnation++;
    inc = e.incarnation;
    e.owner = self;
    e.owner_inc = f->SelfInc();
    e.node = ctlr->node;
    e.uid = uid;
    e.gid = gid;
    e.default_mode = mode;
    e.segid = 0;
    e.flags = flags;
    e.acl_len = 0;
    e.length = len;
    serial = f->NextSerial(lock);
    e.serial = serial;  // set before the file exists, so a crash still gets it removed
    e.file_offset = 0;
    snprintf(e.ctlr, sizeof e.ctlr, "%s", ctlr->name.c_str());
    e.state = kExportBound;
  }

  std::shared_ptr<Backing> backing;
  size_t offset = 0;
  int rc;
  {
    std::lock_guard<std::mutex> plock(ProcessMutex());
    rc = AttachRange(f, static_cast<char*>(vaddr), len, ctlr->node, serial, &backing, &offset);
  }
  ExportRec* rec = rc == RSM_SUCCESS ? NewExport() : nullptr;
  if (rc == RSM_SUCCESS && !rec) {
    std::lock_guard<std::mutex> plock(ProcessMutex());
    DetachRange(f, backing);
    rc = RSMERR_INSUFFICIENT_MEM;
  }
  FabricLock lock(*f);
  ExportEntry& e = f->exp(index);
  if (rc != RSM_SUCCESS) {
    f->FreeExport(lock, index);
    return rc;
  }
  e.serial = backing->serial;
  e.file_offset = offset;
  rec->ctlr = ctlr;
  rec->vaddr = vaddr;
  rec->size = len;
  rec->flags = flags;
  rec->entry = index;
  rec->entry_inc = inc;
  rec->backing = std::move(backing);
  rec->backing_offset = offset;
  rec->state = SegState::kBound;
  *out = rec;
  Debug("export %u created: %zu bytes at %p, file serial %llu", index, len, vaddr,
        static_cast<unsigned long long>(e.serial));
  return RSM_SUCCESS;
}

int ExportDestroy(ExportRec* seg) {
  std::string error;
  Fabric* f = Fabric::Get(&error);
  {
    std::lock_guard<std::mutex> slock(seg->mu);
    {
      FabricLock lock(*f);
      ExportEntry& e = f->exp(seg->entry);
      if (e.state != kExportFree && e.incarnation == seg->entry_inc) {
        // Destroying a published segment is a full unpublish first.
        f->ForceDisconnectImporters(lock, seg->entry);
        f->FreeExport(lock, seg->entry);
      }
    }
    std::lock_guard<std::mutex> plock(ProcessMutex());
    DetachRange(f, seg->backing);
  }
  ReleaseHandle(seg);
  return RSM_SUCCESS;
}

int ExportPublish(ExportRec* seg, rsm_memseg_id_t id, const rsmapi_access_entry_t* acl, uint_t acl_len,
                  rsm_memseg_id_t* assigned) {
  const bool mine = OwnedHere(seg);
  // An inherited handle's mutex may have been held by a thread that does
  // not exist in this process: do not take it.
  std::unique_lock<std::mutex> slock(seg->mu, std::defer_lock);
  if (mine) slock.lock();
  if (seg->state != SegState::kBound) return RSMERR_SEG_ALREADY_PUBLISHED;
  if (id != 0 && (id <= RSM_DLPI_ID_END || id >= RSM_USER_APP_ID_BASE)) return RSMERR_RESERVED_SEGID;
  if (!mine) return RSMERR_NOT_CREATOR;

  std::vector<rsmapi_access_entry_t> list;
  int rc = ValidateAcl(seg->ctlr, acl, acl_len, &list);
  if (rc != RSM_SUCCESS) return rc;
  // The interconnect-level create may wait for resources (spec 4.2 step 10);
  // loopback has none to wait for.
  if (!seg->ctlr->loopback) {
    rc = WaitForResources(seg->ctlr->node, (seg->flags & RSM_CREATE_SEG_DONTWAIT) != 0);
    if (rc != RSM_SUCCESS) return rc;
  }

  std::string error;
  Fabric* f = Fabric::Get(&error);
  FabricLock lock(*f);
  if (int broken = f->Health()) return broken;
  ExportEntry& e = f->exp(seg->entry);
  const uint32_t node = e.node;
  if (node >= kNodeSlots) return RSMERR_BAD_CONF;  // read from the registry
  if (id == 0) {
    uint64_t& next = f->layout()->next_auto_id[node];
    if (next > 0xFFFFFFFFull) return RSMERR_INSUFFICIENT_RESOURCES;
    id = static_cast<rsm_memseg_id_t>(next++);
  } else if (id <= RSM_DLPI_ID_END && !(id >= RSM_RSMLIB_ID_BASE && id <= RSM_RSMLIB_ID_END)) {
    return RSMERR_RESERVED_SEGID;
  }
  if (e.state != kExportBound || e.incarnation != seg->entry_inc) return RSMERR_BAD_SEG_HNDL;
  for (uint32_t i = 0; i < kMaxExports; ++i) {
    const ExportEntry& o = f->exp(i);
    if (o.state != kExportPublished || o.node != node || o.segid != id) continue;
    // A dead exporter's id is free for reuse once its entries are reaped.
    if (f->ReapIfDead(lock, o.owner) && f->exp(i).state != kExportPublished) continue;
    return RSMERR_SEGID_IN_USE;
  }
  StoreAcl(e, list);
  e.segid = id;
  e.state = kExportPublished;
  seg->segid = id;
  seg->state = SegState::kPublished;
  *assigned = id;
  Debug("export %u published as node %u id %#x, %u ACL entries", seg->entry, node, id, acl_len);
  return RSM_SUCCESS;
}

int ExportUnpublish(ExportRec* seg) {
  const bool mine = OwnedHere(seg);
  std::unique_lock<std::mutex> slock(seg->mu, std::defer_lock);
  if (mine) slock.lock();
  if (seg->state != SegState::kPublished) return RSMERR_SEG_NOT_PUBLISHED;
  if (!mine) return RSMERR_NOT_CREATOR;

  std::string error;
  Fabric* f = Fabric::Get(&error);
  uint32_t cut;
  {
    FabricLock lock(*f);
    ExportEntry& e = f->exp(seg->entry);
    if (e.state != kExportPublished || e.incarnation != seg->entry_inc) return RSMERR_SEG_NOT_PUBLISHED;
    // No longer findable: new connects get SEG_NOT_PUBLISHED, the id is free.
    e.state = kExportBound;
    e.acl_len = 0;
    cut = f->ForceDisconnectImporters(lock, seg->entry);
  }
  if (cut > 0) {
    std::lock_guard<std::mutex> plock(ProcessMutex());
    uint64_t serial = Relocate(f, seg->backing);
    if (serial) {
      FabricLock lock(*f);
      f->exp(seg->entry).serial = serial;
    }
  }
  seg->state = SegState::kBound;
  Debug("export %u unpublished, %u importers cut off", seg->entry, cut);
  return RSM_SUCCESS;
}

int ExportRepublish(ExportRec* seg, const rsmapi_access_entry_t* acl, uint_t acl_len) {
  const bool mine = OwnedHere(seg);
  std::unique_lock<std::mutex> slock(seg->mu, std::defer_lock);
  if (mine) slock.lock();
  if (seg->state != SegState::kPublished) return RSMERR_SEG_NOT_PUBLISHED;
  if (acl_len > 0 && !acl) return RSMERR_BAD_ACL;
  std::string error;
  Fabric* f = Fabric::Get(&error);
  {
    FabricLock lock(*f);
    const ExportEntry& e = f->exp(seg->entry);
    if (e.state != kExportPublished || e.incarnation != seg->entry_inc) return RSMERR_SEG_NOT_PUBLISHED;
  }
  if (!mine) return RSMERR_NOT_CREATOR;
  std::vector<rsmapi_access_entry_t> list;
  int rc = ValidateAcl(seg->ctlr, acl, acl_len, &list);
  if (rc != RSM_SUCCESS) return rc;
  FabricLock lock(*f);
  ExportEntry& e = f->exp(seg->entry);
  if (e.state != kExportPublished || e.incarnation != seg->entry_inc) return RSMERR_SEG_NOT_PUBLISHED;
  // Existing connections keep what they were granted; later connects see
  // the new list.
  StoreAcl(e, list);
  return RSM_SUCCESS;
}

int ExportRebind(ExportRec* seg, void* vaddr, size_t size) {
  const bool mine = OwnedHere(seg);
  if (!(seg->flags & RSM_ALLOW_REBIND)) return RSMERR_REBIND_NOT_ALLOWED;
  if (!mine) return RSMERR_NOT_CREATOR;
  if (!vaddr) return RSMERR_BAD_ADDR;
  std::lock_guard<std::mutex> slock(seg->mu);
  if (size != seg->size) return RSMERR_BAD_LENGTH;
  if (seg->state != SegState::kBound && seg->state != SegState::kPublished) return RSMERR_BAD_SEG_HNDL;
  char* target = static_cast<char*>(vaddr);
  if (target == seg->backing->base + seg->backing_offset) return RSM_SUCCESS;
  if (reinterpret_cast<uintptr_t>(vaddr) % HostPageSize() != 0) return RSMERR_BAD_ADDR;

  std::string error;
  Fabric* f = Fabric::Get(&error);
  uint64_t serial;
  {
    FabricLock lock(*f);
    serial = f->NextSerial(lock);
  }
  std::lock_guard<std::mutex> plock(ProcessMutex());
  std::shared_ptr<Backing> fresh;
  size_t offset = 0;
  int rc = AttachRange(f, target, seg->size, seg->backing->node, serial, &fresh, &offset);
  if (rc != RSM_SUCCESS) return rc;
  {
    // New mappings (importers reopen the file when its serial changed) see
    // the new pages; existing mappings keep the old ones.
    FabricLock lock(*f);
    ExportEntry& e = f->exp(seg->entry);
    e.serial = fresh->serial;
    e.file_offset = offset;
  }
  DetachRange(f, seg->backing);
  seg->backing = std::move(fresh);
  seg->backing_offset = offset;
  return RSM_SUCCESS;
}

}  // namespace rsmsim
