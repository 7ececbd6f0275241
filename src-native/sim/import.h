// Import segments: connect (the driver's reachability, publication, ACL and
// user permission checks), disconnect, explicit and implicit mapping of the
// exporter's data file.
#pragma once

#include "handles.h"

namespace rsmsim {

int ImportConnect(ControllerRec* ctlr, rsm_node_id_t node, rsm_memseg_id_t segid, rsm_permission_t perm,
                  ImportRec** out);
int ImportDisconnect(ImportRec* seg);
// rsm_memseg_import_map from its step 3 on.
int ImportMap(ImportRec* seg, void** address, rsm_attribute_t attr, rsm_permission_t perm, off_t offset,
              size_t length);
int ImportUnmap(ImportRec* seg);
// The implicit whole-segment read+write mapping put/get/putv/getv make
// while CONNECTED. Returns RSM_SUCCESS once the handle is MAPPED.
int ImplicitMap(ImportRec* seg);
// The same mapping, with mmap's errno turned into the result by `map_error`
// (the generic plug-in's scatter/gather maps with its own translation).
int ImplicitMapWith(ImportRec* seg, int (*map_error)(int));
// Driver-side liveness: if the exporter of `seg` has died, reap it (which
// force-disconnects `seg`). Cheap enough for barrier close, not for put/get.
void CheckExporterAlive(ImportRec* seg);

}  // namespace rsmsim
