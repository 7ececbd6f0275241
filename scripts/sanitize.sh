#!/usr/bin/env bash
# The addon, the simulator (built in and as librsmsim.so) and the C test
# programs built with AddressSanitizer and UndefinedBehaviorSanitizer, in a
# copy of the native sources under build-sanitize/ (the normal build is left
# alone), then the whole test suite (both backends) run against that build.
#
# Node itself is not instrumented, so the ASan runtime is preloaded
# (LD_PRELOAD of gcc's libasan.so) and every child process the tests spawn
# inherits it. Leak detection is off (ASAN_OPTIONS=detect_leaks=0): Node
# leaves allocations behind at exit by design, which would drown any report;
# leaks of our own are checked by test/leaks.test.js and scripts/leak-check.js.
# Any ASan report, segfault or undefined behaviour aborts the process that
# hit it, and so fails the suite. test/native-fuzz.test.js is the part of
# the suite aimed at this run: random native calls with getters that release
# handles mid-call.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${RSMAPI_SANITIZE_DIR:-$root/build-sanitize}"
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"

libasan="$(gcc -print-file-name=libasan.so)"
if [ ! -e "$libasan" ]; then
  echo "sanitize: gcc has no libasan.so ($libasan); install gcc's sanitizer runtime" >&2
  exit 1
fi

echo "sanitize: building into $out"
rm -rf "$out"
mkdir -p "$out/test"
cp -r "$root/binding.gyp" "$root/src-native" "$out/"
cp -r "$root/test/c" "$out/test/c"
ln -s "$root/node_modules" "$out/node_modules"
# gyp's make build does not take CFLAGS from the environment: the flags go
# into the copy's binding.gyp as defaults of every target.
python3 - "$out/binding.gyp" "$flags" <<'PY'
import ast, json, sys
path, flags = sys.argv[1], sys.argv[2].split()
with open(path) as f:
    gyp = ast.literal_eval(f.read())
defaults = gyp.setdefault("target_defaults", {})
for key, extra in (("cflags", flags), ("cflags_cc", flags), ("ldflags", ["-fsanitize=address,undefined"])):
    defaults[key] = defaults.get(key, []) + extra
with open(path, "w") as f:
    json.dump(gyp, f, indent=1)
PY
(
  cd "$out"
  npx --no-install node-gyp rebuild -j 2 >"$out/build.log" 2>&1 ||
    { tail -40 "$out/build.log" >&2; exit 1; }
)
addon="$out/build/Release/rsmapi.node"
lib="$out/build/Release/librsmsim.so"
if ! ldd "$addon" | grep libasan >/dev/null || ! ldd "$lib" | grep libasan >/dev/null; then
  echo "sanitize: the build is not instrumented (no libasan in ldd of $addon / $lib)" >&2
  exit 1
fi

echo "sanitize: running the test suite on the instrumented build"
export RSMAPI_ADDON="$addon"
export RSMAPI_TEST_SIM_LIBRARY="$lib"
export RSMAPI_TEST_C_PROGRAMS="$out/build/Release"
export LD_PRELOAD="$libasan${LD_PRELOAD:+:$LD_PRELOAD}"
# Node installs its own SIGSEGV handler, which would take a wild access
# away from ASan and report nothing useful: handle_segv=1 with
# allow_user_segv_handler=0 keeps ASan's handler (and its report) in place.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:handle_segv=1:handle_sigbus=0:allow_user_segv_handler=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
cd "$root"
node test/run-suites.js "$@"
