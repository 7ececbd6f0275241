'use strict';
// Property-based use of the whole facade (test/support/random-use.js): long
// random sequences of calls over several handles, checked against a model
// of the states and errors, with releases in any order and handles left to
// the garbage collector; no crash, no wrong error, no segment file or
// descriptor left behind. scripts/fuzz-long.js runs the same for longer.
const assert = require('node:assert/strict');
const { runRandomUse } = require('./support/random-use');

const MIN_OPERATIONS = 10000;

describe('random use of the facade against a model', function () {
  this.timeout(120000);

  it(`runs at least ${MIN_OPERATIONS} random operations with every result as the model says`, async () => {
    const started = Date.now();
    let operations = 0;
    // Sequences of up to 300 operations; more runs until the total is reached.
    while (operations < MIN_OPERATIONS) operations += await runRandomUse({ runs: 40, maxLength: 300 });
    console.log(`      (${operations} operations in ${Date.now() - started} ms)`);
    assert.ok(operations >= MIN_OPERATIONS);
  });
});
