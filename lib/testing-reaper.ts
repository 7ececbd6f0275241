// The reaper of rsmapi/testing: a detached process that outlives a test
// process killed without a chance to clean up (SIGKILL, a crash, a CI
// timeout). It is told each node process and each directory as they are
// made and forgotten; when its channel to the test process closes, it kills
// the nodes still listed and removes the directories still listed.

import * as fs from 'node:fs';

import { INTERNAL } from './testing-protocol';
import type { InternalMessage } from './testing-protocol';

const pids = new Set<number>();
const paths = new Set<string>();

process.on('message', (m: InternalMessage) => {
  if (!m || (m[INTERNAL] !== 'watch' && m[INTERNAL] !== 'unwatch')) return;
  const watch = m[INTERNAL] === 'watch';
  if (m.pid !== undefined) {
    if (watch) pids.add(m.pid);
    else pids.delete(m.pid);
  }
  if (m.path !== undefined) {
    if (watch) paths.add(m.path);
    else paths.delete(m.path);
  }
});

process.on('disconnect', () => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  // Give the kernel a moment to take the processes down before removing
  // what they used.
  setTimeout(() => {
    for (const p of paths) fs.rmSync(p, { recursive: true, force: true });
    process.exit(0);
  }, 100);
});
