'use strict';
// Fuzzing the raw native surface (what `imp.native` and friends expose to
// user code): every method of every handle kind, called on its own handle
// or on the wrong kind, with random arguments among which are objects whose
// getters and Proxy traps release handles (free, destroy, unmap, disconnect,
// controller release, detach) in the middle of the call. Every outcome must
// be a return or an error with a code; the process must not crash. Run
// under AddressSanitizer by `npm run test:sanitize`, where a use after free
// aborts the process. Bounded by a count and a time budget; RSM_FUZZ_SEED
// repeats a run.
const assert = require('node:assert/strict');
const rsm = require('..');
const { binding } = require('../dist/binding');
const { CONTROLLER, PAGE } = require('./support/fixtures');
const { xorshift32 } = require('./support/xorshift');

const OPERATIONS = 40000;
const BUDGET_MS = 3000;

/** Numbers in [0, 1) from xorshift32: small, seedable, enough for choosing. */
function prng(seed) {
  const next = xorshift32(seed, 1);
  return () => next() / 4294967296;
}

// Methods that would block, change what other tests see, or replace the
// error class are not called.
const SKIP = new Set(['constructor', 'waitPollfd', 'setErrorFactory', 'simFault']);

function methodsOf(object) {
  const names = new Set();
  for (let p = object; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (!SKIP.has(name) && d && typeof d.value === 'function') names.add(name);
    }
  }
  return [...names];
}

