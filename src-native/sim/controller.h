// Controllers: opened by name, reference counted, one record per name per
// process. The loopback controller is built in; the others come from the
// local node's entry in the topology.
#pragma once

#include "handles.h"

namespace rsmsim {

// rsm_get_controller after its NULL-argument check.
int GetController(const char* name, ControllerRec** out);
// rsm_release_controller / rsm_get_controller_attr on a known record.
int ReleaseController(ControllerRec* c);
int ControllerAttr(ControllerRec* c, rsmapi_controller_attr_t* attr);

// Whether a released controller is still open (reference count > 0).
bool ControllerOpen(ControllerRec* c);

// The path this controller has to remote node `node`, whatever its state:
// the driver's node -> hardware address lookup (rsm.c get_remote_hwaddr)
// takes the first one. nullptr when there is none (not linked, not in the
// cluster, id >= 64), and always for loopback.
const LinkDesc* ControllerPathTo(const ControllerRec* c, uint32_t node);

// The one-block topology image of docs/semantics.md §2.7 for the local node.
int BuildTopology(rsm_topology_t** out);

}  // namespace rsmsim
