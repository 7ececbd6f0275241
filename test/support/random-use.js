'use strict';
// Random use of the facade checked against a model (test/property.test.js,
// scripts/fuzz-long.js). A sequence of operations over several controllers,
// exports, imports, mappings, barriers and local memory handles, released in
// any order and sometimes simply dropped for the garbage collector, is run
// against the library and against a model of what each call must do: the
// error it must throw (by code), or the bytes it must read back.
const assert = require('node:assert/strict');
const fc = require('fast-check');
const rsm = require('../..');

const PAGE = rsm.pageSize;
const LOCAL = Number(process.env.RSM_SIM_NODE || 1);
const CONTROLLERS = ['sci0', 'loopback'];

function outcome(fn) {
  try {
    const value = fn();
    return { code: 'ok', value };
  } catch (e) {
    if (typeof e?.code !== 'string') throw e;
    return { code: e.code, error: e };
  }
}

async function outcomeAsync(fn) {
  try {
    return { code: 'ok', value: await fn() };
  } catch (e) {
    if (typeof e?.code !== 'string') throw e;
    return { code: e.code, error: e };
  }
}

/** One operation: a kind and numbers the interpreter maps onto live handles. */
const operation = fc.record({
  kind: fc.constantFrom(
    'getController', 'getController', 'releaseController', 'createExport', 'createExport', 'publish', 'publish',
    'unpublish', 'destroy', 'connect', 'connect', 'connect', 'put', 'put', 'read', 'read', 'map', 'unmapImport',
    'unmap', 'mapWrite', 'mapRead', 'disconnect', 'exportWrite', 'barrier', 'transaction', 'localMemory',
    'freeLocalMemory', 'drop', 'badPut',
  ),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
  v: fc.integer({ min: 0, max: 255 }),
});

const pick = (list, n) => (list.length === 0 ? undefined : list[n % list.length]);

class World {
  constructor() {
    this.ctls = [];
    this.exps = [];
    this.imps = [];
    this.maps = [];
    this.lms = [];
    this.operations = 0;
  }

  expect(what, got, want) {
    assert.equal(got.code, want, `${what}: expected ${want}, got ${got.code}${got.error ? ` (${got.error.message})` : ''}`);
  }

  // Forced disconnect of every import of the export (unpublish, destroy).
  abortImportsOf(exp) {
    for (const imp of this.imps) if (imp.exp === exp) imp.aborted = true;
  }

  destroyExportModel(exp) {
    if (!exp.destroyed) this.abortImportsOf(exp);
    exp.destroyed = true;
    exp.published = false;
  }

  disconnectModel(imp) {
    imp.disconnected = true;
    if (imp.mapping) imp.mapping.unmapped = true;
    imp.mapping = null;
    imp.implicit = false;
  }

