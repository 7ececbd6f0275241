// Loads the addon once (a prebuild, or the local build), hands it the error
// class, and exposes the native surface declared in native.ts.

import * as path from 'node:path';

import { RsmError } from './errors';
import type { NativeBinding } from './native';

function load(): NativeBinding {
  // RSMAPI_ADDON overrides where the addon comes from (an absolute path to a
  // .node file), for packagers and for testing a particular build.
  const override = process.env.RSMAPI_ADDON;
  const root = path.join(__dirname, '..');
  try {
    if (override) return require(path.resolve(override)) as NativeBinding;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    return nodeGypBuild(root) as NativeBinding;
  } catch (e) {
    throw loadError(e as Error, override);
  }
}

// What went wrong and what to do, in a few lines (as sharp's loader does):
// the cases are no prebuild for this platform with the install's compile
// skipped or failed, and an RSMAPI_ADDON that cannot be loaded.
function loadError(cause: Error, override: string | undefined): Error {
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  const libc = header?.glibcVersionRuntime ? 'glibc' : 'not glibc';
  const host = `${process.platform}-${process.arch} (${libc}), Node.js ${process.version}`;
  const lines = override
    ? [`rsmapi: cannot load the addon RSMAPI_ADDON names (${override}) on ${host}.`, '- Point RSMAPI_ADDON at an rsmapi.node built for this host, or unset it.']
    : [
        `rsmapi: no native addon for ${host}: the package has no prebuild for this host and none was compiled.`,
        '- Install a C++17 compiler, make and Python 3, then run: npm rebuild rsmapi',
        '  (also the fix after npm install --ignore-scripts, which skips that compile)',
        '- Or set RSMAPI_ADDON=/path/to/rsmapi.node to load a build of your own.',
      ];
  const err = new Error(`${lines.join('\n')}\nCause: ${cause.message.split('\n')[0]}`, { cause });
  return Object.assign(err, { code: 'ERR_RSM_ADDON_NOT_FOUND' });
}

export const binding: NativeBinding = load();
binding.setErrorFactory(RsmError);
