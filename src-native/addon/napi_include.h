// node-addon-api, configured the same way in every file of the addon.
#pragma once

// A throw while the environment is shutting down (a worker being terminated)
// cannot reach JavaScript; drop it instead of aborting the process.
#ifndef NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
#define NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
#endif

#include <napi.h>
