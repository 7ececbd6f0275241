// Module functions that need no handle: the interconnect topology
// (rsm_get_interconnect_topology) and reserved segment-id ranges
// (rsm_get_segmentid_range).
#pragma once

#include "addon_state.h"
#include "napi_include.h"

namespace rsmaddon {

// { localNode, controllers: [{ name, hwaddr, remotes: [{ node, name, hwaddr, state }] }] };
// hardware addresses are BigInts (rsm_addr_t is 64 bits).
Napi::Value Topology(AddonState* state, const Napi::CallbackInfo& info);
// (appid) -> { base, length }.
Napi::Value SegmentIdRange(AddonState* state, const Napi::CallbackInfo& info);

}  // namespace rsmaddon
