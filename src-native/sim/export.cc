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
#include "memory_server.h"

namespace rsmsim {

// The memory behind an exported range of this process. Two exports of the
// same (or a contained) range share it, since a page can be backed by one
// memory only; everything here is guarded by ProcessMutex(), and
// memory->fd also by ServerMutex() when it changes.
struct Backing {
  char* base = nullptr;
  size_t len = 0;
  int users = 0;
  pid_t pid = 0;  // a forked child inherits the list but not the binding
  std::shared_ptr<SegmentMemory> memory;
  int fd() const { return memory->fd->get(); }
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

// Binds [vaddr, vaddr+len) to memory: an existing backing that contains the
// range, or new memory. Called with ProcessMutex() held.
int AttachRange(char* vaddr, size_t len, std::shared_ptr<Backing>* out, size_t* offset) {
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
    // by two memories, so the simulator cannot lock it a second time.
    return RSMERR_INSUFFICIENT_MEM;
  }
  int rc = CheckExportableRange(vaddr, len);
  if (rc != RSM_SUCCESS) return rc;
  Fd fd;
  rc = CreateSegmentMemory(vaddr, len, &fd);
  if (rc != RSM_SUCCESS) return rc;
  rc = MapSharedAt(vaddr, len, fd.get(), 0);
  if (rc != RSM_SUCCESS) return rc;
  auto b = std::make_shared<Backing>();
  b->base = vaddr;
  b->len = len;
  b->users = 1;
  b->pid = getpid();
  b->memory = std::make_shared<SegmentMemory>();
  b->memory->fd = std::make_shared<Fd>(std::move(fd));
  Backings().push_back(b);
  *out = b;
  *offset = 0;
  return RSM_SUCCESS;
}

// Drops one user; the last one gives the pages back to the process as
// private memory (contents kept); importers keep only the shared memory.
// ProcessMutex() held.
void DetachRange(const std::shared_ptr<Backing>& b) {
  if (--b->users > 0) return;
  // Leave the range alone if the application has unmapped or reused it.
  if (!RangeBackedBy(b->base, b->len, b->fd()))
    Debug("exported range %p is no longer ours; not touching it", static_cast<void*>(b->base));
  else if (MoveRangeToPrivate(b->base, b->len) != RSM_SUCCESS)
    Debug("could not make %p private again; it stays shared", static_cast<void*>(b->base));
  auto& list = Backings();
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i] == b) {
      list.erase(list.begin() + static_cast<long>(i));
      break;
    }
}

// Moves the exporter onto fresh memory so importers that were handed the old
// one (and may still hold it, whatever they were told) keep only that.
// Skipped when another export shares the pages (its importers must keep
// seeing them). ProcessMutex() held.
void Relocate(const std::shared_ptr<Backing>& b) {
  if (b->users != 1) return;
  {
    std::lock_guard<std::mutex> lock(ServerMutex());
    if (!b->memory->handed_out) return;
  }
  if (!RangeBackedBy(b->base, b->len, b->fd())) return;
  Fd fd;
  if (CreateSegmentMemory(nullptr, b->len, &fd) != RSM_SUCCESS) return;
  if (MoveRangeToFile(b->base, b->len, fd.get()) != RSM_SUCCESS) return;
  std::lock_guard<std::mutex> lock(ServerMutex());
  b->memory->fd = std::make_shared<Fd>(std::move(fd));
  b->memory->handed_out = false;
}

// The driver's ACL checks (publish step 7). Copies the list into *out.
int ValidateAcl(const ControllerRec* ctlr, const rsmapi_access_entry_t* acl, uint_t len,
                std::vector<rsmapi_access_entry_t>* out) {
  if ((ctlr->loopback && len > 1) || len > kMaxAcl) return RSMERR_BAD_ACL;
  out->resize(len);
  if (len && !SafeRead(out->data(), acl, len * sizeof(rsmapi_access_entry_t))) return RSMERR_BAD_ADDR;
  for (const auto& e : *out) {
    if (e.ae_node > kMaxAclNode || (ctlr->loopback && e.ae_node != ctlr->node) || e.ae_permission > 0666)
      return RSMERR_BAD_ACL;
  }
  return RSM_SUCCESS;
}