  async step(op) {
    this.operations++;
    const { kind, a, b, c, v } = op;
    switch (kind) {
      case 'getController': {
        const name = CONTROLLERS[a % CONTROLLERS.length];
        this.ctls.push({ real: rsm.getController(name), name, released: false });
        return;
      }
      case 'releaseController': {
        const ctl = pick(this.ctls, a);
        if (!ctl) return;
        this.expect('release', outcome(() => ctl.real.release()), 'ok');
        // The children go with it (idempotent: a second release is a no-op).
        for (const exp of this.exps) if (exp.ctl === ctl) this.destroyExportModel(exp);
        for (const imp of this.imps) if (imp.ctl === ctl) this.disconnectModel(imp);
        for (const lm of this.lms) if (lm.ctl === ctl) lm.freed = true;
        ctl.released = true;
        return;
      }
      case 'createExport': {
        const ctl = pick(this.ctls, a);
        if (!ctl) return;
        const size = PAGE * (1 + (b % 3));
        const r = outcome(() => ctl.real.createExport(size));
        this.expect('createExport', r, ctl.released ? 'ERR_RSM_RELEASED' : 'ok');
        if (r.code === 'ok') {
          assert.equal(r.value.size, size);
          this.exps.push({ real: r.value, ctl, size, mirror: new Uint8Array(size), published: false, destroyed: false, id: 0 });
        }
        return;
      }
      case 'publish': {
        const exp = pick(this.exps, a);
        if (!exp) return;
        const r = await outcomeAsync(() => exp.real.publish());
        this.expect('publish', r, exp.destroyed ? 'ERR_RSM_RELEASED' : exp.published ? 'RSMERR_SEG_ALREADY_PUBLISHED' : 'ok');
        if (r.code === 'ok') {
          exp.published = true;
          exp.id = r.value;
          assert.equal(exp.real.segmentId, r.value);
        }
        return;
      }
      case 'unpublish': {
        const exp = pick(this.exps, a);
        if (!exp) return;
        const r = outcome(() => exp.real.unpublish());
        this.expect('unpublish', r, exp.destroyed ? 'ERR_RSM_RELEASED' : exp.published ? 'ok' : 'RSMERR_SEG_NOT_PUBLISHED');
        if (r.code === 'ok') {
          exp.published = false;
          this.abortImportsOf(exp);
        }
        return;
      }
      case 'destroy': {
        const exp = pick(this.exps, a);
        if (!exp) return;
        this.expect('destroy', outcome(() => exp.real.destroy()), 'ok');
        this.destroyExportModel(exp);
        assert.equal(exp.real.destroyed, true);
        return;
      }
      case 'connect': {
        const ctl = pick(this.ctls, a);
        const exp = pick(this.exps.filter((e) => e.id !== 0), b);
        if (!ctl || !exp) return;
        const r = await outcomeAsync(() => ctl.real.connect(LOCAL, exp.id));
        this.expect('connect', r, ctl.released ? 'ERR_RSM_RELEASED' : exp.published ? 'ok' : 'RSMERR_SEG_NOT_PUBLISHED');
        if (r.code === 'ok') {
          this.imps.push({ real: r.value, ctl, exp, disconnected: false, aborted: false, mapping: null, implicit: false });
        }
        return;
      }
      case 'put':
      case 'read': {
        const imp = pick(this.imps, a);
        if (!imp) return;
        const size = imp.exp.size;
        const off = b % size;
        const len = 1 + (c % Math.min(64, size - off));
        const want = imp.disconnected ? 'ERR_RSM_RELEASED' : imp.aborted ? 'RSMERR_CONN_ABORTED' : 'ok';
        if (kind === 'put') {
          const data = new Uint8Array(len).fill(v);
          this.expect('put', outcome(() => imp.real.put(off, data)), want);
          if (want === 'ok') imp.exp.mirror.fill(v, off, off + len);
          // A transfer outside a mapping maps the segment implicitly (docs/semantics.md §4.4).
          if (want === 'ok' && !imp.mapping) imp.implicit = true;
        } else {
          const r = outcome(() => imp.real.read(off, len));
          this.expect('read', r, want);
          if (want === 'ok') assert.deepEqual(r.value, imp.exp.mirror.subarray(off, off + len), 'read returns what was written');
          if (want === 'ok' && !imp.mapping) imp.implicit = true;
        }
        return;
      }
      case 'badPut': {
        // Out of the segment, or not an integer offset: a RangeError naming the RSM code.
        const imp = pick(this.imps, a);
        if (!imp || imp.disconnected) return;
        const off = b % 2 === 0 ? imp.exp.size : 0.5;
        const r = outcome(() => imp.real.put(off, new Uint8Array(1 + (c % 8))));
        if (off === 0.5) {
          this.expect('put at a fractional offset', r, 'RSMERR_BAD_OFFSET');
          return;
        }
        // librsm maps an unmapped connection before it checks the range
        // (docs/semantics.md §4.4 steps 6 and 8): the put fails, the implicit mapping stays.
        // A torn-down connection cannot be mapped, so it fails there instead.
        const mapped = imp.mapping || imp.implicit;
        const want = !mapped && imp.aborted ? 'RSMERR_CONN_ABORTED' : 'RSMERR_BAD_OFFSET';
        this.expect(`put at ${off} past a ${imp.exp.size}-byte segment`, r, want);
        if (!mapped && !imp.aborted) imp.implicit = true;
        return;
      }
      case 'map': {
        const imp = pick(this.imps, a);
        if (!imp) return;
        const r = outcome(() => imp.real.map({ length: imp.exp.size }));
        const mapped = imp.mapping || imp.implicit;
        const want = imp.disconnected ? 'ERR_RSM_RELEASED' : mapped ? 'RSMERR_SEG_ALREADY_MAPPED' : imp.aborted ? 'RSMERR_CONN_ABORTED' : 'ok';
        this.expect('map', r, want);
        if (r.code === 'ok') {
          const m = { real: r.value, imp, unmapped: false };
          imp.mapping = m;
          this.maps.push(m);
          assert.deepEqual(r.value.bytes, imp.exp.mirror, 'a new mapping shows the segment');
        }
        return;
      }
      case 'unmapImport': {
        const imp = pick(this.imps, a);
        if (!imp) return;
        const want = imp.disconnected ? 'ERR_RSM_RELEASED' : imp.mapping || imp.implicit ? 'ok' : 'RSMERR_SEG_NOT_MAPPED';
        this.expect('import unmap', outcome(() => imp.real.unmap()), want);
        if (want === 'ok') {
          if (imp.mapping) imp.mapping.unmapped = true;
          imp.mapping = null;
          imp.implicit = false;
        }
        return;
      }
      case 'unmap': {
        const m = pick(this.maps, a);
        if (!m) return;
        this.expect('unmap', outcome(() => m.real.unmap()), 'ok');
        if (m.imp.mapping === m) m.imp.mapping = null;
        m.unmapped = true;
        assert.equal(m.real.bytes.length, 0, 'an unmapped view is empty');
        return;
      }
      case 'mapWrite':
      case 'mapRead': {
        const m = pick(this.maps, a);
        if (!m) return;
        const bytes = m.real.bytes;
        if (m.unmapped) {
          assert.equal(bytes.length, 0, 'an unmapped view is empty');
          return;
        }
        assert.equal(bytes.length, m.imp.exp.size);
        // After a forced disconnect the mapping's contents are unspecified (docs/semantics.md §5.7).
        if (m.imp.aborted) return;
        const off = b % bytes.length;
        if (kind === 'mapWrite') {
          bytes[off] = v;
          m.imp.exp.mirror[off] = v;
        } else {
          assert.equal(bytes[off], m.imp.exp.mirror[off], 'the mapping shows the segment');
        }
        return;
      }
      case 'disconnect': {
        const imp = pick(this.imps, a);
        if (!imp) return;
        const want = imp.disconnected ? 'ok' : imp.mapping ? 'RSMERR_SEG_STILL_MAPPED' : 'ok';
        this.expect('disconnect', outcome(() => imp.real.disconnect()), want);
        if (want === 'ok') this.disconnectModel(imp);
        assert.equal(imp.real.disconnected, imp.disconnected);
        return;
      }
      case 'exportWrite': {
        const exp = pick(this.exps, a);
        if (!exp || exp.destroyed) return;
        const off = b % exp.size;
        exp.real.bytes[off] = v;
        exp.mirror[off] = v;
        assert.equal(exp.real.bytes[off], v);
        return;
      }
      case 'barrier': {
        const imp = pick(this.imps, a);
        if (!imp) return;
        if (imp.disconnected) {
          this.expect('barrier open', outcome(() => imp.real.barrier.open()), 'ERR_RSM_RELEASED');
          return;
        }
        imp.real.setMode(rsm.BarrierMode.EXPLICIT);
        this.expect('barrier open', outcome(() => imp.real.barrier.open()), 'ok');
        this.expect('barrier close', outcome(() => imp.real.barrier.close()), imp.aborted ? 'RSMERR_CONN_ABORTED' : 'ok');
        imp.real.setMode(rsm.BarrierMode.IMPLICIT);
        return;
      }
      case 'transaction': {
        const imp = pick(this.imps, a);
        if (!imp) return;
        const off = b % imp.exp.size;
        const r = outcome(() => imp.real.transaction((seg) => seg.put(off, new Uint8Array([v]))));
        this.expect('transaction', r, imp.disconnected ? 'ERR_RSM_RELEASED' : imp.aborted ? 'RSMERR_CONN_ABORTED' : 'ok');
        if (r.code === 'ok') imp.exp.mirror[off] = v;
        if (r.code === 'ok' && !imp.mapping) imp.implicit = true;
        return;
      }
      case 'localMemory': {
        const ctl = pick(this.ctls, a);
        if (!ctl) return;
        const r = outcome(() => ctl.real.createLocalMemory(PAGE));
        this.expect('createLocalMemory', r, ctl.released ? 'ERR_RSM_RELEASED' : 'ok');
        if (r.code === 'ok') {
          r.value.bytes[0] = v;
          this.lms.push({ real: r.value, ctl, freed: false });
        }
        return;
      }
      case 'freeLocalMemory': {
        const lm = pick(this.lms, a);
        if (!lm) return;
        this.expect('free', outcome(() => lm.real.free()), 'ok');
        lm.freed = true;
        assert.equal(lm.real.freed, true);
        return;
      }
      case 'drop':
        this.drop(a, b);
        return;
      default:
        throw new Error(`unknown operation ${kind}`);
    }
  }

