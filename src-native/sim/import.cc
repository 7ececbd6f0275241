#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "controller.h"
#include "fabric.h"
#include "faults.h"

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

bool Reachable(const ControllerRec* ctlr, rsm_node_id_t node) {
  if (node == ctlr->node) return true;  // the local node is handled in place
  if (node >= 64 || !ctlr->desc) return false;
  for (const LinkDesc& l : ctlr->desc->links)
    if (l.node == node && l.state == RSM_CONNECTION_ACTIVE) return true;
  return false;
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
// EACCES for a protection the stored mode E does not allow. Reopens the data
// file if the exporter rebound its pages since connect. Returns 0 or errno.
int DriverMap(ImportRec* seg, int prot, off_t offset, size_t length, void* hint, bool fixed, void** out) {
  std::string error;
  Fabric* f = Fabric::Get(&error);
  if (seg->LiveGeneration() != seg->connect_gen) return ENODEV;
  uint64_t serial = 0;
  uint64_t file_offset = 0;
  uint32_t node = 0;
  {
    FabricLock lock(*f);
    if (f->Broken()) return ENODEV;
    const ImportEntry& m = f->imp(seg->entry);
    if (!f->Alive(seg->export_owner, seg->export_owner_inc)) f->ReapIfDead(lock, seg->export_owner);
    if (!m.in_use || m.incarnation != seg->entry_inc || m.disconnected) return ENODEV;
    const ExportEntry& e = f->exp(seg->export_index);
    serial = e.serial;
    file_offset = e.file_offset;
    node = e.node;
  }
  if (((prot & PROT_READ) && !(seg->mode & RSM_PERM_READ)) || ((prot & PROT_WRITE) && !(seg->mode & RSM_PERM_WRITE)))
    return EACCES;
  if (serial != seg->serial) {
    Fd fd(open(f->DataPath(node, serial).c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid()) return ENODEV;
    // The registry's word on where the pages are is checked against the file.
    if (!FileHolds(fd.get(), file_offset, seg->size)) return ENODEV;
    seg->fd = std::move(fd);
    seg->serial = serial;
    seg->file_offset = static_cast<off_t>(file_offset);
  }
  void* p = mmap(hint, length, prot, MAP_SHARED | (fixed ? MAP_FIXED : 0), seg->fd.get(), seg->file_offset + offset);
  if (p == MAP_FAILED) return errno;
  *out = p;
  return 0;
}

// The driver's part of connect, under the registry lock: find the published
// segment, apply the ACL and user checks, enter the import and bump its
// generation, open the data file.
int ConnectLocked(Fabric* f, ControllerRec* ctlr, rsm_node_id_t node, rsm_memseg_id_t segid, rsm_permission_t perm,
                  ImportRec* rec, uint32_t* index_out, uint32_t* export_out, uint32_t* mode_out, uint64_t* serial_out,
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
  if (!ctlr->loopback) {
    uint64_t count = 0;
    for (uint32_t k = 0; k < kMaxImports; ++k) {
      const ImportEntry& m = f->imp(k);
      if (m.in_use && m.node == ctlr->node && ctlr->name == m.ctlr) ++count;
    }
    if (count >= ctlr->attr.attr_max_import_segments) return RSMERR_INSUFFICIENT_RESOURCES;
  }
  uint32_t index = f->FindFreeImport(lock);
  if (index == kNoEntry) return RSMERR_INSUFFICIENT_RESOURCES;
  // Opened under the lock: the exporter cannot move or remove the file
  // while it is published and we hold the registry.
  rec->fd = Fd(open(f->DataPath(node, e.serial).c_str(), O_RDWR | O_CLOEXEC));
  if (!rec->fd.valid()) {
    // Out of descriptors is the driver running out of resources, not the
    // segment going away.
    if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) return RSMERR_INSUFFICIENT_RESOURCES;
    return RSMERR_SEG_NOT_PUBLISHED;
  }
  // A data file shorter than the registry says would fault on access.
  if (!FileHolds(rec->fd.get(), e.file_offset, e.length)) return RSMERR_BAD_CONF;
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
  *serial_out = e.serial;
  *offset_out = e.file_offset;
  *length_out = e.length;
  return RSM_SUCCESS;
}

}  // namespace

int ImportConnect(ControllerRec* ctlr, rsm_node_id_t node, rsm_memseg_id_t segid, rsm_permission_t perm,
                  ImportRec** out) {
  std::string error;
  int rc;
  Fabric* f = Fabric::Get(&error);
  if (!f) return RSMERR_INSUFFICIENT_RESOURCES;
  if (int broken = f->Health()) return broken;
  // Injected: the library's allocation, or its open of /dev/rsm, fails.
  rc = ResourceFault(ctlr->node);
  if (rc != RSM_SUCCESS) return rc;
  if (!ControllerOpen(ctlr)) return RSMERR_CTLR_NOT_PRESENT;
  if (ctlr->loopback && node != ctlr->node) return RSMERR_CTLR_NOT_PRESENT;
  if (!Reachable(ctlr, node) || PathCut(ctlr->node, node)) return RSMERR_REMOTE_NODE_UNREACHABLE;
  // Injected: the exporting node does not answer; the driver keeps asking.
  rc = WaitForAnswer(ctlr->node, node);
  if (rc != RSM_SUCCESS) return rc;

  ImportRec* rec = NewImport();
  if (!rec) return RSMERR_INSUFFICIENT_MEM;
  uint32_t index = kNoEntry, export_index = kNoEntry, mode = 0;
  uint64_t serial = 0, file_offset = 0, length = 0;
  // Never release the record while holding the registry lock: releasing
  // takes the process mutex, which is held elsewhere around registry calls.
  rc = ConnectLocked(f, ctlr, node, segid, perm, rec, &index, &export_index, &mode, &serial, &file_offset,
                         &length);
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
  rec->serial = serial;
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
    std::string error;
    Fabric* f = Fabric::Get(&error);
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
  std::string error;
  Fabric* f = Fabric::Get(&error);
  if (!f) return;
  FabricLock lock(*f);
  if (!f->Alive(seg->export_owner, seg->export_owner_inc)) f->ReapIfDead(lock, seg->export_owner);
}

}  // namespace rsmsim
