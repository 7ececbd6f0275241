'use strict';
// The spec reporter, plus the run's counts written as JSON to
// RSM_TEST_STATS so the runner can add up both backend runs.
const fs = require('node:fs');
const Mocha = require('mocha');

class StatsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.RSM_TEST_STATS;
      if (file) {
        const { passes, failures, pending, tests } = this.stats;
        fs.writeFileSync(file, JSON.stringify({ passes, failures, pending, tests }));
      }
    });
  }
}

module.exports = StatsReporter;
