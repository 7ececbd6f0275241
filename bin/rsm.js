#!/usr/bin/env node
'use strict';
// `rsm`: look at the RSMAPI backend and the simulated cluster from a shell.
// Exit codes: 0 done, 1 the operation failed, 2 the command line is wrong.
// Mistakes and configuration errors are one line naming the argument or
// variable (with --json, a JSON object on stdout); a stack is printed only
// for what can only be a bug. The facade is loaded late, after the command
// has set the environment the simulator reads once at load. What a cluster
// directory holds (default location, registry, the simulator's file names)
// comes from one module, dist/testing-cluster-dir.js.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const dirs = require('../dist/testing-cluster-dir');

const USAGE = 2;
const FAILURE = 1;

class CliError extends Error {
  constructor(message, exitCode, code) {
    super(message);
    this.exitCode = exitCode;
    this.code = code;
  }
}
const usageError = (message) => new CliError(message, USAGE, 'ERR_RSM_USAGE');
const failure = (message, code = 'ERR_RSM_FAILED') => new CliError(message, FAILURE, code);

// Set once the command line asks for JSON, so that errors come out as JSON too.
let jsonOutput = false;

const HELP = {
  main: `Usage: rsm <command> [options]

Commands:
  backend              which RSMAPI backend is live, from which library, and why
  topology             the interconnect as this node sees it: controllers and connections
  segments             the segments of a simulated cluster: owners, access, state, importers
  sim reset            remove the state of a simulated cluster
  sim run              run a command as one node of a simulated cluster

Options:
  --json               print JSON instead of a table (backend, topology, segments, sim reset);
                       errors too, as {"error": {"code", "message"}} on stdout
  -h, --help           show help for a command
  -V, --version        print the version of rsmapi

Exit codes: 0 done, 1 failed, 2 usage error; sim run passes the command's own.`,
  backend: `Usage: rsm backend [--json]

Tells which backend the rsmapi package would use here (RSM_BACKEND,
RSM_LIBRARY), the library it opened, and why the other one is not live.
Exits 1 when the backend RSM_BACKEND asks for cannot be used.`,
  topology: `Usage: rsm topology [--json]

The interconnect topology (rsm_get_interconnect_topology) as this node sees
it: the local node, its controllers, and each controller's connections.`,
  segments: `Usage: rsm segments [--dir DIR] [--json]

Lists the segments of a simulated cluster (default: RSM_SIM_DIR, else the
simulator's default directory): exporting node and process, owner uid/gid,
permissions (mode and access list), state and importers. Reads only.`,
  sim: `Usage: rsm sim reset [--dir DIR] [--force] [--json]
       rsm sim run --node N [--dir DIR] -- COMMAND [ARGS...]

reset  removes the registry and the doorbell FIFOs of a simulated cluster;
       refuses while live processes use it, unless --force. A directory
       with no cluster in it is already reset.
run    runs COMMAND with RSM_SIM_NODE=N (and RSM_SIM_DIR=DIR) and exits with
       its exit code (128+signal if it was killed; 127 if it cannot start).`,
};

function out(text) {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function parse(command, args, options, { allowPositionals = false } = {}) {
  if (args.includes('--json')) jsonOutput = true;
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (e) {
    // Node's message goes on to explain '--'; its first sentence names the option.
    throw usageError(`${e.message.split('. ')[0].replace(/\.$/, '')} (see rsm ${command} --help)`);
  }
}

function loadFacade() {
  return require('..');
}

// ---- rsm backend ----

function cmdBackend(args) {
  const { values } = parse('backend', args, { json: { type: 'boolean' } });
  if (values.help) return out(HELP.backend);
  const info = loadFacade().backend();
  // 'none': the backend asked for (or RSM_BACKEND itself) is unusable.
  const code = info.name === 'none' ? FAILURE : 0;
  if (values.json) {
    out(JSON.stringify(info, null, 2));
    return code;
  }
  if (code !== 0) process.stderr.write(`rsm: backend unavailable: ${info.reason}\n`);
  out(
    table(
      ['', ''],
      [
        ['backend', info.name],
        ['requested', info.requested],
        ['library', info.library || '-'],
        ['reason', info.reason],
      ],
      { header: false },
    ),
  );
  return code;
}

// ---- rsm topology ----

function cmdTopology(args) {
  const { values } = parse('topology', args, { json: { type: 'boolean' } });
  if (values.help) return out(HELP.topology);
  const rsm = loadFacade();
  const topology = rsm.getTopology();
  if (values.json) {
    return out(JSON.stringify(topology, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v), 2));
  }
  const rows = [];
  for (const c of topology.controllers) {
    if (c.remotes.length === 0) rows.push([c.name, hex(c.hwaddr), '-', '-', '-', '-']);
    for (const r of c.remotes) {
      rows.push([c.name, hex(c.hwaddr), String(r.node), r.name, hex(r.hwaddr), PATH_STATES[r.state] ?? String(r.state)]);
    }
  }
  out(`local node ${topology.localNode}`);
  out(table(['CONTROLLER', 'HWADDR', 'REMOTE NODE', 'REMOTE CONTROLLER', 'REMOTE HWADDR', 'STATE'], rows));
}

