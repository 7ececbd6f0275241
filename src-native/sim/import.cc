#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "controller.h"
#include "fabric.h"
#include "faults.h"
#include "memory_server.h"

namespace rsmsim {

namespace {

bool InGroup(gid_t gid) {
  if (getegid() == gid) return true;
  int n = getgroups(0, nullptr);
  if (n <= 0) return false;
  std::vector<gid_t> groups(static_cast<size_t>(n));
  n = getgroups(n, groups.data());
  for (int i = 0; i < n; ++i)
    if (groups[static_cast<size_t>(i)] == gid) return true;
  return false;
}

// Spec 5.1 item 2: may this user get R given the exporter's identity and the
// granted node mode G? Returns E (the stored mode) through *mode.
bool UserAllowed(uint32_t r, uint32_t g, uint32_t owner_uid, uint32_t owner_gid, uint32_t* mode) {
  uint32_t a = ((r & RSM_PERM_READ) ? 0444u : 0u) | ((r & RSM_PERM_WRITE) ? 0222u : 0u);
  uint32_t e = a & g;
  *mode = e;
  int shift = geteuid() == owner_uid ? 0 : InGroup(owner_gid) ? 3 : 6;
  uint32_t missing = r & ~(e << shift);
  return missing == 0 || geteuid() == 0;  // privilege: the superuser reads and writes anything
}

// Connect step 10 (rsm.c rsm_connect): the remote node's hardware address on
// this controller. No path at all fails before anything is sent
// (RSMERR_INTERNAL_ERROR); a path that is down, or cut by a fault, cannot
// carry the request (RSMERR_REMOTE_NODE_UNREACHABLE). *path is the path the
// interconnect connect will use, nullptr for the local node (handled in place).
int FindPath(const ControllerRec* ctlr, rsm_node_id_t node, const LinkDesc** path) {
  *path = nullptr;
  if (node == ctlr->node) return RSM_SUCCESS;
  const LinkDesc* l = ControllerPathTo(ctlr, node);
  if (!l) return RSMERR_INTERNAL_ERROR;
  if (l->state != RSM_CONNECTION_ACTIVE || PathCut(ctlr->node, node)) return RSMERR_REMOTE_NODE_UNREACHABLE;
  *path = l;
  return RSM_SUCCESS;
}

// Connect step 14, the interconnect connect of a remote importer: it reaches
// the adapter at the far end of `path`, which knows only the segments
// published on it. A segment published on another controller of the
// exporting node (its loopback, or another interconnect) is unknown there,
// and the interconnect's "no such segment" comes back unchanged as
// RSMERR_SEG_NOT_PUBLISHED (rsm.c rsm_connect maps only "not published to
// address" and "address unreachable/unknown"). Its own limit on imports
// (attr_max_import_segments) counts interconnect connections: imports of this
// node through this controller sharing one (node, segment id) use one.
int InterconnectConnect(Fabric* f, const ControllerRec* ctlr, const LinkDesc* path, const ExportEntry& e,
                        rsm_node_id_t node, rsm_memseg_id_t segid) {
  // Bounded: the registry's name need not be terminated.
  if (strncmp(path->ctlr.c_str(), e.ctlr, sizeof e.ctlr) != 0) return RSMERR_SEG_NOT_PUBLISHED;
  std::vector<uint64_t> connections;
  for (uint32_t k = 0; k < kMaxImports; ++k) {
    const ImportEntry& m = f->imp(k);
    if (!m.in_use || m.disconnected || m.node != ctlr->node || m.export_node == m.node ||
        strncmp(ctlr->name.c_str(), m.ctlr, sizeof m.ctlr) != 0)
      continue;
    const uint64_t key = (uint64_t{m.export_node} << 32) | m.segid;
    if (key == ((uint64_t{node} << 32) | segid)) return RSM_SUCCESS;  // shared: no new interconnect connection
    if (std::find(connections.begin(), connections.end(), key) == connections.end()) connections.push_back(key);
  }
  if (connections.size() >= ctlr->attr.attr_max_import_segments) return RSMERR_INSUFFICIENT_RESOURCES;
  return RSM_SUCCESS;
}

// Whether the open data file has `length` bytes from `offset` (a page
// multiple), as the registry claims.
bool FileHolds(int fd, uint64_t offset, uint64_t length) {
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < 0) return false;
  const uint64_t page = static_cast<uint64_t>(HostPageSize());
  return offset % page == 0 && offset <= static_cast<uint64_t>(st.st_size) &&
         length <= static_cast<uint64_t>(st.st_size) - offset;
}

int MmapError(int err) {
  switch (err) {
    case ENOMEM:
    case ENXIO:
    case EOVERFLOW:
      return RSMERR_BAD_LENGTH;
    case ENODEV:
      return RSMERR_CONN_ABORTED;
    case EAGAIN:
      return RSMERR_INSUFFICIENT_RESOURCES;
    case EACCES:
      return RSMERR_BAD_PERMS;
    default:
      return RSMERR_MAP_FAILED;
  }
}

// The driver's side of mmap on an import: ENODEV once the connection is gone,
// EACCES for a protection the stored mode E does not allow. The memory is
// the one the exporter handed over at connect: a rebind moves that memory,
// never replaces it. Returns 0 or errno.
int DriverMap(ImportRec* seg, int prot, off_t offset, size_t length, void* hint, bool fixed, void** out) {
  Fabric* f;
  if (Fabric::Get(&f) != RSM_SUCCESS) return ENODEV;
  if (seg->LiveGeneration() != seg->connect_gen) return ENODEV;
  {
    FabricLock lock(*f);
    if (f->Broken()) return ENODEV;
    const ImportEntry& m = f->imp(seg->entry);
    if (!f->Alive(seg->export_owner, seg->export_owner_inc)) f->ReapIfDead(lock, seg->export_owner);
    if (!m.in_use || m.incarnation != seg->entry_inc || m.disconnected) return ENODEV;
  }
  if (((prot & PROT_READ) && !(seg->mode & RSM_PERM_READ)) || ((prot & PROT_WRITE) && !(seg->mode & RSM_PERM_WRITE)))
    return EACCES;
  // A mode allowing no access came with no memory: only an inaccessible
  // mapping can be made.
  void* p = seg->fd.valid()
                ? mmap(hint, length, prot, MAP_SHARED | (fixed ? MAP_FIXED : 0), seg->fd.get(), seg->file_offset + offset)
                : mmap(hint, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | (fixed ? MAP_FIXED : 0), -1, 0);
  if (p == MAP_FAILED) return errno;
  *out = p;
  return 0;
}

// The driver's part of connect, under the registry lock: find the published
// segment, apply the ACL and user checks, enter the import and bump its
// generation. The memory comes afterwards, from the exporter.
int ConnectInRegistry(Fabric* f, ControllerRec* ctlr, const LinkDesc* path, rsm_node_id_t node, rsm_memseg_id_t segid,
                      rsm_permission_t perm, ImportRec* rec, uint32_t* index_out, uint32_t* export_out, uint32_t* mode_out,
                  uint64_t* offset_out, uint64_t* length_out) {
  FabricLock lock(*f);
  if (int rc = f->Health()) return rc;
  uint32_t self = f->Self(lock);
  if (self == kNoEntry) return RSMERR_INSUFFICIENT_RESOURCES;
  // The exporter's side: is the id published on that node, to us?
  uint32_t export_index = kNoEntry;
  for (uint32_t i = 0; i < kMaxExports; ++i) {
    const ExportEntry& e = f->exp(i);
    if (e.state != kExportPublished || e.node != node || e.segid != segid) continue;
    if (f->ReapIfDead(lock, e.owner)) continue;
    export_index = i;
    break;
  }
  if (export_index == kNoEntry) return RSMERR_SEG_NOT_PUBLISHED;
  const ExportEntry& e = f->exp(export_index);
  // Read from the registry: checked before use.
  if (e.acl_len > kMaxAcl || e.owner >= kMaxProcs || e.length == 0 || e.length > 0x7FFFFFFFull) return RSMERR_BAD_CONF;
  uint32_t granted;
  if (e.acl_len == 0) {
    granted = e.default_mode & 0666;
  } else {
    bool listed = false;
    granted = 0;
    for (uint32_t k = 0; k < e.acl_len; ++k)
      if (e.acl[k].ae_node == ctlr->node) {
        granted = e.acl[k].ae_permission & 0666;
        listed = true;
        break;
      }
    if (!listed) {
      // A node that already shares a connection to the segment got mode 0
      // from the republish that dropped it, rather than a refusal.
      bool shared = false;
      for (uint32_t k = 0; k < kMaxImports && !shared; ++k) {
        const ImportEntry& m = f->imp(k);
        shared = m.in_use && !m.disconnected && m.export_index == export_index && m.export_inc == e.incarnation &&
                 m.node == ctlr->node && ctlr->name == m.ctlr;
      }
      if (!shared) return RSMERR_SEG_NOT_PUBLISHED_TO_NODE;
    }
  }
  uint32_t mode;
  if (!UserAllowed(perm, granted, e.uid, e.gid, &mode)) return RSMERR_PERM_DENIED;
  if (path) {
    int rc = InterconnectConnect(f, ctlr, path, e, node, segid);
    if (rc != RSM_SUCCESS) return rc;
  }
  uint32_t index = f->FindFreeImport(lock);
  if (index == kNoEntry) return RSMERR_INSUFFICIENT_RESOURCES;
  // Who to ask for the memory (memory_server.h).
  rec->export_pid = f->layout()->procs[e.owner].pid;
  rec->export_key = e.server_key;
  rec->export_inc = e.incarnation;
  ImportEntry& m = f->imp(index);
  m.incarnation++;
  m.owner = self;
  m.owner_inc = f->SelfInc();
  m.node = ctlr->node;
  m.export_index = export_index;
  m.export_inc = e.incarnation;
  m.mode = mode;
  m.disconnected = 0;
  m.segid = segid;
  m.export_node = node;
  snprintf(m.ctlr, sizeof m.ctlr, "%s", ctlr->name.c_str());
  m.in_use = 1;
  rec->connect_gen = __atomic_add_fetch(f->GenerationSlot(index), 1, __ATOMIC_ACQ_REL);
  rec->entry = index;
  rec->entry_inc = m.incarnation;
  rec->export_owner = e.owner;
  rec->export_owner_inc = e.owner_inc;
  *index_out = index;
  *export_out = export_index;
  *mode_out = mode;
  *offset_out = e.file_offset;
  *length_out = e.length;
  return RSM_SUCCESS;
}

// Asks the exporting process for its memory; it decides again from its own
// records, and what it grants (mode and descriptor) is what the import gets.
// On refusal the import entry made by ConnectInRegistry is freed.
int ObtainMemory(Fabric* f, ImportRec* rec, uint32_t index, uint32_t export_index, uint32_t node,
                 rsm_permission_t perm, uint32_t* mode, uint64_t* offset, uint64_t* length) {
  Grant g = FetchMemory(rec->export_pid, rec->export_key, export_index, rec->export_inc, node, perm);
  // Memory shorter than the answer says would fault on access.
  if (g.rc == RSM_SUCCESS && g.fd.valid() && !FileHolds(g.fd.get(), g.offset, g.length)) g.rc = RSMERR_BAD_CONF;
  if (g.rc == RSM_SUCCESS) {
    rec->fd = std::move(g.fd);
    *mode = g.mode;
    *offset = g.offset;
    *length = g.length;
    return RSM_SUCCESS;
  }
  FabricLock lock(*f);
  if (!f->Alive(rec->export_owner, rec->export_owner_inc)) f->ReapIfDead(lock, rec->export_owner);
  const ImportEntry& m = f->imp(index);
  if (m.in_use && m.incarnation == rec->entry_inc) f->FreeImport(lock, index);
  return g.rc;
}

}  // namespace

