/* Compiles our own rsmapi.h as C and checks its layout (see abi_assert.h). */
#include "rsmapi.h"
#include "abi_assert.h"

int rsmapi_abi_check_ok = 1;