// rsm_get_interconnect_topology's connection states (rsmapi.h).
const PATH_STATES = { 1: 'down', 2: 'up', 3: 'active', 4: 'going down' };

function hex(v) {
  return `0x${BigInt(v).toString(16)}`;
}

// ---- simulated cluster directory ----

function clusterDir(dirOption) {
  if (dirOption === '') throw usageError('--dir needs a directory');
  return dirs.resolveClusterDir(dirOption);
}

/** The simulator's snapshot of the cluster in `dir`, read through the built-in simulator. */
function snapshotOf(dir) {
  dirs.requireCluster(dir);
  // The facade's simulator reads these once, when it is first used; the
  // built-in one can read a cluster that processes using librsmsim.so share.
  process.env.RSM_SIM_DIR = dir;
  process.env.RSM_BACKEND = 'sim';
  try {
    return loadFacade().sim.snapshot();
  } catch (e) {
    throw failure(`cannot read the cluster in ${dir}: ${e.message}`);
  }
}

// ---- rsm segments ----

function cmdSegments(args) {
  const { values } = parse('segments', args, { json: { type: 'boolean' }, dir: { type: 'string' } });
  if (values.help) return out(HELP.segments);
  const snap = snapshotOf(clusterDir(values.dir));
  if (values.json) return out(JSON.stringify(snap, null, 2));
  out(`cluster ${snap.dir}: ${snap.processes.filter((p) => p.alive).length} live process(es), ${snap.segments.length} segment(s)`);
  if (snap.segments.length === 0) return;
  const rows = snap.segments.map((s) => [
    String(s.node),
    s.segmentId === null ? '-' : `0x${s.segmentId.toString(16)}`,
    s.state,
    String(s.length),
    s.controller,
    s.pid ? `${s.pid}${s.ownerAlive ? '' : ' (dead)'}` : '-',
    String(s.uid),
    String(s.gid),
    octal(s.mode),
    s.accessList === null ? '-' : s.accessList.map((a) => `${a.node}:${octal(a.permission)}`).join(','),
    s.importers.length === 0
      ? '-'
      : s.importers.map((i) => `${i.node}/${i.pid}:${octal(i.permission)}${i.connected ? '' : ' (aborted)'}`).join(','),
  ]);
  out(
    table(['NODE', 'SEGMENT ID', 'STATE', 'BYTES', 'CONTROLLER', 'PID', 'UID', 'GID', 'MODE', 'ACCESS LIST', 'IMPORTERS (NODE/PID:PERM)'], rows),
  );
}

function octal(n) {
  return `0${n.toString(8).padStart(3, '0')}`;
}

// ---- rsm sim ----

function cmdSim(args) {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') return out(HELP.sim);
  if (sub === 'reset') return simReset(rest);
  if (sub === 'run') return simRun(rest);
  throw usageError(`unknown sim command '${sub}' (reset, run)`);
}

