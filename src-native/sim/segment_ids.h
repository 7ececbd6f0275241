// Reserved segment-id ranges from the administrator's file (docs/semantics.md §4.11).
#pragma once

#include "../abi/rsmapi.h"

namespace rsmsim {

int SegmentIdRange(const char* appid, rsm_memseg_id_t* baseid, uint32_t* length);

}  // namespace rsmsim
