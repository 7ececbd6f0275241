'use strict';
// Starts a peer node process (peer.js) and calls operations in it.
const { fork } = require('node:child_process');
const path = require('node:path');

class PeerError extends Error {
  constructor(remote) {
    super(remote.message);
    Object.assign(this, remote);
  }
}

class Peer {
  static async start({ node, env = {} } = {}) {
    const child = fork(path.join(__dirname, 'peer.js'), [], {
      env: { ...process.env, RSM_SIM_NODE: String(node), ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const peer = new Peer(child);
    await peer.#ready;
    return peer;
  }

  #child;
  #next = 1;
  #pending = new Map();
  #ready;
  exited;

  constructor(child) {
    this.#child = child;
    this.#ready = new Promise((resolve, reject) => {
      child.once('message', (m) => (m && m.ready ? resolve() : reject(new Error('peer did not start'))));
      child.once('error', reject);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        for (const { reject } of this.#pending.values()) reject(new Error(`peer exited (${code ?? signal})`));
        this.#pending.clear();
        resolve({ code, signal });
      });
    });
    child.on('message', (m) => {
      const waiter = this.#pending.get(m.id);
      if (!waiter) return;
      this.#pending.delete(m.id);
      if (m.error) waiter.reject(new PeerError(m.error));
      else waiter.resolve(m.value);
    });
  }

  get pid() {
    return this.#child.pid;
  }

  call(op, args) {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ id, op, args });
    });
  }

  /**
   * Ends the peer; its handles are released by process exit. With
   * { signal: 'SIGKILL' } it dies without a word, as a crash would.
   */
  async stop({ signal = 'SIGTERM' } = {}) {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill(signal);
    }
    return this.exited;
  }
}

module.exports = { Peer };
