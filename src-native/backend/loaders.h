// The two ways of filling a Backend table; select.cc decides which runs.
#pragma once

#include <string>

#include "backend.h"

namespace rsm {

// Opens the real librsm (or RSM_LIBRARY) and resolves every entry point.
// On success fills *table, sets *library to the file that was opened and
// returns true. On failure returns false with *error saying, for each path
// tried, why it was unusable (dlerror text, or the symbol it lacks).
bool LoadNativeBackend(Backend* table, std::string* library, std::string* error);

// The libraries the native loader tries, in order, as one readable string
// ("librsm.so.2, librsm.so" or the RSM_LIBRARY value).
std::string NativeLibraryCandidates();

// Fills *table with the simulator linked into the addon. Cannot fail.
void LoadSimBackend(Backend* table);

}  // namespace rsm
