// Loads the addon once (a prebuild, or the local build), hands it the error
// class, and exposes the native surface declared in native.ts.

import * as path from 'node:path';

import { RsmError } from './errors';
import type { NativeBinding } from './native';

function load(): NativeBinding {
  // RSMAPI_ADDON overrides where the addon comes from (an absolute path to a
  // .node file), for packagers and for testing a particular build.
  const override = process.env.RSMAPI_ADDON;
  if (override) return require(path.resolve(override)) as NativeBinding;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
  return nodeGypBuild(path.join(__dirname, '..')) as NativeBinding;
}

export const binding: NativeBinding = load();
binding.setErrorFactory(RsmError);
