#include "local_memory.h"

#include "sim_api.h"

namespace rsmsim {

namespace {

// Larger handles are published with permission 0, which tells the driver to
// leave the interconnect out (librsm RSM_MAX_HANDLE_DVMA).
constexpr size_t kMaxHandleDvma = 0x2000;

}  // namespace

int CreateLocalMemory(ControllerRec* ctlr, caddr_t vaddr, size_t length, rsm_localmemory_handle_t* out) {
  if (ctlr->loopback) {
    *out = reinterpret_cast<rsm_localmemory_handle_t>(vaddr);
    return RSM_SUCCESS;
  }
  auto controller = reinterpret_cast<rsmapi_controller_handle_t>(ctlr);
  const size_t page = HostPageSize();
  // Rounded up to whole pages; a length that wraps is refused by create.
  const size_t size = length > SIZE_MAX - (page - 1) ? 0 : (length + page - 1) / page * page;
  rsm_memseg_export_handle_t memseg = nullptr;
  int rc = RSMSIM_ENTRY(rsm_memseg_export_create)(controller, &memseg, vaddr, size, RSM_ALLOW_REBIND);
  if (rc != RSM_SUCCESS) return rc;
  rsmapi_access_entry_t acl[1];
  acl[0].ae_node = ctlr->node;
  acl[0].ae_permission = length > kMaxHandleDvma ? 0 : RSM_PERM_RDWR;
  rsm_memseg_id_t id = 0;
  rc = RSMSIM_ENTRY(rsm_memseg_export_publish)(memseg, &id, acl, 1);
  if (rc != RSM_SUCCESS) {
    RSMSIM_ENTRY(rsm_memseg_export_destroy)(memseg);
    return rc;
  }
  *out = reinterpret_cast<rsm_localmemory_handle_t>(memseg);
  return RSM_SUCCESS;
}

int FreeLocalMemory(ControllerRec* ctlr, rsm_localmemory_handle_t handle) {
  // The generic plug-in destroys the surrogate and reports success whatever
  // the destroy said.
  if (!ctlr->loopback) RSMSIM_ENTRY(rsm_memseg_export_destroy)(reinterpret_cast<rsm_memseg_export_handle_t>(handle));
  return RSM_SUCCESS;
}

ExportRec* LocalMemorySegment(const void* handle) { return LiveExport(handle); }

}  // namespace rsmsim
