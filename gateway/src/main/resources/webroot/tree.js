/*
 * Broadcasts as trees (pure; tested under node): each broadcast's destinations, from its jobs
 * (GET jobs, grouped by broadcast id) or from its view (GET broadcasts/{id}), each placed under its
 * parent (its first upstream; none: fed by the source), in the order a tree is read (depth first,
 * siblings in the broadcast's order of targets, the order the destinations were given), with its depth.
 */

/** A broadcast's state from its jobs' states: running while any runs or waits, succeeded when all have, else failed. */
export function broadcastState(states) {
  const ended = (s) => s === 'succeeded' || s === 'failed' || s === 'cancelled';
  if (states.length && states.every((s) => s === 'succeeded')) return 'succeeded';
  return states.every(ended) ? 'failed' : 'running';
}

const text = (v) => (typeof v === 'string' ? v : null);
const strings = (a) => (Array.isArray(a) ? a.filter((s) => typeof s === 'string') : []);

/**
 * The rows of one broadcast's tree from its destinations [{target, upstreams, job, node, state,
 * percent, rate, error}] in the order they were planned: [{target, depth, job, node, state,
 * percent, rate, error}], depth 1 under the source. A destination whose parent is not among them
 * (its member did not answer) is shown at the top, under the source; bad data never loops.
 */
export function treeRows(dests) {
  const list = (Array.isArray(dests) ? dests : []).filter((d) => d && typeof d.target === 'string');
  const targets = new Set(list.map((d) => d.target));
  const children = new Map();
  const roots = [];
  for (const d of list) {
    const ups = strings(d.upstreams);
    const parent = ups.length && targets.has(ups[0]) && ups[0] !== d.target ? ups[0] : null;
    if (parent === null) {
      roots.push(d);
    } else {
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(d);
    }
  }
  const rows = [];
  const seen = new Set();
  const visit = (d, depth) => {
    if (seen.has(d.target)) return; // a loop in bad data, or a target twice: each destination once
    seen.add(d.target);
    rows.push({
      target: d.target, depth, job: text(d.job), node: text(d.node), state: String(d.state),
      percent: typeof d.percent === 'number' && isFinite(d.percent) ? Math.max(0, Math.min(100, d.percent)) : 0,
      rate: typeof d.rate === 'number' ? d.rate : 0, error: text(d.error),
    });
    for (const c of children.get(d.target) || []) visit(c, depth + 1);
  };
  roots.forEach((r) => visit(r, 1));
  list.forEach((d) => visit(d, 1)); // whatever a loop left out
  return rows;
}

/** Sorts destinations by their place in `order` (the broadcast's targets), the unknown last, stably. */
function inOrder(dests, order) {
  const at = new Map(strings(order).map((t, i) => [t, i]));
  const place = (d) => (at.has(d.target) ? at.get(d.target) : at.size);
  return dests.map((d, i) => [d, i]).sort((a, b) => place(a[0]) - place(b[0]) || a[1] - b[1]).map((p) => p[0]);
}

/**
 * The broadcasts among these job views (newest first, as listed): [{id, source, state, targets,
 * rows}], the newest broadcast first; targets is every target in the order given at submission.
 */
export function broadcastTrees(jobs) {
  const byId = new Map();
  for (const j of Array.isArray(jobs) ? jobs : []) {
    const b = j && j.broadcast;
    if (!b || typeof b.id !== 'string' || typeof b.target !== 'string') continue;
    if (!byId.has(b.id)) byId.set(b.id, []);
    byId.get(b.id).push(j);
  }
  const out = [];
  for (const [id, list] of byId) {
    // oldest first (the jobs were made in the plan's order), then by the targets as given
    const ordered = [...list].sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
    const targets = strings((list.find((j) => Array.isArray(j.broadcast.targets)) || { broadcast: {} }).broadcast.targets);
    const dests = inOrder(ordered.map((j) => ({
      target: j.broadcast.target, upstreams: j.broadcast.upstreams, job: j.id, node: j.node, state: j.state,
      percent: j.percent, rate: j.rate, error: j.error,
    })), targets);
    const rows = treeRows(dests);
    out.push({ id, source: String(ordered[0].source), state: broadcastState(rows.map((r) => r.state)),
      targets: targets.length ? targets : dests.map((d) => d.target), rows });
  }
  return out;
}

/**
 * One broadcast's tree from its view (GET broadcasts/{id}, or the answer to POST broadcasts):
 * {id, source, state, targets, rows, unreachable}; `order` is the targets as given (the view's
 * destinations come in the order the members answered). The state is the gateway's.
 */
export function broadcastTree(view, order) {
  const v = view && typeof view === 'object' ? view : {};
  const known = strings(order);
  const dests = inOrder((Array.isArray(v.destinations) ? v.destinations : [])
    .filter((d) => d && typeof d.target === 'string'), known);
  const rows = treeRows(dests);
  const state = ['running', 'succeeded', 'failed'].includes(v.state) ? v.state : broadcastState(rows.map((r) => r.state));
  return { id: String(v.id), source: String(v.source), state,
    targets: known.length ? known : dests.map((d) => d.target), rows,
    unreachable: Array.isArray(v.unreachable) ? v.unreachable.length : 0 };
}
