/*
 * Built only on illumos/Solaris: checks that the system <rsmapi.h> has the
 * layout this project declares in rsmapi.h, so the two cannot disagree.
 */
#include <rsmapi.h>
#include "abi_assert.h"

int rsmapi_abi_check_system_ok = 1;
