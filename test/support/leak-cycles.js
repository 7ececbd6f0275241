'use strict';
// Segment life cycles in a loop, measuring what a leak would grow: open
// descriptors, memory mappings, resident memory (test/leaks.test.js runs a
// few thousand, scripts/leak-check.js a hundred thousand).
const fs = require('node:fs');
const rsm = require('../..');

const PAGE = rsm.pageSize;
const LOCAL = Number(process.env.RSM_SIM_NODE || 1);

function mappingCount() {
  return fs.readFileSync('/proc/self/maps', 'utf8').split('\n').length - 1;
}

function measure() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  return {
    fds: fs.readdirSync('/proc/self/fd').length,
    maps: mappingCount(),
    rssKb,
  };
}

// Collected buffers are finalized on later turns of the event loop, and the
// memory a view showed is unmapped only then: collect until the mapping count
// stops falling (at least 4 rounds, at most 50), so a loaded machine's late
// finalizers are not taken for a leak.
function settleGc() {
  return new Promise((resolve) => {
    let rounds = 0;
    let last = Infinity;
    const step = () => {
      global.gc();
      const now = mappingCount();
      const falling = now < last;
      last = now;
      if (++rounds >= 50 || (rounds >= 4 && !falling)) resolve();
      else setTimeout(step, 5);
    };
    step();
  });
}

/**
 * One cycle: create, publish, connect, map, write through the mapping, read
 * back with get, unmap, disconnect, destroy. With `leaveToGc` the export is
 * unpublished and the handles are only dropped, and their finalizers must
 * release them.
 */
async function cycle(ctl, i, leaveToGc) {
  const exp = ctl.createExport(PAGE);
  const id = await exp.publish();
  const imp = await ctl.connect(LOCAL, id);
  const mapping = imp.map({ length: PAGE });
  mapping.bytes[i % PAGE] = i & 0xff;
  if (exp.bytes[i % PAGE] !== (i & 0xff)) throw new Error(`cycle ${i}: the write did not reach the exporter`);
  // A published export lives until it is unpublished or destroyed (GC never
  // unpublishes), so the one left to the collector is unpublished first.
  if (leaveToGc) {
    exp.unpublish();
    return;
  }
  mapping.unmap();
  if (imp.read(i % PAGE, 1)[0] !== (i & 0xff)) throw new Error(`cycle ${i}: get did not read the write back`);
  imp.disconnect();
  exp.destroy();
}

/**
 * Runs `warmup` cycles, takes a baseline, runs `count` more (every
 * `gcEvery`-th left to the garbage collector), and returns the baseline,
 * the final figures and the cycle count. Collected handles are given time to
 * be finalized before the final measure.
 */
async function runCycles({ count, warmup = 500, gcEvery = 10, onProgress }) {
  if (typeof global.gc !== 'function') throw new Error('run node with --expose-gc');
  const ctl = rsm.getController('sci0');
  for (let i = 0; i < warmup; i++) await cycle(ctl, i, i % gcEvery === 0);
  await settleGc();
  const base = measure();
  const started = Date.now();
  let middle = base;
  for (let i = 0; i < count; i++) {
    if (i === Math.floor(count / 2)) {
      await settleGc();
      middle = measure();
    }
    await cycle(ctl, i, i % gcEvery === 0);
    if (i % 1000 === 999) {
      await settleGc();
      if (onProgress) onProgress(i + 1, measure());
    }
  }
  await settleGc();
  const end = measure();
  ctl.release();
  return { count, ms: Date.now() - started, base, middle, end };
}

/**
 * Which bound, if any, the growth breaks. Descriptors must come back to the
 * baseline. Mappings and resident memory may grow a little while V8's heap
 * and malloc's arenas settle (a few dozen mapping lines, tens of MB), but
 * not keep growing: a leak of one mapping per cycle, or of a page per cycle,
 * would add thousands of lines or tens of MB between the middle and the end.
 */
function growthProblems({ base, middle, end }, { fds = 2, maps = 160, lateMaps = 48, rssKb = 96 * 1024, lateRssKb = 32 * 1024 } = {}) {
  const problems = [];
  if (end.fds - base.fds > fds) problems.push(`descriptors grew from ${base.fds} to ${end.fds}`);
  if (end.maps - base.maps > maps) problems.push(`mappings grew from ${base.maps} to ${end.maps}`);
  if (end.maps - middle.maps > lateMaps) problems.push(`mappings still grew in the second half: ${middle.maps} to ${end.maps}`);
  if (end.rssKb - base.rssKb > rssKb) problems.push(`resident memory grew from ${base.rssKb} kB to ${end.rssKb} kB`);
  if (end.rssKb - middle.rssKb > lateRssKb) problems.push(`resident memory still grew in the second half: ${middle.rssKb} kB to ${end.rssKb} kB`);
  return problems;
}

module.exports = { runCycles, growthProblems, measure };
