'use strict';
// Starts test/support/channel-peer.js as another node, in a child process or
// a worker thread, and collects the JSON lines it reports.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const script = path.join(__dirname, 'channel-peer.js');

/** A peer process as node `node`, opening a channel to `peer` at `segmentId`. */
function startPeer({ node, peer, segmentId, job, env = {} }) {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env, RSM_SIM_NODE: String(node), CHANNEL_PEER: String(peer), CHANNEL_ID: String(segmentId), CHANNEL_JOB: JSON.stringify(job) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const reports = [];
  const waiters = [];
  let buffered = '';
  child.stdout.on('data', (d) => {
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      reports.push(JSON.parse(line));
      for (const w of waiters.splice(0)) w();
    }
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  /** Resolves with the first report that has `key`. */
  async function report(key) {
    for (;;) {
      const found = reports.find((r) => key in r || 'error' in r);
      if (found) return found;
      const done = await Promise.race([new Promise((resolve) => waiters.push(() => resolve(false))), exited.then(() => true)]);
      if (done && !reports.find((r) => key in r || 'error' in r)) throw new Error(`the peer exited without reporting ${key}`);
    }
  }
  return { child, exited, report, reports };
}

/** The same peer in a worker thread of this process (so this node). */
function startWorkerPeer({ peer, segmentId, job }) {
  const worker = new Worker(script, { workerData: { CHANNEL_PEER: String(peer), CHANNEL_ID: String(segmentId), CHANNEL_JOB: JSON.stringify(job) } });
  const reports = [];
  worker.on('message', (m) => reports.push(m));
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  return { worker, exited, reports };
}

module.exports = { startPeer, startWorkerPeer };
