'use strict';
// Node processes for the multi-process tests, started through rsmapi/testing
// in this run's cluster directory (RSM_SIM_DIR), so they are stopped with
// their test and cleaned up even when the run is killed.
const { joinCluster } = require('rsmapi/testing');

let here = null;
/** This process's cluster, as rsmapi/testing sees it. */
function cluster() {
  here ??= joinCluster();
  return here;
}

/** The node id `env` gives (RSM_SIM_NODE), else this process's, else 1. */
function nodeOf(env) {
  return Number(env.RSM_SIM_NODE ?? process.env.RSM_SIM_NODE ?? 1);
}

/**
 * A program driven by lines (a C test program, or `node -e`): line() waits
 * for the next line it prints, write()/ask() send one. `env` adds to this
 * process's environment; with { exact: true } it is the whole of it.
 */
function lineProgram(command, args, env = {}, { exact = false } = {}) {
  const changes = { ...env };
  if (exact) {
    // Only what `env` names, not even the cluster's own variables.
    for (const k of ['RSM_SIM_DIR', 'RSM_SIM_NODE', 'RSM_SIM_TOPOLOGY']) changes[k] = env[k];
  }
  return cluster().run(nodeOf(env), { command }, { args, env: changes, cleanEnv: exact });
}

/**
 * A topology file with `lines` for the duration of `body(file)`, removed
 * afterwards whatever the outcome.
 */
async function withTopology(lines, body) {
  const c = joinCluster({ topology: lines });
  try {
    return await body(c.topologyFile);
  } finally {
    await c.stop();
  }
}

module.exports = { cluster, lineProgram, withTopology };
