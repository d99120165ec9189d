/*
 * Broadcasts as trees (pure; tested under node): the jobs of each broadcast grouped by its id, each
 * destination placed under its parent (its first upstream; none: fed by the source), in the order
 * a tree is read (depth first, siblings in the order their jobs were made), with its depth.
 */

/** A broadcast's state from its jobs' states: running while any runs or waits, succeeded when all have, else failed. */
export function broadcastState(states) {
  const ended = (s) => s === 'succeeded' || s === 'failed' || s === 'cancelled';
  if (states.length && states.every((s) => s === 'succeeded')) return 'succeeded';
  return states.every(ended) ? 'failed' : 'running';
}

/**
 * The broadcasts among these job views (newest first, as listed): [{id, source, state, rows}],
 * each row {target, depth, job, node, state, percent, rate, error}. A destination whose parent is
 * not among the jobs (its member did not answer) is shown at the top, under the source.
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
    // the listing is newest first: the jobs were made parent first, so oldest first is the plan's order
    const ordered = [...list].sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
    const targets = new Set(ordered.map((j) => j.broadcast.target));
    const children = new Map();
    const roots = [];
    for (const j of ordered) {
      const ups = Array.isArray(j.broadcast.upstreams) ? j.broadcast.upstreams : [];
      const parent = ups.length && targets.has(ups[0]) && ups[0] !== j.broadcast.target ? ups[0] : null;
      if (parent === null) {
        roots.push(j);
      } else {
        if (!children.has(parent)) children.set(parent, []);
        children.get(parent).push(j);
      }
    }
    const rows = [];
    const seen = new Set();
    const visit = (j, depth) => {
      if (seen.has(j.broadcast.target)) return; // a loop in bad data: each destination once
      seen.add(j.broadcast.target);
      rows.push({
        target: j.broadcast.target, depth, job: j.id, node: typeof j.node === 'string' ? j.node : null,
        state: String(j.state), percent: typeof j.percent === 'number' ? Math.max(0, Math.min(100, j.percent)) : 0,
        rate: typeof j.rate === 'number' ? j.rate : 0, error: typeof j.error === 'string' ? j.error : null,
      });
      for (const c of children.get(j.broadcast.target) || []) visit(c, depth + 1);
    };
    roots.forEach((r) => visit(r, 1));
    ordered.forEach((j) => visit(j, 1)); // whatever a loop left out
    out.push({ id, source: String(ordered[0].source), state: broadcastState(rows.map((r) => r.state)), rows });
  }
  return out;
}
