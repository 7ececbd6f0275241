'use strict';
// What `rsm watch` shows of a simulated cluster: one frame read through
// rsm.sim (the registry snapshot and the faults in force), written as a
// table or kept as the JSON object it was read as.
const { table, octal, hex } = require('./format');

/** The cluster now: rsm.sim.snapshot() with the faults in force and when it was read. */
function readView(sim) {
  const snap = sim.snapshot();
  const faults = sim.faults.list();
  return { time: new Date().toISOString(), dir: snap.dir, processes: snap.processes, segments: snap.segments, faults };
}

function segmentName(s) {
  return `${s.node}:${s.segmentId === null ? '-' : hex(s.segmentId)}`;
}

function section(title, headers, rows) {
  return rows.length === 0 ? `${title}: none` : `${title}\n${table(headers, rows)}`;
}

/** The fault fields of rsm.sim.faults.list() that are set, as name or name=count. */
function faultWords(f) {
  return Object.entries(f)
    .filter(([name, v]) => name !== 'node' && v !== false && v !== 0)
    .map(([name, v]) => (v === true ? name : `${name}=${v}`))
    .join(' ');
}

/** A frame as text: a summary line, then processes, segments, importers and faults. */
function renderView(view) {
  const importers = view.segments.flatMap((s) => s.importers.map((i) => [s, i]));
  const live = view.processes.filter((p) => p.alive).length;
  const summary =
    `cluster ${view.dir} at ${view.time}\n` +
    `${live} live process(es), ${view.segments.length} segment(s), ${importers.length} importer(s), ` +
    `${view.faults.length} node(s) with faults`;
  const processes = view.processes.map((p) => [String(p.node), String(p.pid), p.alive ? 'yes' : 'no (awaiting cleanup)']);
  const segments = view.segments.map((s) => [
    String(s.node),
    s.segmentId === null ? '-' : hex(s.segmentId),
    s.state,
    String(s.length),
    s.controller,
    s.pid ? `${s.pid}${s.ownerAlive ? '' : ' (dead)'}` : '-',
    `${s.uid}/${s.gid}`,
    octal(s.mode),
    s.accessList === null ? '-' : s.accessList.map((a) => `${a.node}:${octal(a.permission)}`).join(','),
    String(s.pendingSignals),
  ]);
  const imports = importers.map(([s, i]) => [
    segmentName(s),
    String(i.node),
    i.pid ? String(i.pid) : '-',
    octal(i.permission),
    i.connected ? 'connected' : 'aborted',
    String(i.pendingSignals),
  ]);
  const faults = view.faults.map((f) => [String(f.node), faultWords(f)]);
  return [
    summary,
    section('PROCESSES', ['NODE', 'PID', 'ALIVE'], processes),
    section(
      'SEGMENTS',
      ['NODE', 'SEGMENT ID', 'STATE', 'BYTES', 'CONTROLLER', 'PID', 'UID/GID', 'MODE', 'ACCESS LIST', 'PENDING SIGNALS'],
      segments,
    ),
    section('IMPORTERS', ['SEGMENT (NODE:ID)', 'NODE', 'PID', 'PERMISSION', 'CONNECTION', 'PENDING SIGNALS'], imports),
    section('FAULTS', ['NODE', 'IN FORCE'], faults),
  ].join('\n\n');
}

module.exports = { readView, renderView };
