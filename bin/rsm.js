#!/usr/bin/env node
'use strict';
// `rsm`: look at the RSMAPI backend and the simulated cluster from a shell.
// Exit codes: 0 done, 1 the operation failed, 2 the command line is wrong.
// Mistakes and configuration errors are one line naming the argument or
// variable (with --json, a JSON object on stdout); a stack is printed only
// for what can only be a bug. The facade is loaded late, after the command
// has set the environment the simulator reads once at load. What a cluster
// directory holds (default location, registry, the simulator's file names)
// and how it is reset are the library's to say (rsm.sim).

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const { readView, renderView } = require('./cluster-view');
const { hex, octal, table } = require('./format');
const { pathState, topologyDot } = require('./topology-dot');

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
  watch                a refreshing view of a simulated cluster: processes, segments,
                       importers, pending signals, faults in force
  sim reset            remove the state of a simulated cluster
  sim run              run a command as one node of a simulated cluster

Options:
  --json               print JSON instead of a table (backend, topology, segments, watch, sim reset);
                       errors too, as {"error": {"code", "message"}} on stdout
  -h, --help           show help for a command
  -V, --version        print the version of rsmapi

Exit codes: 0 done, 1 failed, 2 usage error; sim run passes the command's own.`,
  backend: `Usage: rsm backend [--json]

Tells which backend the rsmapi package would use here (RSM_BACKEND,
RSM_LIBRARY), the library it opened, and why the other one is not live.
Exits 1 when the backend RSM_BACKEND asks for cannot be used.`,
  topology: `Usage: rsm topology [--json | --dot]

The interconnect topology (rsm_get_interconnect_topology) as this node sees
it: the local node, its controllers, and each controller's connections.
--dot writes it as a Graphviz graph (rsm topology --dot | dot -Tsvg):
a box per node with its controllers, an edge per connection with its state.`,
  segments: `Usage: rsm segments [--dir DIR] [--json]

Lists the segments of a simulated cluster (default: RSM_SIM_DIR, else the
simulator's default directory): exporting node and process, owner uid/gid,
permissions (mode and access list), state and importers. Reads only.`,
  watch: `Usage: rsm watch [--dir DIR] [-n SECONDS] [--once] [--json]

A view of a simulated cluster (default: RSM_SIM_DIR, else the simulator's
default directory), redrawn every SECONDS (default 1, from 0.1 to 3600):
its processes, segments (node, id, size, state, owner, mode, access list),
importers, the interrupt signals pending on each, and the faults in force.
Reads only. On a terminal the view is redrawn in place; otherwise frames
follow one another, each from its 'cluster' line (with --json, one JSON
object a line).
--once prints one frame and exits (with --json, one indented object).
q or Ctrl-C quits.`,
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
    throw usageError(`${e.message.split('\n')[0].split('. ')[0].replace(/\.$/, '')} (see rsm ${command} --help)`);
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
  const { values } = parse('topology', args, { json: { type: 'boolean' }, dot: { type: 'boolean' } });
  if (values.help) return out(HELP.topology);
  if (values.json && values.dot) throw usageError('--json and --dot cannot be used together (see rsm topology --help)');
  const rsm = loadFacade();
  const topology = rsm.getTopology();
  if (values.dot) return out(topologyDot(topology));
  if (values.json) {
    return out(JSON.stringify(topology, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v), 2));
  }
  const rows = [];
  for (const c of topology.controllers) {
    if (c.remotes.length === 0) rows.push([c.name, hex(c.hwaddr), '-', '-', '-', '-']);
    for (const r of c.remotes) {
      rows.push([c.name, hex(c.hwaddr), String(r.node), r.name, hex(r.hwaddr), pathState(r.state)]);
    }
  }
  out(`local node ${topology.localNode}`);
  out(table(['CONTROLLER', 'HWADDR', 'REMOTE NODE', 'REMOTE CONTROLLER', 'REMOTE HWADDR', 'STATE'], rows));
}

