// Export segments: create (bind the caller's pages to a shared file),
// publish / unpublish / republish with the driver's id and ACL rules, rebind,
// destroy. The entry points in api.cc do the library's argument checks and
// call these for the rest, in the documented order.
#pragma once

#include "handles.h"

namespace rsmsim {

int ExportCreate(ControllerRec* ctlr, void* vaddr, size_t size, uint_t flags, ExportRec** out);
int ExportDestroy(ExportRec* seg);
// `id` is the caller's *segment_id (0: automatic); the assigned id is
// returned in *assigned.
int ExportPublish(ExportRec* seg, rsm_memseg_id_t id, const rsmapi_access_entry_t* acl, uint_t acl_len,
                  rsm_memseg_id_t* assigned);
int ExportUnpublish(ExportRec* seg);
int ExportRepublish(ExportRec* seg, const rsmapi_access_entry_t* acl, uint_t acl_len);
int ExportRebind(ExportRec* seg, void* vaddr, size_t size);

}  // namespace rsmsim
