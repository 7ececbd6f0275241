'use strict';
// A second node in its own process. The test process drives it over the IPC
// channel: each message { id, op, args } runs one operation on the facade and
// is answered with { id, value } or { id, error }.
//
// RSM_TEST_GROUPS (comma-separated gids), RSM_TEST_GID and RSM_TEST_UID make
// the peer drop to another identity before it loads rsmapi, so the driver's
// owner/group/other checks can be tested from a root test run.
if (process.env.RSM_TEST_GROUPS !== undefined) {
  process.setgroups(process.env.RSM_TEST_GROUPS === '' ? [] : process.env.RSM_TEST_GROUPS.split(',').map(Number));
}
if (process.env.RSM_TEST_GID !== undefined) process.setgid(Number(process.env.RSM_TEST_GID));
if (process.env.RSM_TEST_UID !== undefined) process.setuid(Number(process.env.RSM_TEST_UID));
const rsm = require('../..');

const state = { controller: null, exported: null, imported: null, mapping: null };

const ops = {
  backend: () => rsm.backend(),
  getController: ({ name }) => {
    state.controller = rsm.getController(name);
    return state.controller.attributes();
  },
  createExport: ({ size, allowRebind }) => {
    state.exported = state.controller.createExport(size, { allowRebind: !!allowRebind });
    return state.exported.size;
  },
  rebind: () => state.exported.rebind(),
  // Each descriptor of segment memory this process holds: its access mode,
  // and the error reopening it read-write gives (null if it succeeds).
  memoryDescriptors: () => {
    const fs = require('node:fs');
    const out = [];
    for (const fd of fs.readdirSync('/proc/self/fd')) {
      let target;
      try {
        target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        continue;
      }
      if (!target.includes('memfd:rsmsim')) continue;
      const flags = parseInt(/^flags:\s+(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))[1], 8);
      const mode = ['ro', 'wo', 'rw'][flags & 3];
      let reopen = null;
      try {
        fs.closeSync(fs.openSync(`/proc/self/fd/${fd}`, 'r+'));
      } catch (e) {
        reopen = e.code;
      }
      out.push({ mode, reopen });
    }
    return out;
  },
  fillExport: ({ at, bytes }) => state.exported.bytes.set(bytes, at),
  readExport: ({ at, length }) => Array.from(state.exported.bytes.subarray(at, at + length)),
  publish: ({ segmentId, accessList }) => state.exported.publish({ segmentId, accessList }),
  unpublish: () => state.exported.unpublish(),
  republish: ({ accessList }) => state.exported.republish(accessList),
  destroy: () => state.exported.destroy(),
  connect: async ({ node, segmentId, permission }) => {
    state.imported = await state.controller.connect(node, segmentId, { permission });
    return true;
  },
  get: ({ offset, length }) => Array.from(state.imported.read(offset, length)),
  umask: ({ mask }) => process.umask(mask),
  // Several exports at once, each published with its own access list.
  publishMany: async ({ size, lists }) => {
    const ids = [];
    for (const accessList of lists) {
      const e = state.controller.createExport(size);
      (state.many ??= []).push(e);
      ids.push(await e.publish({ accessList }));
    }
    return ids;
  },
  // For each request: connect, then map one page with the same permission,
  // then let go; reports the code of each step ('ok' or the error code).
  probe: async ({ node, requests }) => {
    const out = [];
    for (const { segmentId, permission } of requests) {
      const r = { connect: 'ok', map: null };
      try {
        const imp = await state.controller.connect(node, segmentId, { permission });
        try {
          imp.map({ length: rsm.pageSize, permission }).unmap();
          r.map = 'ok';
        } catch (e) {
          r.map = e.code;
        }
        imp.disconnect();
      } catch (e) {
        r.connect = e.code;
      }
      out.push(r);
    }
    return out;
  },
  identity: () => ({ uid: process.getuid(), gid: process.getgid(), groups: process.getgroups() }),
  put: ({ offset, bytes }) => state.imported.put(offset, Uint8Array.from(bytes)),
  map: ({ offset, length, permission }) => {
    state.mapping = state.imported.map({ offset, length, permission });
    return state.mapping.writable;
  },
  mapRead: ({ at, length }) => Array.from(state.mapping.read(at, new Uint8Array(length))),
  mapWrite: ({ at, bytes }) => state.mapping.bytes.set(bytes, at),
  unmap: () => state.mapping.unmap(),
  disconnect: () => state.imported.disconnect(),
  release: () => state.controller.release(),
  // Interrupt signals. `on` names the segment: 'import' (default) or 'export'.
  signal: ({ on }) => signalTarget(on).signal(),
  waitSignal: ({ on, timeout }) => signalTarget(on).waitForSignal({ timeout }),
  // Starts a wait and answers at once (the wait stays pending).
  startWait: ({ on }) => {
    signalTarget(on).waitForSignal().catch(() => {});
    return true;
  },
  // The other side of a ping-pong: `rounds` times, wait for the exporter's
  // signal, check the round number it wrote at offset 0, write it back at
  // offset 4, signal. Returns the rounds seen.
  echo: async ({ rounds }) => {
    const cell = new Uint32Array(1);
    for (let i = 1; i <= rounds; i++) {
      await state.imported.waitForSignal({ timeout: 10000 });
      state.imported.get32(0, cell);
      if (cell[0] !== i) throw new Error(`echo: round ${i} woke up with ${cell[0]} written`);
      state.imported.put32(4, cell);
      state.imported.signal();
    }
    return rounds;
  },
  // Barriers and faults (test/faults.test.js, test/crash.test.js).
  barrierRound: () => {
    state.imported.setMode(rsm.BarrierMode.EXPLICIT);
    state.imported.barrier.open();
    state.imported.barrier.close();
    return true;
  },
  transaction: ({ retries, offset, bytes }) => {
    let runs = 0;
    state.imported.transaction(
      (seg) => {
        runs++;
        seg.put(offset, Uint8Array.from(bytes));
      },
      { retries },
    );
    return runs;
  },
  // put() `count` times as fast as it can, reporting how many succeeded and
  // the error code that stopped the loop (null if none did).
  putLoop: ({ count, length }) => {
    const data = new Uint8Array(length).fill(7);
    let done = 0;
    try {
      for (; done < count; done++) state.imported.put(0, data);
      return { done, code: null };
    } catch (e) {
      return { done, code: e.code };
    }
  },
  faults: () => rsm.sim.faults.list(),
  // Leaves without releasing anything: the process exit must clean up.
  exitNow: ({ code }) => process.exit(code ?? 0),
};

function signalTarget(on) {
  return on === 'export' ? state.exported : state.imported;
}

process.on('message', async ({ id, op, args }) => {
  try {
    if (!(op in ops)) throw new Error(`peer: unknown operation ${op}`);
    const value = await ops[op](args ?? {});
    process.send({ id, value: value === undefined ? null : value });
  } catch (e) {
    process.send({ id, error: { name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, message: e.message } });
  }
});
process.send({ ready: true });