int ImportConnect(ControllerRec* ctlr, rsm_node_id_t node, rsm_memseg_id_t segid, rsm_permission_t perm,
                  ImportRec** out) {
  int rc;
  Fabric* f;
  if (Fabric::Get(&f) != RSM_SUCCESS) return RSMERR_INSUFFICIENT_RESOURCES;
  if (int broken = f->Health()) return broken;
  // Injected: the library's allocation, or its open of /dev/rsm, fails.
  rc = ResourceFault(ctlr->node);
  if (rc != RSM_SUCCESS) return rc;
  if (!ControllerOpen(ctlr)) return RSMERR_CTLR_NOT_PRESENT;
  if (ctlr->loopback && node != ctlr->node) return RSMERR_CTLR_NOT_PRESENT;
  const LinkDesc* path = nullptr;
  rc = FindPath(ctlr, node, &path);
  if (rc != RSM_SUCCESS) return rc;
  // Injected: the exporting node does not answer; the driver keeps asking.
  rc = WaitForAnswer(ctlr->node, node);
  if (rc != RSM_SUCCESS) return rc;

  ImportRec* rec = NewImport();
  if (!rec) return RSMERR_INSUFFICIENT_MEM;
  uint32_t index = kNoEntry, export_index = kNoEntry, mode = 0;
  uint64_t file_offset = 0, length = 0;
  // Never release the record while holding the registry lock: releasing
  // takes the process mutex, which is held elsewhere around registry calls.
  rc = ConnectInRegistry(f, ctlr, path, node, segid, perm, rec, &index, &export_index, &mode, &file_offset, &length);
  if (rc == RSM_SUCCESS) rc = ObtainMemory(f, rec, index, export_index, ctlr->node, perm, &mode, &file_offset, &length);
  if (rc != RSM_SUCCESS) {
    ReleaseHandle(rec);
    return rc;
  }
  rec->ctlr = ctlr;
  rec->node = node;
  rec->segid = segid;
  rec->perm = perm;
  rec->mode = mode;
  rec->size = length;
  rec->file_offset = static_cast<off_t>(file_offset);
  rec->export_index = export_index;
  rec->gen_slot = f->GenerationSlot(index);
  rec->barrier_mode = RSM_BARRIER_MODE_IMPLICIT;
  rec->barrier = nullptr;
  rec->state = SegState::kConnected;
  *out = rec;
  Debug("import %u connected to node %u id %#x, mode %03o", index, node, segid, mode);
  return RSM_SUCCESS;
}