describe('native surface fuzzing with releasing getters', function () {
  this.timeout(60000);

  it(`survives ${OPERATIONS} random native calls (or ${BUDGET_MS} ms), every failure coded`, async () => {
    const seed = Number(process.env.RSM_FUZZ_SEED ?? 0x5eed) >>> 0;
    const random = prng(seed);
    const pick = (list) => list[Math.floor(random() * list.length)];
    const pool = { controllers: [], exports: [], imports: [], mappings: [], locals: [], barriers: [], access: [], views: [] };
    const pending = [];
    const uncoded = [];
    const note = (where, e) => {
      if (!(e instanceof Error) || typeof e.code !== 'string') uncoded.push(`${where}: ${e && e.stack}`);
    };

    const releasers = [
      () => pick(pool.locals)?.free(),
      () => pick(pool.exports)?.destroy(),
      () => pick(pool.mappings)?.unmap(),
      () => pick(pool.imports)?.unmap(),
      () => pick(pool.imports)?.disconnect(),
      () => pick(pool.barriers)?.destroy(),
      () => pick(pool.exports)?.unpublish(),
      () => pick(pool.exports)?.rebind(),
      () => {
        const v = pick(pool.views);
        if (v && v.buffer.byteLength > 0 && !pool.owned.has(v.buffer)) structuredClone(v.buffer, { transfer: [v.buffer] });
      },
      () => (random() < 0.1 ? pick(pool.controllers)?.release() : undefined),
    ];
    pool.owned = new WeakSet();
    const release = () => {
      try {
        pick(releasers)();
      } catch {
        // Releasing something already released, or busy: not the point here.
      }
    };

    const hostileNumber = (n) => ({
      get value() {
        release();
        return n;
      },
    });
    const local = () => {
      const r = random();
      if (r < 0.3 && pool.locals.length > 0) return pick(pool.locals);
      if (r < 0.6 && pool.views.length > 0) return pick(pool.views);
      if (r < 0.7) return new Proxy(new Uint8Array(16), {});
      return new Uint8Array(1 + Math.floor(random() * 64));
    };
    const entry = () => {
      const e = { local: local(), localOffset: 0, remoteOffset: Math.floor(random() * 2 * PAGE), length: Math.floor(random() * 32) };
      if (random() < 0.5) {
        const key = pick(['local', 'localOffset', 'remoteOffset', 'length']);
        const value = e[key];
        Object.defineProperty(e, key, {
          get() {
            release();
            return value;
          },
        });
      }
      if (random() < 0.1) {
        return new Proxy(e, {
          get(target, key) {
            release();
            return target[key];
          },
        });
      }
      return e;
    };
    const arg = () => {
      switch (Math.floor(random() * 16)) {
        case 0: return 0;
        case 1: return pick([1, 2, 7, 8, 16, 32, 64, PAGE - 1, PAGE, 2 * PAGE]);
        case 2: return pick([-1, 0.5, NaN, Infinity, 2 ** 53, 2 ** 32]);
        case 3: return pick([undefined, null, true, 'sci0', 'loopback', Symbol('s'), 1n, 2n ** 64n]);
        case 4: return new Uint8Array(Math.floor(random() * 64));
        case 5: return pool.views.length > 0 ? pick(pool.views) : new Uint32Array(4);
        case 6: return new Proxy(new Uint8Array(8), {});
        case 7: return Array.from({ length: 1 + Math.floor(random() * 4) }, entry);
        case 8: return hostileNumber(8);
        case 9: return Uint32Array.of(1, 0o666);
        case 10: return pick([...pool.exports, ...pool.imports, ...pool.locals, ...pool.mappings, {}]);
        case 11: return new DataView(new ArrayBuffer(16));
        case 12: return new BigUint64Array(2);
        case 13: return pick([0o666, 0o444, 0o222, 0]);
        case 14: return Math.floor(random() * 4);
        default: return Math.floor(random() * 3 * PAGE);
      }
    };

    const node = rsm.getTopology().localNode;
    const addViews = (buffer) => {
      if (buffer instanceof ArrayBuffer && buffer.byteLength > 0) {
        pool.owned.add(buffer);
        pool.views.push(new Uint8Array(buffer, Math.floor(random() * 16)));
      }
    };
    const create = async () => {
      const r = random();
      try {
        if (r < 0.1 || pool.controllers.length === 0) {
          pool.controllers.push(binding.getController(random() < 0.5 ? CONTROLLER : 'loopback'));
        } else if (r < 0.35) {
          const e = pick(pool.controllers).createExport(pick([PAGE, 2 * PAGE]), random() < 0.3 ? 1 : 0);
          pool.exports.push(e);
          addViews(e.buffer);
          if (random() < 0.8) await e.publish(0, null);
        } else if (r < 0.6) {
          const published = pool.exports.filter((e) => e.segmentId !== undefined);
          if (published.length === 0) return;
          const c = pick(pool.controllers);
          const imp = await c.connect(node, pick(published).segmentId, 0o666);
          pool.imports.push(imp);
          pool.access.push(imp.access());
          if (random() < 0.5) pool.barriers.push(imp.initBarrier(0));
        } else if (r < 0.8) {
          const imp = pick(pool.imports);
          if (!imp) return;
          const m = imp.map(0, PAGE, 0o666, 0);
          pool.mappings.push(m);
          addViews(m.buffer);
        } else {
          const lm = pick(pool.controllers).createLocalMemory(pick([PAGE, 100]));
          pool.locals.push(lm);
          addViews(lm.buffer);
        }
      } catch (e) {
        note('create', e);
      }
    };

    const started = Date.now();
    let calls = 0;
    try {
      for (let i = 0; i < 8; i++) await create();
      while (calls < OPERATIONS && Date.now() - started < BUDGET_MS) {
        if (random() < 0.15) {
          await create();
          continue;
        }
        const targets = [...pool.controllers, ...pool.exports, ...pool.imports, ...pool.mappings, ...pool.locals, ...pool.barriers];
        if (targets.length === 0) continue;
        const self = pick(targets);
        // Mostly the receiver's own methods; sometimes another kind's (a
        // foreign receiver) or a bound access function.
        const owner = random() < 0.9 ? self : pick(targets);
        let fn;
        let name;
        if (random() < 0.15 && pool.access.length > 0) {
          const a = pick(pool.access);
          name = pick(Object.keys(a));
          fn = a[name];
        } else {
          name = pick(methodsOf(owner));
          fn = owner[name];
        }
        const args = Array.from({ length: Math.floor(random() * 5) }, arg);
        calls++;
        try {
          const r = fn.apply(self, args);
          if (r && typeof r.then === 'function') {
            if (name === 'waitSignal') self.cancelWait?.();
            pending.push(Promise.resolve(r).then((v) => {
              if (name === 'connect') pool.imports.push(v);
            }, (e) => note(`${name} (async)`, e)));
          }
        } catch (e) {
          note(name, e);
        }
        if (pending.length > 16) await Promise.all(pending.splice(0));
      }
      await Promise.all(pending.splice(0));
    } finally {
      for (const c of pool.controllers) {
        try {
          c.release();
        } catch (e) {
          note('release', e);
        }
      }
      for (const e of pool.exports) for (const m of ['cancelWait', 'destroy']) try { e[m](); } catch { /* released with its controller */ }
      for (const imp of pool.imports) try { imp.cancelWait(); imp.disconnect(); } catch { /* ditto */ }
    }
    await Promise.all(pending.splice(0));
    console.log(`      (${calls} calls in ${Date.now() - started} ms, seed ${seed})`);
    assert.ok(calls > 100, `only ${calls} calls ran`);
    assert.deepEqual(uncoded.slice(0, 5), [], `errors without a code (seed ${seed})`);
  });
});
