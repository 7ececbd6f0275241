'use strict';

/**
 * xorshift32: a small, seedable generator of 32-bit unsigned integers, for
 * tests that must regenerate or replay a sequence. A seed of 0 (which would
 * stay 0) is replaced by `zeroSeed`.
 */
function xorshift32(seed, zeroSeed = 0x9e3779b9) {
  let x = seed >>> 0 || zeroSeed;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

module.exports = { xorshift32 };
