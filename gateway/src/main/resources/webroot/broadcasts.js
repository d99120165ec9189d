/*
 * Broadcasts (POST /api/v1/broadcasts) as trees: GET jobs (every member's, in a cluster) every
 * couple of seconds, grouped by broadcast (tree.js); each broadcast a card with its source at the
 * root and each destination a row under its parent, with its member, state and a progress bar.
 * Polled rather than fed by the job cards' event streams: a broadcast's jobs may be on other
 * members and off the job list's page, and one listing covers them all. Hidden when there is none.
 */
import { api, problemText, session, worthShowing } from './api.js';
import { el, show } from './dom.js';
import { fmtRate } from './format.js';
import { broadcastTrees } from './tree.js';

const REFRESH_MS = 2000;

let timer = 0;
let inFlight = -1;

/** Re-reads the broadcasts now, then every REFRESH_MS while signed in. */
export function refreshBroadcasts() {
  clearTimeout(timer);
  const gen = session.generation;
  if (!session.token || inFlight === gen) return;
  inFlight = gen;
  api('GET', 'jobs?limit=1000')
    .then((page) => {
      if (gen === session.generation) render(broadcastTrees(page && page.jobs));
    })
    .catch((err) => {
      if (gen === session.generation && worthShowing(err) && !el.broadcasts.hidden) {
        show(el.broadcastsError, 'Cannot load the broadcasts: ' + problemText(err));
      }
    })
    .finally(() => {
      if (inFlight === gen) inFlight = -1;
      if (session.token && gen === session.generation) timer = setTimeout(refreshBroadcasts, REFRESH_MS);
    });
}

/** Stops polling and hides the section (a sign-out). */
export function clearBroadcasts() {
  clearTimeout(timer);
  el.broadcasts.hidden = true;
  el.broadcastList.replaceChildren();
}

function node(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}

function render(trees) {
  el.broadcasts.hidden = trees.length === 0;
  show(el.broadcastsError, '');
  el.broadcastCount.textContent = trees.length ? '(' + trees.length + ')' : '';
  el.broadcastList.replaceChildren(...trees.map(card));
}

function card(b) {
  const li = node('li', 'broadcast');
  li.dataset.broadcast = b.id;
  li.dataset.state = b.state;
  const head = node('div', 'broadcast-head');
  head.append(node('span', 'broadcast-id mono', b.id), node('span', 'badge broadcast-state', b.state));
  li.append(head);
  const tree = node('ol', 'broadcast-tree');
  const root = node('li', 'broadcast-row broadcast-source');
  root.dataset.depth = '0';
  root.append(node('span', 'broadcast-target mono', b.source), node('span', 'muted small', 'source'));
  tree.append(root);
  for (const r of b.rows) {
    const row = node('li', 'broadcast-row');
    row.dataset.depth = String(Math.min(r.depth, 8));
    row.dataset.state = r.state;
    row.dataset.target = r.target;
    const bar = node('progress', 'broadcast-bar');
    bar.max = 100;
    bar.value = r.percent;
    bar.setAttribute('aria-label', r.target + ' ' + r.percent + '%');
    row.append(node('span', 'broadcast-target mono', r.target),
      node('span', 'broadcast-node muted small', r.node ? 'on ' + r.node : ''),
      node('span', 'badge broadcast-job-state', r.state), bar,
      node('span', 'broadcast-percent small', r.percent.toFixed(1) + '%'),
      node('span', 'broadcast-rate muted small', r.state === 'running' ? fmtRate(r.rate) : ''));
    if (r.error) row.append(node('span', 'broadcast-error small', r.error));
    tree.append(row);
  }
  li.append(tree);
  return li;
}
