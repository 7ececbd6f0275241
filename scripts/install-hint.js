'use strict';
// Run by the install script when node-gyp-build found no prebuild for this
// host and compiling the addon failed: after node-gyp's long log, the few
// lines that say what to install or run.
const libc = process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'not glibc';
process.stderr.write(
  [
    '',
    `rsmapi: the package has no prebuild for ${process.platform}-${process.arch} (${libc}), and compiling the addon failed (see above).`,
    '- Install a C++17 compiler (g++ or clang++), make and Python 3, then run: npm rebuild rsmapi',
    '- Or set RSMAPI_ADDON=/path/to/rsmapi.node to load a build of your own.',
    '',
  ].join('\n'),
);
process.exit(1);
