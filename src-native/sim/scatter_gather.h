// rsm_memseg_import_putv / getv (docs/semantics.md §4.5): the library's checks, then the
// loopback copy through the import's mapping or, for a generic controller
// importing from another node, the driver's transfer straight into the
// exporter's data file.
#pragma once

#include "../abi/rsmapi.h"

namespace rsmsim {

// kPut: local -> segment (putv); otherwise segment -> local (getv).
int ScatterGather(rsm_scat_gath_t* sg, bool put);

}  // namespace rsmsim
