#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "controller.h"
#include "fabric.h"
#include "faults.h"
#include "memory_server.h"

namespace rsmsim {

// One exported range of this process, and the export it belongs to.
struct Member {
  ExportRec* rec;
  char* addr;  // where the export is now (rebind moves it)
  size_t len;
};

// The memory behind exported ranges of this process: one sparse memory file
// for each set of overlapping ranges, since a page can be backed by one
// memory only and the driver lets exports overlap (docs/semantics.md §4.2).
// The page at address a lives at file offset a + delta. Guarded by
// ProcessMutex(); memory->fd also by ServerMutex() when it changes.
struct Backing {
  std::shared_ptr<SegmentMemory> memory;
  int64_t delta = 0;
  std::vector<Member> members;
  pid_t pid = 0;  // a forked child inherits the list but not the binding
  int fd() const { return memory->fd->get(); }
  off_t OffsetOf(const char* a) const { return static_cast<off_t>(reinterpret_cast<intptr_t>(a) + delta); }
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

// A set of addresses [first, second).
using Span = std::pair<char*, char*>;

// The union of the members' ranges (all but `except`), sorted and merged.
std::vector<Span> Covered(const Backing& b, const ExportRec* except = nullptr) {
  std::vector<Span> spans;
  for (const Member& m : b.members)
    if (m.rec != except) spans.emplace_back(m.addr, m.addr + m.len);
  std::sort(spans.begin(), spans.end());
  std::vector<Span> merged;
  for (const Span& sp : spans) {
    if (!merged.empty() && sp.first <= merged.back().second) merged.back().second = std::max(merged.back().second, sp.second);
    else merged.push_back(sp);
  }
  return merged;
}

// The parts of `whole` no span of `covered` (sorted, merged) holds.
std::vector<Span> Subtract(Span whole, const std::vector<Span>& covered) {
  std::vector<Span> rest;
  char* at = whole.first;
  for (const Span& c : covered) {
    if (c.second <= at || c.first >= whole.second) continue;
    if (c.first > at) rest.emplace_back(at, c.first);
    at = std::max(at, c.second);
  }
  if (at < whole.second) rest.emplace_back(at, whole.second);
  return rest;
}

size_t Length(const Span& sp) { return static_cast<size_t>(sp.second - sp.first); }

bool Overlaps(const Backing& b, const char* vaddr, size_t len) {
  for (const Member& m : b.members)
    if (vaddr < m.addr + m.len && m.addr < vaddr + len) return true;
  return false;
}

Member* FindMember(Backing& b, const ExportRec* rec) {
  for (Member& m : b.members)
    if (m.rec == rec) return &m;
  return nullptr;
}

void Forget(const std::shared_ptr<Backing>& b) {
  auto& list = Backings();
  list.erase(std::remove(list.begin(), list.end(), b), list.end());
}

uint64_t FileSize(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Fresh, empty memory of the size of `like`'s file.
int FreshMemory(const Backing& like, std::shared_ptr<SegmentMemory>* out) {
  Fd fd;
  int rc = CreateSegmentMemory(nullptr, 0, static_cast<off_t>(FileSize(like.fd())), &fd);
  if (rc != RSM_SUCCESS) return rc;
  *out = std::make_shared<SegmentMemory>();
  (*out)->fd = std::make_shared<Fd>(std::move(fd));
  return RSM_SUCCESS;
}

// Points the member's export at `b` (its pages are already there).
// ProcessMutex() held.
void Adopt(const std::shared_ptr<Backing>& b, const Member& m) {
  m.rec->backing = b;
  m.rec->backing_offset = static_cast<size_t>(b->OffsetOf(m.addr));
  std::lock_guard<std::mutex> lock(ServerMutex());
  ServedExport& s = Served(m.rec->entry);
  s.memory = b->memory;
  s.offset = m.rec->backing_offset;
}

// Moves the exporter's pages of every span onto `fd` at the offsets of
// `to`. On failure the spans already moved go back to `back`'s memory (when
// given).
int MoveSpans(const Backing& to, const std::vector<Span>& spans, int fd, const Backing* back) {
  for (size_t i = 0; i < spans.size(); ++i) {
    int rc = MoveRangeToFile(spans[i].first, Length(spans[i]), fd, to.OffsetOf(spans[i].first));
    if (rc == RSM_SUCCESS) continue;
    for (size_t k = 0; k < i && back; ++k)
      if (MoveRangeToFile(spans[k].first, Length(spans[k]), back->fd(), back->OffsetOf(spans[k].first)) != RSM_SUCCESS)
        Debug("could not move %p back to its memory", static_cast<void*>(spans[k].first));
    return rc;
  }
  return RSM_SUCCESS;
}

// Gives the pages of spans no export of `b` covers any more back to the
// process as private memory (contents kept). The memory file forgets them
// while other exports still use it, so their future importers cannot read
// them. ProcessMutex() held.
void Release(const Backing& b, const std::vector<Span>& spans) {
  for (const Span& sp : spans) {
    // Leave the range alone if the application has unmapped or reused it.
    if (!RangeBackedBy(sp.first, Length(sp), b.fd()))
      Debug("exported range %p is no longer ours; not touching it", static_cast<void*>(sp.first));
    else if (MoveRangeToPrivate(sp.first, Length(sp)) != RSM_SUCCESS)
      Debug("could not make %p private again; it stays shared", static_cast<void*>(sp.first));
    if (!b.members.empty()) DropSegmentPages(b.fd(), b.OffsetOf(sp.first), Length(sp));
  }
}

// Binds [vaddr, vaddr+len) of export `rec` to memory: new memory, or the
// memory of the exports it overlaps (docs/semantics.md §4.2), which then
// becomes one. Called with ProcessMutex() held.
int AttachRange(ExportRec* rec, char* vaddr, size_t len, std::shared_ptr<Backing>* out, size_t* offset) {
  std::vector<std::shared_ptr<Backing>> hit;
  for (auto& b : Backings())
    if (b->pid == getpid() && Overlaps(*b, vaddr, len)) hit.push_back(b);
  int rc = CheckExportableRange(vaddr, len);
  if (rc != RSM_SUCCESS) return rc;
  if (hit.empty()) {
    auto b = std::make_shared<Backing>();
    b->pid = getpid();
    Fd fd;
    rc = CreateSegmentMemory(vaddr, len, b->OffsetOf(vaddr), &fd);
    if (rc != RSM_SUCCESS) return rc;
    rc = MapSharedAt(vaddr, len, fd.get(), b->OffsetOf(vaddr));
    if (rc != RSM_SUCCESS) return rc;
    b->memory = std::make_shared<SegmentMemory>();
    b->memory->fd = std::make_shared<Fd>(std::move(fd));
    b->members.push_back(Member{rec, vaddr, len});
    Backings().push_back(b);
    *out = b;
    *offset = static_cast<size_t>(b->OffsetOf(vaddr));
    return RSM_SUCCESS;
  }
  // The memory importers already hold stays; the others join it. Two that
  // importers hold cannot become one (docs/semantics.md §7).
  std::shared_ptr<Backing> keep;
  bool foreign = false;
  {
    std::lock_guard<std::mutex> lock(ServerMutex());
    for (auto& b : hit) {
      if (b->memory->handed_to.empty()) continue;
      if (keep) return RSMERR_INSUFFICIENT_MEM;
      keep = b;
      foreign = b->memory->handed_foreign;
    }
  }
  if (!keep) keep = hit.front();
  std::vector<Span> all;
  for (auto& b : hit)
    for (const Span& sp : Covered(*b)) all.push_back(sp);
  std::sort(all.begin(), all.end());
  const std::vector<Span> fresh = Subtract(Span(vaddr, vaddr + len), all);
  // Another user's importer holds that memory: it must not reach pages it
  // was never granted (docs/semantics.md §7).
  if (foreign && (!fresh.empty() || hit.size() > 1)) return RSMERR_INSUFFICIENT_MEM;
  const uint64_t size = FileSize(keep->fd());
  auto fits = [&](const char* a, size_t n) {
    const off_t o = keep->OffsetOf(a);
    return o >= 0 && static_cast<uint64_t>(o) + n <= size;
  };
  if (!fits(vaddr, len)) return RSMERR_INSUFFICIENT_MEM;
  for (auto& b : hit)
    for (const Span& sp : Covered(*b))
      if (!fits(sp.first, Length(sp))) return RSMERR_INSUFFICIENT_MEM;
  // Copies keep the bytes; the exporter's pages swap in place.
  for (auto& b : hit) {
    if (b == keep) continue;
    rc = MoveSpans(*keep, Covered(*b), keep->fd(), b.get());
    if (rc != RSM_SUCCESS) return rc;
    for (const Member& m : b->members) {
      keep->members.push_back(m);
      Adopt(keep, m);
    }
    Forget(b);
  }
  rc = MoveSpans(*keep, fresh, keep->fd(), nullptr);
  if (rc != RSM_SUCCESS) {
    Release(Backing{keep->memory, keep->delta, {}, keep->pid}, fresh);
    return rc;
  }
  keep->members.push_back(Member{rec, vaddr, len});
  *out = keep;
  *offset = static_cast<size_t>(keep->OffsetOf(vaddr));
  return RSM_SUCCESS;
}

// Drops export `rec` from its memory; pages no other export covers go back
// to the process (contents kept); importers keep only the shared memory.
// ProcessMutex() held.
void DetachRange(ExportRec* rec) {
  const std::shared_ptr<Backing> b = rec->backing;
  if (!b) return;
  Member* me = FindMember(*b, rec);
  if (!me) return;
  const Span mine(me->addr, me->addr + me->len);
  b->members.erase(b->members.begin() + (me - b->members.data()));
  Release(*b, Subtract(mine, Covered(*b)));
  if (b->members.empty()) Forget(b);
}

// Moves the exporter onto fresh memory so the importers of export `key`
// that were handed the old one (and may still hold it, whatever they were
// told) keep only that. Impossible while importers of another export
// sharing the memory hold it too: they must keep seeing the exporter
// (docs/semantics.md §7). ProcessMutex() held.
void Relocate(const std::shared_ptr<Backing>& b, uint64_t key) {
  if (!b || b->members.empty()) return;
  {
    std::lock_guard<std::mutex> lock(ServerMutex());
    if (b->memory->handed_to.empty()) return;
    if (!b->memory->HandedOnlyTo(key)) {
      Debug("memory shared with other imported exports stays reachable by cut-off importers");
      return;
    }
  }
  std::vector<Span> spans;
  for (const Span& sp : Covered(*b))
    if (RangeBackedBy(sp.first, Length(sp), b->fd())) spans.push_back(sp);
  std::shared_ptr<SegmentMemory> fresh;
  if (FreshMemory(*b, &fresh) != RSM_SUCCESS) return;
  if (MoveSpans(*b, spans, fresh->fd->get(), b.get()) != RSM_SUCCESS) return;
  std::lock_guard<std::mutex> lock(ServerMutex());
  b->memory->fd = fresh->fd;
  b->memory->handed_to.clear();
  b->memory->handed_foreign = false;
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
    e.file_offset = 0;
    snprintf(e.ctlr, sizeof e.ctlr, "%s", ctlr->name.c_str());
    e.state = kExportBound;
  }

  ExportRec* rec = NewExport();
  int rc = rec ? RSM_SUCCESS : RSMERR_INSUFFICIENT_MEM;
  size_t offset = 0;
  if (rec) {
    // One critical section: a later overlapping export may move this one's
    // memory (Adopt) as soon as it is listed.
    std::lock_guard<std::mutex> plock(ProcessMutex());
    rec->entry = index;
    rec->entry_inc = inc;
    std::shared_ptr<Backing> backing;
    rc = AttachRange(rec, static_cast<char*>(vaddr), len, &backing, &offset);
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
      rec->backing = std::move(backing);
      rec->backing_offset = offset;
    }
  }
  if (rc != RSM_SUCCESS && rec) ReleaseHandle(rec);
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
      StopServing(seg->entry, seg->entry_inc);
    }
    std::lock_guard<std::mutex> plock(ProcessMutex());
    const std::shared_ptr<Backing> b = seg->backing;
    DetachRange(seg);
    // Memory other exports still use: move them off what the cut-off
    // importers hold, where possible.
    Relocate(b, ExportKey(seg->entry, seg->entry_inc));
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
    Relocate(seg->backing, ExportKey(seg->entry, seg->entry_inc));
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
  std::lock_guard<std::mutex> plock(ProcessMutex());
  const std::shared_ptr<Backing> b = seg->backing;
  Member* me = b ? FindMember(*b, seg) : nullptr;
  if (!me) return RSMERR_BAD_SEG_HNDL;
  if (target == me->addr) return RSM_SUCCESS;
  if (reinterpret_cast<uintptr_t>(vaddr) % HostPageSize() != 0) return RSMERR_BAD_ADDR;
  for (auto& other : Backings())
    if (other->pid == getpid() && Overlaps(*other, target, seg->size)) return RSMERR_INSUFFICIENT_MEM;
  int rc = CheckExportableRange(target, seg->size);
  if (rc != RSM_SUCCESS) return rc;
  const Span old(me->addr, me->addr + me->len);
  const off_t offset = b->OffsetOf(me->addr);
  bool mine_held, others_held;
  {
    std::lock_guard<std::mutex> lock(ServerMutex());
    const uint64_t key = ExportKey(seg->entry, seg->entry_inc);
    const auto& to = b->memory->handed_to;
    mine_held = std::find(to.begin(), to.end(), key) != to.end();
    others_held = !b->memory->HandedOnlyTo(key);
  }
  // Every importer of this export must reach the new pages once rebind
  // returns (docs/semantics.md §5.4), and those of the exports it overlaps
  // the old ones; memory both hold cannot be split (docs/semantics.md §7).
  if (b->members.size() > 1 && mine_held && others_held) return RSMERR_INSUFFICIENT_MEM;