int ImportDisconnect(ImportRec* seg) {
  {
    std::lock_guard<std::mutex> slock(seg->mu);
    if (seg->state != SegState::kConnected) {
      if (!seg->implicit) return RSMERR_SEG_STILL_MAPPED;
      seg->mapping.Reset();
      seg->map_base = nullptr;
      seg->implicit = false;
      seg->state = SegState::kConnected;
    }
    if (seg->pollfd_count != 0) return RSMERR_POLLFD_IN_USE;
    Fabric* f;
    if (int rc = Fabric::Get(&f)) return rc;
    FabricLock lock(*f);
    const ImportEntry& m = f->imp(seg->entry);
    if (m.in_use && m.incarnation == seg->entry_inc) f->FreeImport(lock, seg->entry);
  }
  ReleaseHandle(seg);
  return RSM_SUCCESS;
}

int ImportMap(ImportRec* seg, void** address, rsm_attribute_t attr, rsm_permission_t perm, off_t offset,
              size_t length) {
  std::lock_guard<std::mutex> slock(seg->mu);
  if (seg->state == SegState::kMapped) return RSMERR_SEG_ALREADY_MAPPED;
  if (seg->state != SegState::kConnected) return RSMERR_BAD_SEG_HNDL;
  if (perm > RSM_PERM_RDWR) return RSMERR_BAD_PERMS;
  if (length == 0) return RSMERR_BAD_LENGTH;
  // Unsigned, as the library compares: a negative offset wraps.
  if (static_cast<uint64_t>(offset) + length > seg->size || static_cast<uint64_t>(offset) + length < length)
    return RSMERR_BAD_LENGTH;
  const size_t page = HostPageSize();
  if (static_cast<uint64_t>(offset) % page != 0) return RSMERR_BAD_MEM_ALIGNMENT;
  if ((attr & RSM_MAP_FIXED) && reinterpret_cast<uintptr_t>(*address) % page != 0) return RSMERR_BAD_MEM_ALIGNMENT;
  int prot = ((perm & RSM_PERM_READ) ? PROT_READ : 0) | ((perm & RSM_PERM_WRITE) ? PROT_WRITE : 0);
  if (offset < 0) return RSMERR_MAP_FAILED;  // mmap refuses a negative file offset (EINVAL)
  void* p = nullptr;
  int err = DriverMap(seg, prot, offset, length, *address, (attr & RSM_MAP_FIXED) != 0, &p);
  if (err) return MmapError(err);
  seg->mapping = Mapping(p, length);
  seg->map_base = static_cast<char*>(p);
  seg->map_offset = offset;
  seg->map_len = length;
  seg->map_prot = prot;
  seg->implicit = false;
  seg->state = SegState::kMapped;
  *address = p;
  return RSM_SUCCESS;
}