// ---- simulated cluster directory ----

/**
 * The simulator's view of the cluster in --dir (else RSM_SIM_DIR, else the
 * simulator's default): rsm.sim on the built-in simulator, which can read
 * a cluster that processes using librsmsim.so share. What the directory
 * holds and where the default one is are the library's to say; rsm only
 * avoids making a directory that does not exist. `sim` is null then.
 */
function openCluster(dirOption) {
  if (dirOption === '') throw usageError('--dir needs a directory');
  const named = dirOption ?? process.env.RSM_SIM_DIR;
  // The facade reads these once, when it is first used.
  if (named) process.env.RSM_SIM_DIR = path.resolve(named);
  process.env.RSM_BACKEND = 'sim';
  if (named && !fs.existsSync(process.env.RSM_SIM_DIR)) return { dir: process.env.RSM_SIM_DIR, sim: null, description: null };
  const sim = loadFacade().sim;
  const description = simCall(() => sim.describe());
  return { dir: description.dir, sim, description };
}

/** As openCluster, and throws unless the directory holds a simulator registry. */
function requireCluster(dirOption) {
  const cluster = openCluster(dirOption);
  const d = cluster.description;
  if (d === null) throw failure(`no simulated cluster in ${cluster.dir} (no such directory)`, 'ERR_RSM_NO_CLUSTER');
  if (d.registry === 'absent') throw failure(`no simulated cluster in ${d.dir} (no registry file '${d.registryFile}')`, 'ERR_RSM_NO_CLUSTER');
  if (d.registry === 'foreign') throw failure(`${path.join(d.dir, d.registryFile)} is not a simulator registry`, 'ERR_RSM_NOT_A_CLUSTER');
  if (d.registry !== 'registry') throw failure(`cannot read ${path.join(d.dir, d.registryFile)}`, 'ERR_RSM_CLUSTER_DIR');
  return cluster;
}

/** Runs a call of rsm.sim; a configuration or registry problem becomes one line, the reason. */
function simCall(call) {
  try {
    return call();
  } catch (e) {
    if (e && e.code === 'RSMERR_BAD_CONF') {
      const why = /\((.*)\)$/.exec(e.message);
      throw failure(why ? why[1] : e.message, e.code);
    }
    throw e;
  }
}

// ---- rsm segments ----

function cmdSegments(args) {
  const { values } = parse('segments', args, { json: { type: 'boolean' }, dir: { type: 'string' } });
  if (values.help) return out(HELP.segments);
  const { sim } = requireCluster(values.dir);
  const snap = simCall(() => sim.snapshot());
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

// ---- rsm watch ----

const INTERVAL = { min: 0.1, max: 3600 };

function cmdWatch(args) {
  const { values } = parse('watch', args, {
    json: { type: 'boolean' },
    dir: { type: 'string' },
    interval: { type: 'string', short: 'n' },
    once: { type: 'boolean' },
  });
  if (values.help) return out(HELP.watch);
  const text = values.interval ?? '1';
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(seconds >= INTERVAL.min && seconds <= INTERVAL.max)) {
    throw usageError(`--interval must be a number of seconds from ${INTERVAL.min} to ${INTERVAL.max}, got '${text}'`);
  }
  const { sim } = requireCluster(values.dir);
  const read = () => simCall(() => readView(sim));
  if (values.once) return out(values.json ? JSON.stringify(read(), null, 2) : renderView(read()));
  const frame = values.json ? () => JSON.stringify(read()) : () => renderView(read());
  return watchLoop(frame, seconds * 1000, { inPlace: process.stdout.isTTY === true && !values.json, separator: values.json ? '\n' : '\n\n' });
}

