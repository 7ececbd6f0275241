// Compiled (not run) by test/types.test.js against the published
// declarations in types/: each use below must type-check, and each line
// after a @ts-expect-error must be refused.
import * as rsm from '../../types/index';

export async function uses(ctl: rsm.Controller, exp: rsm.ExportSegment): Promise<void> {
  // Permission options take a Permission.
  const imp = await ctl.connect(1, 0x400000, { permission: rsm.Permission.READ });
  const p: rsm.Permission = imp.permission;
  imp.map({ length: rsm.pageSize, permission: rsm.Permission.RDWR });
  // @ts-expect-error a mode that is no Permission (an access-list mode is not one)
  await ctl.connect(1, 0x400000, { permission: 0o644 });

  // BackendInfo.requested holds whatever RSM_BACKEND said.
  const requested: string = rsm.backend().requested;
  const known: 'auto' | 'native' | 'sim' | string = requested;

  // A transaction's block is synchronous; the types refuse an async one.
  const n: number = imp.transaction((segment) => segment.load32(0));
  // @ts-expect-error an async block
  imp.transaction(async (segment) => segment.load32(0));
  // @ts-expect-error a block returning a promise
  imp.transaction(() => Promise.resolve(1));

  // Members that are the package's own are not in the declarations.
  // @ts-expect-error internal
  void exp.native;
  // @ts-expect-error internal
  void ctl.native;

  // Typed views with an offset and a length.
  const words: Uint32Array = exp.view(Uint32Array, 8, 4);
  const all: Float64Array = exp.view(Float64Array);
  const bytes: DataView = exp.view(DataView, 1, 3);

  // The topology can be written as JSON.
  const json: string = JSON.stringify(rsm.getTopology());

  void [p, known, n, words, all, bytes, json];
}