  // Forgets a handle without releasing it, and collects garbage: its
  // finalizer must release it (and never touch what it no longer owns).
  // Only handles whose finalization cannot change what other live handles
  // see are dropped: an export with live connections to it is kept, since
  // its collection would abort them at a moment nobody can predict.
  drop(a, b) {
    const kinds = ['import', 'export', 'controller', 'localMemory'];
    const kind = kinds[a % kinds.length];
    if (kind === 'import') {
      const imp = pick(this.imps, b);
      if (!imp) return;
      this.imps = this.imps.filter((x) => x !== imp);
      this.maps = this.maps.filter((m) => m.imp !== imp);
    } else if (kind === 'export') {
      const exp = pick(this.exps, b);
      if (!exp || this.imps.some((i) => i.exp === exp && !i.disconnected && !i.aborted)) return;
      this.exps = this.exps.filter((x) => x !== exp);
      for (const i of this.imps) if (i.exp === exp) i.exp = { ...exp, real: null };
    } else if (kind === 'controller') {
      // Its children keep it alive: dropping only the reference changes nothing.
      const ctl = pick(this.ctls, b);
      if (!ctl) return;
      this.ctls = this.ctls.filter((x) => x !== ctl);
      ctl.real = null;
    } else {
      const lm = pick(this.lms, b);
      if (!lm) return;
      this.lms = this.lms.filter((x) => x !== lm);
    }
    if (typeof global.gc === 'function') global.gc();
  }

