// The two RSMAPI calls the addon runs off the main thread, because the
// driver may block in them: connect (remote round trips, waiting for other
// connectors) and publish (interconnect resources, unless DONTWAIT).
//
// Rule for release during such an operation (one rule for every handle):
// the handle the operation runs on is held alive by the operation, and its
// release is deferred, never raced. controller.release() during a connect,
// or during a publish on one of its exports, marks what is busy as closing
// (it already reads as released and its methods throw ERR_RSM_RELEASED),
// releases everything that is idle at once, and finishes the rest when the
// operation completes: a connection that arrives for a closing controller is
// disconnected at once and the promise rejects with ERR_RSM_RELEASED; a
// publish that returns for a closing export is followed by its destroy and
// also rejects with ERR_RSM_RELEASED. An export's own destroy() (and any
// other publish/unpublish/republish) during its publish is refused with
// ERR_RSM_BUSY instead: the caller can await the publish and retry.
#pragma once

#include <cstdint>
#include <vector>

#include "../abi/rsmapi.h"
#include "napi_include.h"

namespace rsmaddon {

class NativeController;
class NativeExportSegment;

// rsm_memseg_import_connect; resolves to a new NativeImportSegment.
Napi::Value StartConnect(NativeController* controller, Napi::Object controller_object, rsm_node_id_t node,
                         rsm_memseg_id_t segment_id, rsm_permission_t perm);

// rsm_memseg_export_publish; resolves to the segment id.
Napi::Value StartPublish(NativeExportSegment* segment, Napi::Object segment_object, rsm_memseg_id_t segment_id,
                         std::vector<rsmapi_access_entry_t> acl);

}  // namespace rsmaddon
