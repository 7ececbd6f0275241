// The simulator backend: the embedded copy of src-native/sim/, whose entry
// points carry the private rsmsim_ prefix inside the addon.
#include "../sim/sim_api.h"
#include "loaders.h"

namespace rsm {

void LoadSimBackend(Backend* table) {
#define RSM_FILL_SIM(ret, name, params) table->name = &rsmsim_##name;
  RSMAPI_FOR_EACH_FUNCTION(RSM_FILL_SIM)
#undef RSM_FILL_SIM
#define RSM_FILL_SIM_EXTENSION(ret, name, params) table->ext_##name = &rsmsim_ext_##name;
  RSMSIM_FOR_EACH_EXTENSION(RSM_FILL_SIM_EXTENSION)
#undef RSM_FILL_SIM_EXTENSION
}

}  // namespace rsm
