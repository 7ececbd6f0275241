// What a simulated cluster directory holds, seen from outside the simulator:
// where the default one is, which file is the registry and how to recognise
// it, which names are the simulator's own, and how to reset one. The `rsm`
// command and rsmapi/testing ask here, so that this knowledge, which
// src-native/sim also has (config.cc, fabric.cc, signals.cc), lives once on
// the JavaScript side.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** The registry file of a cluster (fabric.h). */
export const REGISTRY_FILE = 'fabric';

// The registry's first 8 bytes (fabric.cc, kMagic).
const REGISTRY_MAGIC = Buffer.from('RMSIMSFB', 'latin1');

// Files the simulator makes in a cluster directory besides the registry:
// doorbell FIFOs (signals.cc, BellPath) and segment files of older releases.
const DOORBELL = /^sig-[ei]\d+-\d+$/;
const OLD_SEGMENT = /^seg-\d+-\d+\.mem$/;

function uid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : 0;
}

/**
 * The cluster directory the simulator uses when RSM_SIM_DIR is unset: the
 * same rule as src-native/sim/config.cc (DefaultDir).
 */
export function defaultClusterDir(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK | fs.constants.X_OK);
    if (fs.statSync('/dev/shm').isDirectory()) return `/dev/shm/rsmsim-${uid()}`;
  } catch {
    // No usable /dev/shm: the temp dir.
  }
  return path.join(process.env.TMPDIR || '/tmp', `rsmsim-${uid()}`);
}

/** A problem with a cluster directory, worded for the user; `code` says which. */
export class ClusterDirError extends Error {
  readonly code: 'ERR_RSM_NO_CLUSTER' | 'ERR_RSM_NOT_A_CLUSTER' | 'ERR_RSM_CLUSTER_DIR';
  constructor(message: string, code: ClusterDirError['code']) {
    super(message);
    this.name = 'ClusterDirError';
    this.code = code;
  }
}

/**
 * The cluster directory a process would use: `explicit` if given, else
 * RSM_SIM_DIR, else the default one, which lies in a world-writable place
 * and so, as the simulator does, is never followed through a link nor
 * taken when another user owns it.
 */
export function resolveClusterDir(explicit?: string): string {
  if (explicit !== undefined) return path.resolve(explicit);
  if (process.env.RSM_SIM_DIR) return path.resolve(process.env.RSM_SIM_DIR);
  const dir = defaultClusterDir();
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return dir;
    throw new ClusterDirError(`cannot examine ${dir}: ${(e as Error).message}`, 'ERR_RSM_CLUSTER_DIR');
  }
  if (st.isSymbolicLink() || !st.isDirectory()) {
    throw new ClusterDirError(
      `cluster directory ${dir} is a symbolic link or not a directory: remove it (the simulator makes its own)`,
      'ERR_RSM_CLUSTER_DIR',
    );
  }
  if (st.uid !== uid() && process.env.RSM_SIM_SHARED !== '1') {
    throw new ClusterDirError(`cluster directory ${dir} belongs to uid ${st.uid}, not to this user (uid ${uid()}): remove it`, 'ERR_RSM_CLUSTER_DIR');
  }
  return dir;
}

/**
 * Whether `dir` holds a simulator registry: 'yes'; 'none' when there is no
 * registry file (or no directory); throws when the file is something else.
 */
export function registryState(dir: string): 'yes' | 'none' {
  const file = path.join(dir, REGISTRY_FILE);
  const head = Buffer.alloc(REGISTRY_MAGIC.length);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'none';
    throw new ClusterDirError(`cannot read ${file}: ${(e as Error).message}`, 'ERR_RSM_CLUSTER_DIR');
  }
  try {
    if (!fs.fstatSync(fd).isFile() || fs.readSync(fd, head, 0, head.length, 0) !== head.length || !head.equals(REGISTRY_MAGIC)) {
      throw new ClusterDirError(`${file} is not a simulator registry`, 'ERR_RSM_NOT_A_CLUSTER');
    }
  } finally {
    fs.closeSync(fd);
  }
  return 'yes';
}

/** Throws unless `dir` holds a simulator registry, so no other directory is ever read as one. */
export function requireCluster(dir: string): void {
  if (registryState(dir) === 'none') {
    throw new ClusterDirError(`no simulated cluster in ${dir} (no registry file '${REGISTRY_FILE}')`, 'ERR_RSM_NO_CLUSTER');
  }
}

/**
 * The simulator's own files in `dir`: the registry (when it is one), and
 * doorbell FIFOs and old segment files, recognised by name and type.
 * Nothing else is ever listed, so nothing else is ever removed.
 */
export function simulatorFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ClusterDirError(`cannot list ${dir}: ${(e as Error).message}`, 'ERR_RSM_CLUSTER_DIR');
  }
  const registry = registryState(dir) === 'yes';
  return names.filter((name) => {
    if (name === REGISTRY_FILE) return registry;
    const st = fs.lstatSync(path.join(dir, name), { throwIfNoEntry: false });
    if (!st) return false;
    if (DOORBELL.test(name)) return st.isFIFO();
    return OLD_SEGMENT.test(name) && st.isFile();
  });
}

/**
 * Removes the simulator's files from `dir` (see simulatorFiles) and returns
 * their names. A directory with none, or none at all, is already reset.
 * Throws, touching nothing, when `dir` has a file named like the registry
 * that is not one.
 */
export function resetClusterFiles(dir: string): string[] {
  const files = simulatorFiles(dir);
  for (const name of files) fs.rmSync(path.join(dir, name), { force: true });
  return files;
}
