/*
 * Broadcasts (POST /api/v1/broadcasts) as trees: a card per broadcast with its source at the root
 * and each destination a row under its parent (tree.js), with its member, state and a progress bar.
 *
 * Two reads: GET jobs every LIST_MS finds the broadcasts (its jobs carry `broadcast`), and each
 * broadcast still running is re-read with GET broadcasts/{id} every LIVE_MS until it ends. Polled
 * rather than fed by the job cards' event streams: a broadcast's jobs may be on other members and
 * off the job list's page (the page streams only the cards it shows, at most 4 at once), while one
 * GET broadcasts/{id} gathers every member's part of it. Hidden when there is none.
 */
import { api, problemText, session, worthShowing } from './api.js';
import { el, show } from './dom.js';
import { fmtRate } from './format.js';
import { broadcastTree, broadcastTrees } from './tree.js';

const LIST_MS = 5000;
const LIVE_MS = 1000;
/** A live read older than this lets the listing's (older) figures through again. */
const LIVE_STALE_MS = 3000;
/** How long the Cancel button waits for its confirming second click. */
const CONFIRM_MS = 5000;

/** id -> { tree, liveAt, li, rowsKey, rows: Map target -> row parts, problem, cancelProblem }, newest first */
let shown = new Map();
let listTimer = 0;
let liveTimer = 0;
let listing = -1; // the session generation of the listing in flight, or -1
let living = -1; // the same for the live reads

/** Re-reads the broadcasts now, then every LIST_MS while signed in; the running ones every LIVE_MS. */
export function refreshBroadcasts() {
  clearTimeout(listTimer);
  const gen = session.generation;
  if (!session.token || listing === gen) return;
  listing = gen;
  api('GET', 'jobs?limit=1000')
    .then((page) => {
      if (gen !== session.generation) return;
      show(el.broadcastsError, '');
      const next = new Map();
      for (const tree of broadcastTrees(page && page.jobs)) {
        const entry = shown.get(tree.id) || { tree: null, liveAt: 0, li: null, rowsKey: '', rows: new Map() };
        if (!entry.tree || Date.now() - entry.liveAt > LIVE_STALE_MS) entry.tree = tree;
        next.set(tree.id, entry);
      }
      // one submitted here a moment ago is kept even if the listing was read before it was made
      for (const [id, entry] of shown) if (!next.has(id) && Date.now() - entry.liveAt < LIVE_STALE_MS) next.set(id, entry);
      shown = next;
      render();
      goLive();
    })
    .catch((err) => {
      if (gen === session.generation && worthShowing(err) && !el.broadcasts.hidden) {
        show(el.broadcastsError, 'Cannot load the broadcasts: ' + problemText(err));
      }
    })
    .finally(() => {
      if (listing === gen) listing = -1;
      if (session.token && gen === session.generation) listTimer = setTimeout(refreshBroadcasts, LIST_MS);
    });
}

/** Shows a broadcast the form just made (the answer to POST broadcasts) first, and follows it live. */
export function addBroadcast(view, targets) {
  const tree = broadcastTree(view, targets);
  const entry = shown.get(tree.id) || { tree, liveAt: 0, li: null, rowsKey: '', rows: new Map() };
  entry.tree = tree;
  entry.liveAt = Date.now();
  shown = new Map([[tree.id, entry], ...[...shown].filter(([id]) => id !== tree.id)]);
  render();
  goLive();
}

/** Stops polling and hides the section (a sign-out). */
export function clearBroadcasts() {
  clearTimeout(listTimer);
  clearTimeout(liveTimer);
  liveTimer = 0;
  shown = new Map();
  el.broadcasts.hidden = true;
  el.broadcastList.replaceChildren();
}

/** Starts the live reads unless they run already or nothing runs. */
function goLive() {
  if (liveTimer || living === session.generation) return;
  if ([...shown.values()].some((e) => e.tree.state === 'running')) liveTimer = setTimeout(readLive, LIVE_MS);
}

/** GET broadcasts/{id} of each running broadcast, then again in LIVE_MS while one still runs. */
function readLive() {
  liveTimer = 0;
  const gen = session.generation;
  if (!session.token) return;
  living = gen;
  const running = [...shown.values()].filter((e) => e.tree.state === 'running');
  Promise.allSettled(running.map((entry) => api('GET', 'broadcasts/' + encodeURIComponent(entry.tree.id))
    .then((view) => {
      if (gen !== session.generation || shown.get(entry.tree.id) !== entry) return;
      entry.tree = broadcastTree(view, entry.tree.targets);
      entry.liveAt = Date.now();
      delete entry.problem;
    }, (err) => {
      if (gen === session.generation && worthShowing(err)) entry.problem = 'Cannot read it: ' + problemText(err);
    })))
    .then(() => {
      if (living === gen) living = -1;
      if (gen !== session.generation) return;
      render();
      goLive();
    });
}

function node(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}

/** Draws the cards in order, each changed in place (a row is rebuilt only when the tree's shape changes). */
function render() {
  el.broadcasts.hidden = shown.size === 0;
  el.broadcastCount.textContent = shown.size ? '(' + shown.size + ')' : '';
  const cards = [];
  for (const entry of shown.values()) {
    if (!entry.li) build(entry);
    update(entry);
    cards.push(entry.li);
  }
  const current = [...el.broadcastList.children];
  if (current.length !== cards.length || current.some((c, i) => c !== cards[i])) el.broadcastList.replaceChildren(...cards);
}