// Terminal controls: the alternate screen (the shell's screen comes back on
// exit), cursor hidden, home, erase to the end of the line / of the screen.
const TERM = { enter: '\x1b[?1049h\x1b[?25l', leave: '\x1b[?25h\x1b[?1049l', home: '\x1b[H', eol: '\x1b[K', eos: '\x1b[J' };

/**
 * Writes frame() every `ms` until SIGINT, SIGTERM, q (or Ctrl-C, read as a
 * key in raw mode on a terminal), or a closed stdout; resolves 0 then. In place, each
 * frame overwrites the last line by line, cut to the window, so the screen is
 * never blank between two frames.
 */
function watchLoop(frame, ms, { inPlace, separator }) {
  return new Promise((resolve, reject) => {
    let timer = null;
    let done = false;
    // Keys are read only when the view owns the terminal (not under a pager).
    const keys = inPlace && process.stdin.isTTY === true ? process.stdin : null;
    const onKey = (data) => {
      if (/[qQ\x03]/.test(data.toString('latin1'))) finish(0);
    };
    const onSignal = () => finish(0);
    const onOutputError = (e) => (e.code === 'EPIPE' ? finish(0) : finish(undefined, e));
    const onResize = () => {
      process.stdout.write('\x1b[2J');
      clearTimeout(timer);
      draw();
    };
    function finish(code, error) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      process.stdout.off('error', onOutputError).off('resize', onResize);
      if (keys) {
        keys.off('data', onKey);
        keys.setRawMode(false);
        keys.pause();
      }
      if (inPlace) process.stdout.write(TERM.leave);
      if (error) reject(error);
      else resolve(code);
    }
    function draw() {
      if (done) return;
      let text;
      try {
        text = frame();
      } catch (e) {
        finish(undefined, e);
        return;
      }
      if (inPlace) {
        // A terminal that does not tell its size (0) gets the classic 80x24.
        const columns = process.stdout.columns || 80;
        const rows = process.stdout.rows || 24;
        const lines = text.split('\n').slice(0, Math.max(1, rows - 1)).map((l) => l.slice(0, columns) + TERM.eol);
        process.stdout.write(TERM.home + lines.join('\n') + TERM.eos);
      } else {
        process.stdout.write(text + separator);
      }
      timer = setTimeout(draw, ms);
    }
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    process.stdout.on('error', onOutputError);
    if (inPlace) {
      process.stdout.write(TERM.enter);
      process.stdout.on('resize', onResize);
    }
    if (keys) {
      keys.setRawMode(true);
      keys.on('data', onKey);
      keys.resume();
    }
    draw();
  });
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
  const { dir, sim } = openCluster(values.dir);
  let report = { dir, removed: [], liveProcesses: [] };
  if (sim !== null) {
    try {
      report = simCall(() => sim.reset({ force: values.force === true }));
    } catch (e) {
      if (e.code !== 'ERR_RSM_CLUSTER_IN_USE') throw e;
      const who = e.liveProcesses.map((p) => `pid ${p.pid} (node ${p.node})`).join(', ');
      throw failure(`${dir} is in use by ${e.liveProcesses.length} live process(es): ${who}; stop them or use --force`, e.code);
    }
  }
  const live = report.liveProcesses.map((p) => (typeof p === 'number' ? p : p.pid));
  const removed = report.more ? { removed: report.removed, more: report.more } : { removed: report.removed };
  if (values.json) return out(JSON.stringify({ dir: report.dir, ...removed, liveProcesses: live }, null, 2));
  const count = report.removed.length + (report.more ?? 0);
  out(`reset ${report.dir}: removed ${count} file(s)${live.length ? ` while ${live.length} live process(es) used it` : ''}`);
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
  if (values.dir === '') throw usageError('--dir needs a directory');
  if (values.dir !== undefined) env.RSM_SIM_DIR = path.resolve(values.dir);
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

// ---- main ----

const COMMANDS = { backend: cmdBackend, topology: cmdTopology, segments: cmdSegments, watch: cmdWatch, sim: cmdSim };

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
