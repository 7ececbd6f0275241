'use strict';
// `rsm topology --dot`: the interconnect as this node sees it
// (rsm_get_interconnect_topology) as a Graphviz graph: a box per node with
// its controllers inside, and an edge per connection drawn by its state.
const { hex } = require('./format');

// Connection states (rsmapi.h) and how each is drawn.
const PATH_STATES = { 1: 'down', 2: 'up', 3: 'active', 4: 'going down' };
const EDGE_STYLE = {
  down: 'style=dotted, color=red',
  up: 'style=dashed',
  active: 'style=solid',
  'going down': 'style=dashed, color=orange',
};

/** A DOT quoted string; a line break in `text` is a line break of the label. */
function quote(text) {
  return `"${String(text).replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n')}"`;
}

function controllerId(node, name) {
  return quote(`${node}:${name}`);
}

function pathState(state) {
  return PATH_STATES[state] ?? `state ${state}`;
}

/** The DOT text of a topology as getTopology() returns it. */
function topologyDot(topology) {
  const local = topology.localNode;
  // node -> controller name -> hwaddr, the local node first.
  const nodes = new Map([[local, new Map()]]);
  for (const c of topology.controllers) {
    nodes.get(local).set(c.name, c.hwaddr);
    for (const r of c.remotes) {
      if (!nodes.has(r.node)) nodes.set(r.node, new Map());
      nodes.get(r.node).set(r.name, r.hwaddr);
    }
  }
  const lines = [
    'graph rsm {',
    `  graph [label=${quote(`RSM interconnect as node ${local} sees it`)}, labelloc=t];`,
    '  node [shape=box];',
  ];
  const order = [local, ...[...nodes.keys()].filter((n) => n !== local).sort((a, b) => a - b)];
  for (const n of order) {
    const controllers = nodes.get(n);
    lines.push(`  subgraph ${quote(`cluster_node_${n}`)} {`);
    lines.push(`    label=${quote(n === local ? `node ${n} (local)` : `node ${n}`)};`);
    if (n === local) lines.push('    style=bold;');
    // A node with no controllers still shows, as a note in its box.
    if (controllers.size === 0) lines.push(`    ${quote(`node ${n}`)} [shape=plaintext, label="no controllers"];`);
    for (const [name, hwaddr] of controllers) lines.push(`    ${controllerId(n, name)} [label=${quote(`${name}\n${hex(hwaddr)}`)}];`);
    lines.push('  }');
  }
  for (const c of topology.controllers) {
    for (const r of c.remotes) {
      const state = pathState(r.state);
      const style = EDGE_STYLE[state] ?? 'style=dotted';
      lines.push(`  ${controllerId(local, c.name)} -- ${controllerId(r.node, r.name)} [label=${quote(state)}, ${style}];`);
    }
  }
  lines.push('}');
  return lines.join('\n');
}

module.exports = { topologyDot, pathState };
