// The simulator backend: the embedded copy of src-native/sim/, whose entry
// points carry the private rsmsim_ prefix inside the addon.
#include "../sim/sim_api.h"
#include "loaders.h"

namespace rsm {

void LoadSimBackend(Backend* table) {
#define RSM_FILL_SIM(ret, name, params) table->name = &rsmsim_##name;
  RSMAPI_FOR_EACH_FUNCTION(RSM_FILL_SIM)
#undef RSM_FILL_SIM
  table->ext_config_error = &rsmsim_ext_config_error;
  table->ext_fault = &rsmsim_ext_fault;
  table->ext_list_faults = &rsmsim_ext_list_faults;
  table->ext_import_torn_down = &rsmsim_ext_import_torn_down;
}

}  // namespace rsm