// Publish/republish step 10 (rsm.c rsmpiacl_create): the list translated to
// hardware addresses on this controller; a node it has no path to has none.
int TranslateAcl(const ControllerRec* ctlr, const std::vector<rsmapi_access_entry_t>& acl) {
  for (const auto& e : acl)
    if (e.ae_node != ctlr->node && !ControllerPathTo(ctlr, e.ae_node)) return RSMERR_INTERNAL_ERROR;
  return RSM_SUCCESS;
}

// The generic plug-in's large local memory handles name only the local node
// with permission 0: the driver publishes them without the interconnect.
bool SkipsInterconnect(const ControllerRec* ctlr, const std::vector<rsmapi_access_entry_t>& acl) {
  return !acl.empty() && acl[0].ae_node == ctlr->node && acl[0].ae_permission == 0;
}

// The interconnect's own limits on what one controller has published,
// checked by its segment create (attr_max_export_segments,
// attr_tot_export_segment_size). With the registry lock held.
int InterconnectRoom(Fabric* f, const ControllerRec* ctlr, uint64_t length) {
  uint64_t count = 0, bytes = 0;
  for (uint32_t i = 0; i < kMaxExports; ++i) {
    const ExportEntry& o = f->exp(i);
    if (o.state != kExportPublished || o.node != ctlr->node) continue;
    if (strncmp(ctlr->name.c_str(), o.ctlr, sizeof o.ctlr) != 0) continue;  // bounded: input, not trusted
    if (o.acl_len > 0 && o.acl[0].ae_node == o.node && o.acl[0].ae_permission == 0) continue;
    ++count;
    bytes += o.length;
  }
  if (count >= ctlr->attr.attr_max_export_segments || bytes + length > ctlr->attr.attr_tot_export_segment_size)
    return RSMERR_INSUFFICIENT_RESOURCES;
  return RSM_SUCCESS;
}

void StoreAcl(ExportEntry& e, const std::vector<rsmapi_access_entry_t>& acl) {
  e.acl_len = static_cast<uint32_t>(acl.size());
  if (!acl.empty()) memcpy(e.acl, acl.data(), acl.size() * sizeof(rsmapi_access_entry_t));
}

}  // namespace

int ExportCreate(ControllerRec* ctlr, void* vaddr, size_t size, uint_t flags, ExportRec** out) {
  if (!ctlr->loopback && size > ctlr->attr.attr_max_export_segment_size) return RSMERR_BAD_LENGTH;
  Fabric* f;
  if (Fabric::Get(&f) != RSM_SUCCESS) return RSMERR_INSUFFICIENT_RESOURCES;
  if (int broken = f->Health()) return broken;
  // Injected: page locking finds no exportable memory, or /dev/rsm cannot
  // be opened (faults.h).
  if (int fault = ResourceFault(ctlr->node)) return fault;
  // The driver's bind record captures the creator's identity now.
  const uint32_t uid = geteuid(), gid = getegid(), mode = DefaultMode();
  if (!ControllerOpen(ctlr)) return RSMERR_CTLR_NOT_PRESENT;
  // Importers get the memory from this process only (memory_server.h).
  const uint32_t key = ServerKey();
  if (key == 0) return RSMERR_INSUFFICIENT_RESOURCES;
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
    // Neither the library nor the driver counts a controller's segments or
    // bytes here (docs/semantics.md §4.2): the interconnect's limits are met
    // at publish.
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
    e.server_key = key;
    e.length = len;
    serial = f->NextSerial(lock);
    e.serial = serial;
    e.file_offset = 0;
    snprintf(e.ctlr, sizeof e.ctlr, "%s", ctlr->name.c_str());
    e.state = kExportBound;
  }

  std::shared_ptr<Backing> backing;
  size_t offset = 0;
  int rc;
  {
    std::lock_guard<std::mutex> plock(ProcessMutex());
    rc = AttachRange(static_cast<char*>(vaddr), len, &backing, &offset);
  }
  ExportRec* rec = rc == RSM_SUCCESS ? NewExport() : nullptr;
  if (rc == RSM_SUCCESS && !rec) {
    std::lock_guard<std::mutex> plock(ProcessMutex());
    DetachRange(backing);
    rc = RSMERR_INSUFFICIENT_MEM;
  }
  if (rc == RSM_SUCCESS) {
    std::lock_guard<std::mutex> slock(ServerMutex());
    ServedExport& s = Served(index);
    s = ServedExport();
    s.incarnation = inc;
    s.node = ctlr->node;
    s.loopback = ctlr->loopback;
    s.uid = uid;
    s.gid = gid;
    s.default_mode = mode;
    s.memory = backing->memory;
    s.offset = offset;
    s.length = len;
  }
  FabricLock lock(*f);
  ExportEntry& e = f->exp(index);
  if (rc != RSM_SUCCESS) {
    f->FreeExport(lock, index);
    return rc;
  }
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
  Debug("export %u created: %zu bytes at %p", index, len, vaddr);
  return RSM_SUCCESS;
}

