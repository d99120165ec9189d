/*
 * The cluster's members: GET cluster (re-read every few seconds), one row per member with its
 * state, the destinations it can write and its running and queued jobs. A gateway without a
 * cluster block answers as a cluster of one (clustered: false): the section stays hidden then.
 */
import { api, problemText, session, worthShowing } from './api.js';
import { el, part, show } from './dom.js';

const REFRESH_MS = 5000;

let timer = 0;
/** The session generation of the read in flight, or -1: a read of an older session does not hold up a new one. */
let inFlight = -1;

/** Re-reads the members now (unless this session's read is in flight), then every REFRESH_MS. */
export function refreshCluster() {
  clearTimeout(timer);
  const gen = session.generation;
  if (!session.token || inFlight === gen) return;
  inFlight = gen;
  api('GET', 'cluster')
    .then((view) => {
      if (gen === session.generation) render(view);
    })
    .catch((err) => {
      // the members from the last answer stay; the error says they may be stale
      if (gen === session.generation && worthShowing(err) && !el.cluster.hidden) {
        show(el.clusterError, 'Cannot load the cluster: ' + problemText(err));
      }
    })
    .finally(() => {
      if (inFlight === gen) inFlight = -1;
      if (session.token && gen === session.generation) timer = setTimeout(refreshCluster, REFRESH_MS);
    });
}

/** Stops polling and hides the section (a sign-out). */
export function clearCluster() {
  clearTimeout(timer);
  el.cluster.hidden = true;
  el.members.replaceChildren();
}

function render(view) {
  const members = view && view.clustered && Array.isArray(view.members) ? view.members : [];
  el.cluster.hidden = members.length === 0;
  show(el.clusterError, '');
  if (!members.length) {
    el.members.replaceChildren();
    return;
  }
  el.clusterCount.textContent = '(' + members.length + (members.length === 1 ? ' member)' : ' members)');
  // each member's row is kept and updated in place, so nothing flickers or loses focus every few seconds
  const rows = new Map([...el.members.children].map((li) => [li.dataset.node, li]));
  let prev = null;
  members.forEach((m, i) => {
    const name = typeof m.node === 'string' ? m.node : '?';
    const key = typeof m.node === 'string' ? m.node : '?' + i; // a member not named yet
    let li = rows.get(key);
    rows.delete(key);
    if (!li) {
      li = el.memberTemplate.content.firstElementChild.cloneNode(true);
      li.dataset.node = key;
    }
    renderMember(li, name, m);
    const want = prev ? prev.nextSibling : el.members.firstChild;
    if (want !== li) el.members.insertBefore(li, want);
    prev = li;
  });
  for (const gone of rows.values()) gone.remove();
}

function renderMember(node, name, m) {
  const state = typeof m.state === 'string' ? m.state : 'unknown';
  node.dataset.state = state;
  part(node, 'member-name').textContent = name;
  part(node, 'member-self').hidden = !m.self;
  part(node, 'member-state').textContent = state;
  const dests = Array.isArray(m.destinations) ? m.destinations : [];
  part(node, 'member-dests').textContent = dests.length ? dests.join(', ') : 'none';
  const running = Array.isArray(m.runningJobs) ? m.runningJobs.length : 0;
  const queued = typeof m.queuedJobs === 'number' ? m.queuedJobs : 0;
  const count = part(node, 'member-running');
  count.textContent = String(running);
  count.dataset.count = String(running);
  part(node, 'member-queued').textContent = String(queued);
  part(node, 'member-api').textContent = typeof m.api === 'string' ? m.api : '';
  if (m.error) part(node, 'member-api').textContent = String(m.error);
}