function simReset(args) {
  const { values } = parse('sim reset', args, { json: { type: 'boolean' }, dir: { type: 'string' }, force: { type: 'boolean' } });
  if (values.help) return out(HELP.sim);
  const dir = clusterDir(values.dir);
  // Never removes files from what is not a cluster (a 'fabric' that is not a registry).
  const hasRegistry = dirs.registryState(dir) === 'yes';
  let live = [];
  if (hasRegistry) {
    try {
      live = snapshotOf(dir).processes.filter((p) => p.alive && p.pid !== process.pid);
    } catch (e) {
      // A damaged registry cannot say who uses it; --force removes it anyway.
      if (!values.force) throw e;
    }
  }
  if (live.length > 0 && !values.force) {
    const who = live.map((p) => `pid ${p.pid} (node ${p.node})`).join(', ');
    throw failure(`${dir} is in use by ${live.length} live process(es): ${who}; stop them or use --force`, 'ERR_RSM_CLUSTER_IN_USE');
  }
  const removed = dirs.resetClusterFiles(dir);
  if (values.json) return out(JSON.stringify({ dir, removed, liveProcesses: live.map((p) => p.pid) }, null, 2));
  out(`reset ${dir}: removed ${removed.length} file(s)${live.length ? ` while ${live.length} live process(es) used it` : ''}`);
}

function simRun(args) {
  const { values, positionals } = parse('sim run', args, { node: { type: 'string' }, dir: { type: 'string' } }, { allowPositionals: true });
  if (values.help) return out(HELP.sim);
  if (values.node === undefined) throw usageError('sim run needs --node N');
  if (!/^\d+$/.test(values.node) || Number(values.node) > 63) {
    throw usageError(`--node must be a node id from 0 to 63, got '${values.node}'`);
  }
  if (positionals.length === 0) throw usageError('sim run needs a command after --');
  const env = { ...process.env, RSM_SIM_NODE: String(Number(values.node)) };
  if (values.dir !== undefined) env.RSM_SIM_DIR = clusterDir(values.dir);
  const child = spawn(positionals[0], positionals.slice(1), { stdio: 'inherit', env });
  // rsm lives as long as the command, so that its exit code can be passed on:
  // a signal sent to rsm goes to the command instead of ending rsm first.
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => child.kill(s));
  return new Promise((resolve) => {
    child.once('error', (e) => {
      process.stderr.write(`rsm: cannot run ${positionals[0]}: ${e.message}\n`);
      resolve(127);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + (os.constants.signals[signal] ?? 0)));
  });
}

// ---- output ----

function table(headers, rows, { header = true } = {}) {
  const all = header ? [headers, ...rows] : rows;
  const widths = headers.map((_h, i) => Math.max(...all.map((r) => String(r[i]).length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : String(cell).padEnd(widths[i]))).join('  ')).join('\n');
}

// ---- main ----

const COMMANDS = { backend: cmdBackend, topology: cmdTopology, segments: cmdSegments, sim: cmdSim };

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(`${HELP.main}\n`);
    return USAGE;
  }
  if (command === '-h' || command === '--help' || command === 'help') {
    out(HELP.main);
    return 0;
  }
  if (command === '-V' || command === '--version') {
    out(require('../package.json').version);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    if (rest.includes('--json')) jsonOutput = true;
    throw usageError(`unknown command '${command}' (rsm --help lists them)`);
  }
  const code = await run(rest);
  return typeof code === 'number' ? code : 0;
}

/**
 * What to print for an error: one line for mistakes and configuration
 * problems (any error that carries a code), a stack for anything else.
 */
function describeError(e) {
  if (e instanceof CliError) return { code: e.code, message: e.message, exitCode: e.exitCode };
  if (e && typeof e.code === 'string') {
    let message = e.message;
    // The facade's topology call does not say which setting is wrong; opening
    // a controller does, in parentheses.
    if (e.code === 'RSMERR_BAD_CONF' && !/\(/.test(message)) {
      try {
        loadFacade().getController('loopback').release();
      } catch (detail) {
        const why = /\((.*)\)$/.exec(detail.message);
        if (why) message = `configuration error: ${why[1]}`;
      }
    }
    return { code: e.code, message: message.split('\n')[0], exitCode: FAILURE };
  }
  return { code: 'ERR_RSM_INTERNAL', message: e && e.stack ? e.stack : String(e), exitCode: FAILURE };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    const { code, message, exitCode } = describeError(e);
    if (jsonOutput) out(JSON.stringify({ error: { code, message } }, null, 2));
    else process.stderr.write(`rsm: ${message}\n`);
    process.exitCode = exitCode;
  },
);