  // Releases what is left in a random order (children before or after
  // their parents), then checks nothing stays behind.
  teardown(order) {
    const all = [
      ...this.maps.map((m) => () => m.real.unmap()),
      ...this.imps.map((i) => () => {
        // Its controller may have gone first and taken it along.
        if (!i.real.disconnected && i.real.mapping) i.real.unmap();
        i.real.disconnect();
      }),
      ...this.exps.map((e) => () => e.real.destroy()),
      ...this.lms.map((l) => () => l.real.free()),
      ...this.ctls.map((c) => () => c.real.release()),
    ];
    for (let k = all.length - 1; k > 0; k--) {
      const j = order[k % order.length] % (k + 1);
      [all[k], all[j]] = [all[j], all[k]];
    }
    for (const release of all) release();
    this.ctls = [];
    this.exps = [];
    this.imps = [];
    this.maps = [];
    this.lms = [];
  }
}

/** Open descriptors of this process. */
function openFds() {
  return require('node:fs').readdirSync('/proc/self/fd').length;
}

/** This node's segment files in the cluster directory. */
function segmentFiles() {
  const dir = process.env.RSM_SIM_DIR;
  return require('node:fs').readdirSync(dir).filter((f) => f.startsWith(`seg-${LOCAL}-`) || f.startsWith('sig-'));
}

/** Waits (bounded) until finalizers of collected handles have released their segments. */
async function settle(check, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (typeof global.gc === 'function') global.gc();
    await new Promise((r) => setImmediate(r));
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * One full life cycle, so descriptors the simulator keeps for the life of
 * the process (the registry, the liveness watcher's pipe, the doorbell
 * sender) are open before a baseline is taken.
 */
async function warmUp() {
  const ctl = rsm.getController('sci0');
  const exp = ctl.createExport(PAGE);
  const imp = await ctl.connect(LOCAL, await exp.publish());
  exp.signal();
  await imp.waitForSignal({ timeout: 1000 });
  imp.disconnect();
  exp.destroy();
  ctl.release();
}

/**
 * Runs `runs` random sequences of up to `maxLength` operations. Returns the
 * number of operations run; throws (with fast-check's shrunk counterexample)
 * on the first disagreement with the model.
 */
async function runRandomUse({ runs, maxLength, seed }) {
  let operations = 0;
  await warmUp();
  const baseFds = openFds();
  await fc.assert(
    fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength }), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), async (ops, order) => {
      const world = new World();
      try {
        for (const op of ops) await world.step(op);
      } finally {
        operations += world.operations;
        world.teardown(order);
      }
      assert.ok(await settle(() => segmentFiles().length === 0), `segment files left: ${segmentFiles().join(', ')}`);
    }),
    { numRuns: runs, seed, endOnFailure: false },
  );
  const fdsOk = await settle(() => openFds() <= baseFds + 2);
  assert.ok(fdsOk, `descriptors grew from ${baseFds} to ${openFds()}`);
  return operations;
}

module.exports = { runRandomUse, openFds, segmentFiles, settle, warmUp };
