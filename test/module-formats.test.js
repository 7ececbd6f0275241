'use strict';
// The package's exports map: `require('rsmapi')` gets the CommonJS build,
// `import 'rsmapi'` the ES-module entry, both with declarations a strict
// TypeScript consumer compiles against. Loaded by the package's own name
// (Node resolves a package's self-reference through its exports map).
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { CONTROLLER, PAGE, pattern, tracker } = require('./support/fixtures');

const root = path.join(__dirname, '..');

describe('module formats', () => {
  it('require("rsmapi") loads the CommonJS build', () => {
    assert.equal(require.resolve('rsmapi'), path.join(root, 'dist', 'index.js'));
    const rsm = require('rsmapi');
    assert.equal(rsm, require('..'));
    assert.equal(typeof rsm.getController, 'function');
  });

  it('import("rsmapi") loads the ES module, whose exports are the CommonJS objects themselves', async () => {
    const esm = await import('rsmapi');
    const cjs = require('rsmapi');
    assert.equal(esm.default, cjs, 'the default export is the CommonJS module');
    const named = Object.keys(esm).filter((k) => k !== 'default').sort();
    assert.deepEqual(named, Object.keys(cjs).sort(), 'the ES module names exactly what the CommonJS build exports');
    for (const name of named) assert.equal(esm[name], cjs[name], `${name} is one object in both formats`);
  });

  it('a program written as an ES module does a create/publish/connect/get round trip', async () => {
    const { getController, RsmError } = await import('rsmapi');
    const held = tracker();
    try {
      const ctl = held.add(getController(CONTROLLER));
      const exp = held.add(ctl.createExport(PAGE));
      exp.bytes.set(pattern(64, 3));
      const id = await exp.publish();
      const imp = held.add(await ctl.connect(1, id));
      assert.deepEqual(imp.read(0, 64), pattern(64, 3));
      // The class the ES module names is the one the addon throws with.
      assert.throws(() => imp.read(PAGE, 1), (e) => e instanceof RsmError && e.code === 'RSMERR_BAD_OFFSET');
    } finally {
      held.release();
    }
  });

  describe('a TypeScript consumer of the published declarations', function () {
    this.timeout(120000);
    let project;
    before(() => {
      project = fs.mkdtempSync(path.join(os.tmpdir(), 'rsmapi-consumer-'));
      fs.mkdirSync(path.join(project, 'node_modules'));
      // Resolved through the package's exports map, as from an installed copy.
      fs.symlinkSync(root, path.join(project, 'node_modules', 'rsmapi'), 'dir');
      fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'commonjs' }));
    });
    after(() => fs.rmSync(project, { recursive: true, force: true }));

    it('compiles strict code that uses the API through both import and require', () => {
      writeConsumerFiles(project, { 'ok.mts': ESM_CONSUMER, 'ok.cts': CJS_CONSUMER });
      const r = typecheck(project);
      assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
    });

    it('rejects code that misuses it (so the check above can fail)', () => {
      writeConsumerFiles(project, { 'wrong.mts': WRONG_CONSUMER });
      const r = typecheck(project);
      assert.notEqual(r.status, 0, 'tsc accepted misuse of the API');
      assert.match(r.stdout, /wrong\.mts.*TS(2305|2614).*noSuchExport/, 'names an export that does not exist');
      assert.match(r.stdout, /wrong\.mts.*TS2345/, 'rejects a number where a controller name goes');
      assert.match(r.stdout, /wrong\.mts.*TS2551|wrong\.mts.*TS2339/, 'rejects a property that does not exist');
    });
  });
});

const ESM_CONSUMER = `
import rsm, { getController, RsmError, Permission, type BackendInfo, type ImportSegment } from 'rsmapi';

export async function roundTrip(size: number): Promise<Uint8Array> {
  const info: BackendInfo = rsm.backend();
  const name: 'native' | 'sim' | 'none' = info.name;
  void name;
  const ctl = getController('sci0');
  try {
    const seg = ctl.createExport(size);
    const id: number = await seg.publish({ accessList: [{ node: 2, permission: Permission.RDWR }] });
    const imp: ImportSegment = await ctl.connect(1, id, { permission: Permission.READ });
    return imp.read(0, 16);
  } catch (e) {
    if (e instanceof RsmError) {
      const code: string = e.code;
      const errno: number = e.errno;
      throw new Error(code + errno + e.syscall);
    }
    throw e;
  } finally {
    ctl.release();
  }
}
`;

const CJS_CONSUMER = `
import rsm = require('rsmapi');

export function pageMultiple(n: number): number {
  const ctl: rsm.Controller = rsm.getController(null);
  const attrs: rsm.ControllerAttributes = ctl.attributes();
  ctl.release();
  return n * rsm.pageSize + attrs.pageSize * 0;
}
`;

const WRONG_CONSUMER = `
import { getController, noSuchExport } from 'rsmapi';

const ctl = getController(42);
ctl.relase();
void noSuchExport;
`;

function writeConsumerFiles(project, files) {
  for (const f of fs.readdirSync(project)) if (/\.[cm]?ts$/.test(f)) fs.rmSync(path.join(project, f));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(project, name), text);
  fs.writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022', 'ESNext.Disposable'],
        module: 'node16',
        moduleResolution: 'node16',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [path.join(root, 'node_modules', '@types')],
      },
      files: Object.keys(files),
    }),
  );
}

function typecheck(project) {
  const tsc = require.resolve('typescript/bin/tsc');
  return spawnSync(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: project, encoding: 'utf8' });
}
