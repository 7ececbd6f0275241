'use strict';
// Small helpers shared by the tests.
const rsm = require('../..');

const PAGE = rsm.pageSize;
/** The controller the default simulated topology gives every node. */
const CONTROLLER = 'sci0';

/** Segment ids unique within one run: each test file takes its own block. */
let nextId = 0x400000 + (process.pid % 1000) * 0x1000;
function freshSegmentId() {
  return nextId++;
}

function pattern(length, seed = 1) {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

module.exports = { PAGE, CONTROLLER, freshSegmentId, pattern };

/**
 * Handles a test opens, released after it in reverse order whatever the
 * test's outcome, so no segment outlives its test.
 */
function tracker() {
  const held = [];
  const t = {
    add(handle) {
      held.push(handle);
      return handle;
    },
    release() {
      while (held.length > 0) {
        const h = held.pop();
        try {
          h[Symbol.dispose]();
        } catch {
          // Already released or torn down; the test itself checks errors.
        }
      }
    },
  };
  return t;
}

module.exports.tracker = tracker;