function build(entry) {
  const li = node('li', 'broadcast');
  li.dataset.broadcast = entry.tree.id;
  const head = node('div', 'broadcast-head');
  const cancel = node('button', 'btn btn-sm btn-danger broadcast-cancel', 'Cancel');
  cancel.type = 'button';
  cancel.addEventListener('click', () => cancelBroadcast(entry, cancel));
  head.append(node('span', 'broadcast-id mono', entry.tree.id), node('span', 'broadcast-summary muted small'),
    node('span', 'badge broadcast-state'), cancel);
  const tree = node('ol', 'broadcast-tree');
  tree.setAttribute('aria-label', 'Broadcast ' + entry.tree.id + ': the source, then each destination under the one it pulls from');
  const msg = node('p', 'alert alert-error broadcast-msg');
  msg.setAttribute('role', 'alert');
  msg.hidden = true;
  li.append(head, tree, msg);
  entry.li = li;
}

function update(entry) {
  const t = entry.tree;
  const li = entry.li;
  li.dataset.state = t.state;
  li.querySelector('.broadcast-state').textContent = t.state;
  const done = t.rows.filter((r) => r.state === 'succeeded').length;
  li.querySelector('.broadcast-summary').textContent = done + ' of ' + t.rows.length + ' destinations done'
    + (t.unreachable ? '; ' + t.unreachable + ' member(s) did not answer' : '');
  const cancel = li.querySelector('.broadcast-cancel');
  cancel.hidden = t.state !== 'running';
  if (!cancel.dataset.busy) cancel.disabled = session.readOnly;
  cancel.title = session.readOnly ? 'Needs an operator token' : '';
  if (cancel.dataset.confirm !== '1') {
    cancel.textContent = 'Cancel';
    cancel.setAttribute('aria-label', 'Cancel broadcast ' + t.id);
  }
  show(li.querySelector('.broadcast-msg'), entry.cancelProblem || entry.problem || '');

  const key = t.source + '\n' + t.rows.map((r) => r.depth + ' ' + r.target).join('\n');
  if (key !== entry.rowsKey) {
    entry.rowsKey = key;
    entry.rows = new Map();
    const root = node('li', 'broadcast-row broadcast-source');
    root.dataset.depth = '0';
    root.append(node('span', 'broadcast-target mono', t.source), node('span', 'muted small', 'source'));
    const rows = [root];
    for (const r of t.rows) {
      const row = node('li', 'broadcast-row');
      row.dataset.depth = String(Math.min(r.depth, 8));
      row.dataset.target = r.target;
      const bar = node('progress', 'broadcast-bar');
      bar.max = 100;
      const parts = {
        row, bar, node: node('span', 'broadcast-node muted small'), state: node('span', 'badge broadcast-job-state'),
        percent: node('span', 'broadcast-percent small'), rate: node('span', 'broadcast-rate muted small'),
        error: node('span', 'broadcast-error small'),
      };
      row.append(node('span', 'broadcast-target mono', r.target), parts.node, parts.state, bar, parts.percent,
        parts.rate, parts.error);
      entry.rows.set(r.target, parts);
      rows.push(row);
    }
    li.querySelector('.broadcast-tree').replaceChildren(...rows);
  }
  for (const r of t.rows) {
    const p = entry.rows.get(r.target);
    p.row.dataset.state = r.state;
    p.node.textContent = r.node ? 'on ' + r.node : '';
    p.state.textContent = r.state;
    p.bar.value = r.percent;
    const pct = (r.percent >= 100 ? '100' : r.percent.toFixed(1)) + '%';
    p.bar.setAttribute('aria-label', r.target + ' ' + pct);
    p.percent.textContent = pct;
    p.rate.textContent = r.state === 'running' ? fmtRate(r.rate) : '';
    p.error.textContent = r.error || '';
    p.error.hidden = !r.error;
  }
}

/** The Cancel button: a second click confirms, then POST broadcasts/{id}/cancel (every member's jobs of it). */
async function cancelBroadcast(entry, button) {
  if (session.readOnly || button.dataset.busy) return;
  if (button.dataset.confirm !== '1') {
    button.dataset.confirm = '1';
    button.textContent = 'Confirm cancel';
    button.setAttribute('aria-label', 'Confirm: cancel broadcast ' + entry.tree.id + ' for good');
    setTimeout(() => {
      delete button.dataset.confirm;
      if (!button.dataset.busy) update(entry);
    }, CONFIRM_MS);
    return;
  }
  delete button.dataset.confirm;
  button.dataset.busy = '1';
  button.disabled = true;
  try {
    const view = await api('POST', 'broadcasts/' + encodeURIComponent(entry.tree.id) + '/cancel');
    entry.tree = broadcastTree(view, entry.tree.targets);
    entry.liveAt = Date.now();
    delete entry.cancelProblem;
  } catch (err) {
    if (worthShowing(err)) entry.cancelProblem = 'Cannot cancel it: ' + problemText(err);
  } finally {
    delete button.dataset.busy;
    if (shown.get(entry.tree.id) === entry) {
      render();
      goLive();
    }
  }
}