  if (b->members.size() > 1 && !mine_held) {
    // Nobody holds this export's memory: it leaves for memory of its own.
    auto nb = std::make_shared<Backing>();
    nb->pid = getpid();
    rc = FreshMemory(*b, &nb->memory);
    if (rc == RSM_SUCCESS) rc = MoveRangeToFile(target, seg->size, nb->fd(), nb->OffsetOf(target));
    if (rc != RSM_SUCCESS) return rc;
    Member moved = *me;
    moved.addr = target;
    b->members.erase(b->members.begin() + (me - b->members.data()));
    Release(*b, Subtract(old, Covered(*b)));
    nb->members.push_back(moved);
    Backings().push_back(nb);
    Adopt(nb, moved);
    return RSM_SUCCESS;
  }
  const bool split = b->members.size() > 1;
  if (split) {
    // Only this export's importers hold the memory: it moves with this
    // export, and the others go onto fresh memory with their contents.
    auto ob = std::make_shared<Backing>();
    ob->pid = getpid();
    ob->delta = b->delta;
    rc = FreshMemory(*b, &ob->memory);
    if (rc != RSM_SUCCESS) return rc;
    const std::vector<Span> theirs = Covered(*b, seg);
    rc = MoveSpans(*ob, theirs, ob->fd(), b.get());
    if (rc != RSM_SUCCESS) return rc;
    const Member mine = *me;
    for (const Member& m : b->members)
      if (m.rec != seg) ob->members.push_back(m);
    b->members.assign(1, mine);
    me = &b->members.front();
    Backings().push_back(ob);
    for (const Member& m : ob->members) Adopt(ob, m);
    // What only this export covered goes back to the process; what the
    // others cover is theirs now, and this memory forgets it.
    for (const Span& sp : Subtract(old, theirs))
      if (RangeBackedBy(sp.first, Length(sp), b->fd()) && MoveRangeToPrivate(sp.first, Length(sp)) != RSM_SUCCESS)
        Debug("could not make %p private again; it stays shared", static_cast<void*>(sp.first));
    for (const Span& sp : theirs)
      for (const Span& rest : Subtract(sp, {old})) DropSegmentPages(b->fd(), b->OffsetOf(rest.first), Length(rest));
  } else if (RangeBackedBy(old.first, Length(old), b->fd()) && MoveRangeToPrivate(old.first, Length(old)) != RSM_SUCCESS) {
    // The old pages become the process's private memory again, with the
    // contents they had.
    return RSMERR_INSUFFICIENT_MEM;
  }
  // The same memory takes the new pages' contents, so every importer's
  // descriptor and mapping reaches them.
  rc = MoveRangeToFile(target, seg->size, b->fd(), offset);
  if (rc != RSM_SUCCESS) {
    // After a split the old pages the others cover are theirs: no way back.
    if (split || MoveRangeToFile(old.first, Length(old), b->fd(), offset) != RSM_SUCCESS)
      Debug("rebind failed and %p could not be shared again", static_cast<void*>(old.first));
    return rc;
  }
  me->addr = target;
  b->delta = static_cast<int64_t>(offset) - reinterpret_cast<intptr_t>(target);
  return RSM_SUCCESS;
}

}  // namespace rsmsim