int ImportUnmap(ImportRec* seg) {
  std::lock_guard<std::mutex> slock(seg->mu);
  if (seg->state != SegState::kMapped) return RSMERR_SEG_NOT_MAPPED;
  seg->map_offset = 0;
  seg->implicit = false;
  seg->mapping.Reset();
  seg->map_base = nullptr;
  seg->map_len = 0;
  seg->map_prot = 0;
  seg->state = SegState::kConnected;
  return RSM_SUCCESS;
}

int ImplicitMap(ImportRec* seg) { return ImplicitMapWith(seg, MmapError); }

int ImplicitMapWith(ImportRec* seg, int (*map_error)(int)) {
  std::lock_guard<std::mutex> slock(seg->mu);
  if (seg->state == SegState::kMapped) return RSM_SUCCESS;  // another thread got there first
  if (seg->state != SegState::kConnected) return RSMERR_BAD_SEG_HNDL;
  void* p = nullptr;
  int err = DriverMap(seg, PROT_READ | PROT_WRITE, 0, seg->size, nullptr, false, &p);
  if (err) return map_error(err);
  seg->mapping = Mapping(p, seg->size);
  seg->map_base = static_cast<char*>(p);
  seg->map_offset = 0;
  seg->map_len = seg->size;
  seg->map_prot = PROT_READ | PROT_WRITE;
  seg->implicit = true;
  seg->state = SegState::kMapped;
  return RSM_SUCCESS;
}

void CheckExporterAlive(ImportRec* seg) {
  Fabric* f;
  if (Fabric::Get(&f) != RSM_SUCCESS) return;
  // Every barrier close asks: the common answer must not cost the registry lock.
  if (f->SeemsAlive(seg->export_owner, seg->export_owner_inc)) return;
  FabricLock lock(*f);
  if (!f->Alive(seg->export_owner, seg->export_owner_inc)) f->ReapIfDead(lock, seg->export_owner);
}

}  // namespace rsmsim
