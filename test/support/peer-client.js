'use strict';
// Starts a peer node process (peer.js) through rsmapi/testing and calls
// operations in it.
const path = require('node:path');
const { cluster } = require('./nodes');

class PeerError extends Error {
  constructor(remote) {
    super(remote.message);
    Object.assign(this, remote);
  }
}

class Peer {
  static async start({ node, env = {} } = {}) {
    const child = cluster().run(node, path.join(__dirname, 'peer.js'), { env, echo: true });
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
    this.#ready = child.message().then((m) => {
      if (!(m && m.ready)) throw new Error('peer did not start');
    });
    this.exited = child.exited.then(({ code, signal }) => {
      for (const { reject } of this.#pending.values()) reject(new Error(`peer exited (${code ?? signal})`));
      this.#pending.clear();
      return { code, signal };
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
      this.#child.post({ id, op, args });
    });
  }

  /**
   * Ends the peer; its handles are released by process exit. With
   * { signal: 'SIGKILL' } it dies without a word, as a crash would.
   */
  async stop({ signal = 'SIGTERM' } = {}) {
    this.#child.kill(signal);
    return this.exited;
  }
}

module.exports = { Peer };
