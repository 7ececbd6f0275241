'use strict';
// A second node in its own process. The test process drives it over the IPC
// channel: each message { id, op, args } runs one operation on the facade and
// is answered with { id, value } or { id, error }.
const rsm = require('../..');

const state = { controller: null, exported: null, imported: null, mapping: null };

const ops = {
  backend: () => rsm.backend(),
  getController: ({ name }) => {
    state.controller = rsm.getController(name);
    return state.controller.attributes();
  },
  createExport: ({ size }) => {
    state.exported = state.controller.createExport(size);
    return state.exported.size;
  },
  fillExport: ({ at, bytes }) => state.exported.bytes.set(bytes, at),
  readExport: ({ at, length }) => Array.from(state.exported.bytes.subarray(at, at + length)),
  publish: ({ segmentId, accessList }) => state.exported.publish({ segmentId, accessList }),
  unpublish: () => state.exported.unpublish(),
  destroy: () => state.exported.destroy(),
  connect: async ({ node, segmentId, permission }) => {
    state.imported = await state.controller.connect(node, segmentId, { permission });
    return true;
  },
  get: ({ offset, length }) => Array.from(state.imported.read(offset, length)),
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
  // Leaves without releasing anything: the process exit must clean up.
  exitNow: ({ code }) => process.exit(code ?? 0),
};

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
