// Barriers and the barrier mode of an import (docs/semantics.md §4.7, 5.5). The library
// keeps no open/closed state: open records the connect generation, close
// compares it with the live one.
#pragma once

#include "handles.h"

namespace rsmsim {

int InitBarrier(void* handle, rsm_barrier_type_t type, rsmapi_barrier_t* barrier);
int OpenBarrier(rsmapi_barrier_t* barrier);
int OrderBarrier(rsmapi_barrier_t* barrier);
int CloseBarrier(rsmapi_barrier_t* barrier);
int DestroyBarrier(rsmapi_barrier_t* barrier);
int GetMode(void* handle, rsm_barrier_mode_t* mode);
int SetMode(void* handle, rsm_barrier_mode_t mode);

}  // namespace rsmsim