int ExportDestroy(ExportRec* seg) {
  Fabric* f;
  if (int rc = Fabric::Get(&f)) return rc;
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
    if (OwnedHere(seg)) {
      std::lock_guard<std::mutex> lock(ServerMutex());
      StopServing(seg->entry);
    }
    std::lock_guard<std::mutex> plock(ProcessMutex());
    DetachRange(seg->backing);
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
  // The interconnect-level create may wait for resources (docs/semantics.md §4.2 step 10);
  // loopback has none to wait for.
  if (!seg->ctlr->loopback) {
    rc = WaitForResources(seg->ctlr->node, (seg->flags & RSM_CREATE_SEG_DONTWAIT) != 0);
    if (rc != RSM_SUCCESS) return rc;
  }

  Fabric* f;
  if (int rc = Fabric::Get(&f)) return rc;
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
  if (!seg->ctlr->loopback && !SkipsInterconnect(seg->ctlr, list)) {
    rc = TranslateAcl(seg->ctlr, list);
    if (rc == RSM_SUCCESS) rc = InterconnectRoom(f, seg->ctlr, e.length);
    if (rc != RSM_SUCCESS) return rc;
  }
  StoreAcl(e, list);
  e.segid = id;
  e.state = kExportPublished;
  {
    std::lock_guard<std::mutex> served(ServerMutex());
    ServedExport& s = Served(seg->entry);
    s.acl = list;
    s.published = true;
  }
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

  Fabric* f;
  if (int rc = Fabric::Get(&f)) return rc;
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
  {
    std::lock_guard<std::mutex> served(ServerMutex());
    ServedExport& s = Served(seg->entry);
    s.published = false;
    s.acl.clear();
  }
  {
    std::lock_guard<std::mutex> plock(ProcessMutex());
    Relocate(seg->backing);
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
  Fabric* f;
  if (int rc = Fabric::Get(&f)) return rc;
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
  // The old list stays when the new one cannot be translated.
  rc = TranslateAcl(seg->ctlr, list);
  if (rc != RSM_SUCCESS) return rc;
  // Existing connections keep what they were granted; later connects see
  // the new list.
  StoreAcl(e, list);
  std::lock_guard<std::mutex> served(ServerMutex());
  Served(seg->entry).acl = list;
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

  std::lock_guard<std::mutex> plock(ProcessMutex());
  const std::shared_ptr<Backing>& b = seg->backing;
  // The same memory moves to the new pages, so every importer's descriptor
  // and mapping reaches them (docs/semantics.md §5.4). Memory shared with
  // another export cannot move without dragging that export along.
  if (b->users != 1 || seg->backing_offset != 0 || b->len != seg->size) return RSMERR_INSUFFICIENT_MEM;
  for (auto& other : Backings()) {
    if (other->pid != getpid()) continue;
    if (!(target + seg->size <= other->base || other->base + other->len <= target)) return RSMERR_INSUFFICIENT_MEM;
  }
  int rc = CheckExportableRange(target, seg->size);
  if (rc != RSM_SUCCESS) return rc;
  // The old pages become the process's private memory again, with the
  // contents they had; the shared memory takes the new pages' contents.
  const bool old_ours = RangeBackedBy(b->base, b->len, b->fd());
  if (old_ours && MoveRangeToPrivate(b->base, b->len) != RSM_SUCCESS) return RSMERR_INSUFFICIENT_MEM;
  rc = MoveRangeToFile(target, seg->size, b->fd());
  if (rc != RSM_SUCCESS) {
    if (old_ours && MoveRangeToFile(b->base, b->len, b->fd()) != RSM_SUCCESS)
      Debug("rebind failed and %p could not be shared again", static_cast<void*>(b->base));
    return rc;
  }
  b->base = target;
  return RSM_SUCCESS;
}

}  // namespace rsmsim
