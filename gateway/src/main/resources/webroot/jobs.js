/*
 * The job list: GET jobs (re-read every few seconds), each job a card cloned from the page's
 * template, and a live event stream for the jobs that are not over. What a card offers comes from
 * the job itself: its buttons are the server's "actions", and "ended" says when to stop following it.
 * A followed job's progress events also feed its throughput chart (series.js, chart.js).
 */
import { api, problemText, session, unauthorized, worthShowing } from './api.js';
import { ThroughputChart } from './chart.js';
import { announce, el, part, setConn, show } from './dom.js';
import { RateSeries } from './series.js';
import { EventStreamReader } from './sse.js';
import {
  eventSummary, fmtBytes, fmtEta, fmtLimit, fmtMode, fmtPercent, fmtRate, fmtReuse, fmtSync, fmtTime, jobName, limitInput,
} from './format.js';

const REFRESH_MS = 5000;
/* Browsers open at most 6 HTTP/1.1 connections per host: keep some for the API calls. */
const MAX_STREAMS = 4;
/** How long the Cancel button waits for its confirming second click. */
const CONFIRM_MS = 5000;

/** id -> { job, node, stream, added, gone, series, chart } */
const jobs = new Map();
let refreshTimer = 0;
let refreshing = null;
let refreshAgain = false;

/** What the job accepts now, as the server said. */
function actionsOf(job) {
  return Array.isArray(job.actions) ? job.actions : [];
}

/** Redraws the charts at their new width once the window has been resized (on the next frame, once). */
let resizeFrame = 0;
window.addEventListener('resize', () => {
  if (resizeFrame) return;
  resizeFrame = requestAnimationFrame(() => {
    resizeFrame = 0;
    for (const entry of jobs.values()) {
      if (entry.series.points.length > 1) entry.chart.draw(entry.series, jobName(entry.job));
    }
  });
});

/** Re-reads the job list now (once more after the one in flight, if any), then every REFRESH_MS. */
export function refresh() {
  clearTimeout(refreshTimer);
  if (!session.token) return;
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  const gen = session.generation;
  const state = el.filter.value;
  const sent = performance.now();
  refreshing = api('GET', 'jobs?limit=100' + (state ? '&state=' + encodeURIComponent(state) : ''))
    .then((page) => {
      if (gen !== session.generation || state !== el.filter.value) return;
      show(el.jobsError, '');
      setConn('live', 'Live');
      applyList(page, sent);
    })
    .catch((err) => {
      if (gen !== session.generation || !worthShowing(err)) return;
      setConn('down', 'Reconnecting…');
      show(el.jobsError, 'Cannot load the jobs: ' + problemText(err));
    })
    .finally(() => {
      refreshing = null;
      if (!session.token) return;
      if (refreshAgain || gen !== session.generation) {
        refreshAgain = false;
        refresh();
      } else {
        refreshTimer = setTimeout(refresh, REFRESH_MS);
      }
    });
}

/** Drops every job from the page and closes their streams (a sign-out, another filter). */
export function clearJobs() {
  clearTimeout(refreshTimer);
  refreshAgain = false;
  for (const entry of jobs.values()) {
    if (entry.stream) entry.stream.close();
  }
  jobs.clear();
  el.list.replaceChildren();
}

/** Redraws every card's buttons (the session became read-only, or not). */
export function renderAllActions() {
  for (const entry of jobs.values()) renderActions(entry);
}

/** Shows a page of the list; jobs added here after it was requested stay until the next one. */
function applyList(page, sent) {
  const seen = new Set();
  let prev = null;
  for (const job of page.jobs) {
    seen.add(job.id);
    const entry = upsert(job, true);
    // keep the server's order (newest first) without moving nodes that are already in place
    const want = prev ? prev.nextSibling : el.list.firstChild;
    if (want !== entry.node) el.list.insertBefore(entry.node, want);
    prev = entry.node;
  }
  for (const [id, entry] of jobs) {
    if (!seen.has(id) && entry.added < sent) {
      if (entry.stream) entry.stream.close();
      entry.node.remove();
      jobs.delete(id);
    }
  }
  el.jobsCount.textContent = page.total ? '(' + page.total + ')' : '';
  el.jobsEmpty.hidden = jobs.size > 0;
  el.jobsEmpty.textContent = el.filter.value ? 'No ' + el.filter.value + ' jobs.' : 'No jobs yet. Submit one with the form.';
  show(el.jobsMore, page.total > page.jobs.length
    ? 'Showing the newest ' + page.jobs.length + ' of ' + page.total + ' jobs.' : '');
  scheduleStreams();
}

/** A job this page just submitted: first in the list (newest first), and followed live. */
export function addSubmitted(job) {
  const entry = upsert(job, false);
  if (!entry.node.parentNode) el.list.prepend(entry.node);
  el.jobsEmpty.hidden = true;
  scheduleStreams();
}

/** Adds or updates a job; a job followed live ignores the (possibly older) list snapshot. */
function upsert(job, fromList) {
  let entry = jobs.get(job.id);
  if (!entry) {
    const node = createNode(job);
    entry = {
      job, node, stream: null, added: performance.now(), gone: false,
      series: new RateSeries(), chart: new ThroughputChart(part(node, 'job-chart')),
    };
    jobs.set(job.id, entry);
    render(entry);
    return entry;
  }
  if (fromList && entry.stream && entry.stream.live) return entry;
  const before = entry.job.state;
  entry.job = job;
  render(entry);
  if (before !== job.state) {
    announce(jobName(job) + ' is ' + job.state + '.');
    if (part(entry.node, 'job-details').open) loadLog(entry);
    scheduleStreams();
  }
  return entry;
}

function createNode(job) {
  const node = el.template.content.firstElementChild.cloneNode(true);
  node.dataset.jobId = job.id;
  const titleId = 'job-title-' + job.id;
  part(node, 'job-name').id = titleId;
  node.setAttribute('aria-labelledby', titleId);
  for (const button of node.querySelectorAll('[data-action]')) {
    button.dataset.label = button.textContent; // the template's words, restored after a confirmation
    button.addEventListener('click', () => act(job.id, button));
  }
  const rateForm = part(node, 'rate-form');
  const rateInput = part(node, 'rate-input');
  rateInput.id = 'rate-' + job.id;
  part(node, 'rate-label').htmlFor = rateInput.id;
  rateForm.addEventListener('submit', (e) => {
    e.preventDefault();
    changeRate(job.id);
  });
  part(node, 'rate-close').addEventListener('click', () => toggleRate(job.id, false));
  const details = part(node, 'job-details');
  details.addEventListener('toggle', () => {
    const entry = jobs.get(job.id);
    if (details.open && entry) loadLog(entry);
  });
  return node;
}

function render(entry) {
  const job = entry.job;
  const node = entry.node;
  node.dataset.state = job.state;
  part(node, 'job-name').textContent = jobName(job);
  part(node, 'job-state').textContent = job.state;
  part(node, 'job-source').textContent = job.source;
  part(node, 'job-dest').textContent = job.destination;
  const where = typeof job.node === 'string' ? job.node : '';
  part(node, 'job-node-name').textContent = where;
  part(node, 'job-node').hidden = !where;
  part(node, 'job-node').title = where ? 'Runs on cluster member ' + where : '';
  part(node, 'job-mode-name').textContent = fmtMode(job);
  part(node, 'job-mode').dataset.mode = typeof job.mode === 'string' ? job.mode : 'pull';

  const pct = job.state === 'succeeded' ? 100 : Math.max(0, Math.min(100, Number(job.percent) || 0));
  const bar = part(node, 'progress');
  bar.setAttribute('aria-valuenow', String(pct));
  bar.setAttribute('aria-valuetext', fmtPercent(job) + ', ' + fmtBytes(job.bytesDone) + ' of '
    + fmtBytes(job.bytesTotal) + (job.state === 'running' ? ', ' + fmtRate(job.rate) : '') + ', ' + job.state);
  bar.setAttribute('aria-label', 'Progress of ' + jobName(job));
  part(node, 'progress-fill').style.width = pct + '%';

  part(node, 'job-percent').textContent = fmtPercent(job);
  part(node, 'job-bytes').textContent = job.bytesTotal > 0 || job.bytesDone > 0
    ? fmtBytes(job.bytesDone) + ' of ' + fmtBytes(job.bytesTotal) : '';
  part(node, 'job-rate').textContent = job.state === 'running' ? fmtRate(job.rate) : '—';
  part(node, 'job-eta').textContent = fmtEta(job);
  part(node, 'job-files').textContent = job.filesTotal > 0 ? job.filesDone + ' / ' + job.filesTotal : '—';
  part(node, 'job-lanes').textContent = job.state === 'running'
    ? (job.lanesActive || 0) + ' of ' + job.lanes : String(job.lanes ?? '—');
  part(node, 'job-moved').textContent = typeof job.bytesMoved === 'number' ? fmtBytes(job.bytesMoved) : '—';
  part(node, 'job-reused').textContent = typeof job.bytesReused === 'number' ? fmtBytes(job.bytesReused) : '—';
  part(node, 'job-reuse').textContent = fmtReuse(job);
  show(part(node, 'job-sync'), fmtSync(job) ? 'Sync: ' + fmtSync(job) : '');

  show(part(node, 'job-error'), job.state === 'failed' || job.error ? job.error || 'The job failed.' : '');

  part(node, 'job-id').textContent = job.id;
  const meta = [''];
  if (job.submittedBy) meta.push('by ' + job.submittedBy);
  if (job.createdAt) meta.push(fmtTime(job.createdAt));
  if (job.rateLimit > 0) meta.push('limit ' + fmtLimit(job.rateLimit * 8));
  if (job.compression && job.compression !== 'auto') meta.push(job.compression);
  if (job.priority) meta.push('priority ' + job.priority);
  if (job.attempts > 1) meta.push('attempt ' + job.attempts);
  if (job.retriedChunks > 0) meta.push(job.retriedChunks + ' chunks retried');
  if (job.reconnects > 0) meta.push(job.reconnects + ' reconnects');
  part(node, 'job-meta-rest').textContent = meta.join(' · ');
  renderDigests(node, job);
  renderActions(entry);
}

function renderDigests(node, job) {
  const table = part(node, 'digests');
  const digests = job.digests && typeof job.digests === 'object' ? Object.entries(job.digests) : [];
  table.hidden = digests.length === 0;
  const body = table.tBodies[0];
  if (body.rows.length === digests.length) return;
  body.replaceChildren(...digests.sort((a, b) => a[0].localeCompare(b[0])).map(([file, digest]) => {
    const row = document.createElement('tr');
    const name = document.createElement('td');
    name.className = 'mono';
    name.textContent = file;
    const value = document.createElement('td');
    value.className = 'mono digest';
    value.textContent = String(digest);
    row.append(name, value);
    return row;
  }));
}

/** The audit log (GET jobs/{id}/log), loaded when the details are opened and when the state changes. */
async function loadLog(entry) {
  const status = part(entry.node, 'log-status');
  const list = part(entry.node, 'job-log');
  if (!list.childElementCount) status.textContent = 'Loading…';
  try {
    const log = await api('GET', 'jobs/' + encodeURIComponent(entry.job.id) + '/log');
    status.textContent = '';
    list.replaceChildren(...log.events.map((ev) => {
      const li = document.createElement('li');
      const time = document.createElement('time');
      time.dateTime = ev.time;
      time.textContent = fmtTime(ev.time);
      const what = document.createElement('span');
      const type = document.createElement('strong');
      type.textContent = ev.type;
      const actor = document.createElement('span');
      actor.className = 'muted';
      actor.textContent = ' by ' + ev.actor;
      what.append(type, actor);
      li.append(time, what);
      const summary = eventSummary(ev);
      if (summary) {
        const more = document.createElement('span');
        more.className = 'log-data';
        more.textContent = summary;
        li.append(more);
      }
      return li;
    }));
  } catch (err) {
    if (worthShowing(err)) status.textContent = 'Cannot load the log: ' + problemText(err);
  }
}

/** Shows the buttons of the actions the job accepts (disabled for a viewer), hides the others. */
function renderActions(entry) {
  const name = jobName(entry.job);
  const actions = actionsOf(entry.job);
  for (const button of entry.node.querySelectorAll('[data-action]')) {
    button.hidden = !actions.includes(button.dataset.action);
    if (!button.dataset.busy) button.disabled = session.readOnly;
    button.title = session.readOnly ? 'Needs an operator token' : '';
    if (button.dataset.confirm !== '1') {
      button.textContent = button.dataset.label;
      button.setAttribute('aria-label', button.textContent + ' ' + name);
    }
  }
  part(entry.node, 'job-actions').hidden = actions.length === 0;
  if (!actions.includes('rate') || session.readOnly) part(entry.node, 'rate-form').hidden = true;
}

/** A button's click: rate opens its form, cancel asks for a second click, the others POST jobs/{id}/{action}. */
async function act(id, button) {
  const entry = jobs.get(id);
  if (!entry || session.readOnly || button.dataset.busy) return;
  const action = button.dataset.action;
  const msg = part(entry.node, 'job-msg');
  if (action === 'rate') {
    toggleRate(id, part(entry.node, 'rate-form').hidden);
    return;
  }
  if (action === 'cancel' && button.dataset.confirm !== '1') {
    // a second click confirms: a cancelled job cannot be resumed
    button.dataset.confirm = '1';
    button.textContent = 'Confirm cancel';
    button.setAttribute('aria-label', 'Confirm: cancel ' + jobName(entry.job) + ' for good');
    setTimeout(() => {
      delete button.dataset.confirm;
      const current = jobs.get(id);
      if (current && !button.dataset.busy) renderActions(current);
    }, CONFIRM_MS);
    return;
  }
  delete button.dataset.confirm;
  button.dataset.busy = '1';
  button.disabled = true;
  show(msg, '');
  try {
    const job = await api('POST', 'jobs/' + encodeURIComponent(id) + '/' + action);
    upsert(job, false);
    announce(jobName(job) + ' is ' + job.state + '.');
    refresh();
  } catch (err) {
    if (worthShowing(err)) show(msg, problemText(err));
  } finally {
    delete button.dataset.busy;
    const current = jobs.get(id);
    if (current) renderActions(current);
  }
}

function toggleRate(id, open) {
  const entry = jobs.get(id);
  if (!entry) return;
  const form = part(entry.node, 'rate-form');
  const input = part(entry.node, 'rate-input');
  form.hidden = !open;
  entry.node.querySelector('[data-action="rate"]').setAttribute('aria-expanded', String(open));
  if (open) {
    input.value = limitInput(entry.job.rateLimit);
    input.focus();
    input.select();
  } else {
    show(part(entry.node, 'job-msg'), '');
  }
}

/** PATCH jobs/{id} with a new rate limit: applies at once to a running pull. */
async function changeRate(id) {
  const entry = jobs.get(id);
  if (!entry || session.readOnly) return;
  const input = part(entry.node, 'rate-input');
  const msg = part(entry.node, 'job-msg');
  const text = input.value.trim();
  if (!input.checkValidity()) {
    show(msg, 'Rate limit: use a number with an optional unit, such as 800mbit or 1gbit (0 for none).');
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  input.removeAttribute('aria-invalid');
  const apply = part(entry.node, 'rate-form').querySelector('button[type="submit"]');
  apply.disabled = true;
  try {
    const job = await api('PATCH', 'jobs/' + encodeURIComponent(id), { rateLimit: /^\d+$/.test(text) ? Number(text) : text });
    upsert(job, false);
    toggleRate(id, false);
    announce(jobName(job) + ': rate limit ' + (job.rateLimit > 0 ? fmtLimit(job.rateLimit * 8) : 'removed') + '.');
  } catch (err) {
    if (worthShowing(err)) show(msg, problemText(err));
  } finally {
    apply.disabled = session.readOnly;
  }
}

/** Follows the jobs that are not over, running ones first, within MAX_STREAMS connections. */
export function scheduleStreams() {
  const rank = { running: 0, queued: 1, paused: 2 };
  const wanted = [...jobs.values()]
    .filter((e) => !e.job.ended && !e.gone)
    .sort((a, b) => (rank[a.job.state] ?? 3) - (rank[b.job.state] ?? 3))
    .slice(0, MAX_STREAMS);
  const keep = new Set(wanted.map((e) => e.job.id));
  for (const entry of jobs.values()) {
    // a stream whose job has ended is left to the server, which closes it after the final state
    if (entry.stream && !keep.has(entry.job.id) && !entry.stream.ending && !entry.job.ended) {
      entry.stream.close();
      entry.stream = null;
    }
  }
  for (const entry of wanted) {
    if (!entry.stream) entry.stream = follow(entry.job.id);
  }
}

/** One job's events: "state" events carry the job, "progress" events are the job. */
function follow(id) {
  const over = () => {
    const entry = jobs.get(id);
    return !entry || entry.job.ended;
  };
  return new EventStreamReader('jobs/' + encodeURIComponent(id) + '/events', {
    event(type, data) {
      let payload;
      try { payload = JSON.parse(data); } catch (e) { return; }
      const job = type === 'state' ? payload.job : type === 'progress' ? payload : null;
      if (job && job.id === id) {
        const entry = upsert(job, false);
        if (type === 'progress') { // the chart's samples: the counters as this page received them
          // payload: what this attempt moved (resumed bytes, found at the destination, are not a rate)
          entry.series.add(performance.now(), job.bytesDone - (job.bytesResumed || 0), job.wireBytes);
          entry.chart.draw(entry.series, jobName(job));
        }
        setConn('live', 'Live');
      }
    },
    over,
    down() {
      setConn('down', 'Reconnecting…');
    },
    unauthorized,
    gone() { // the next list refresh drops it
      const entry = jobs.get(id);
      if (entry) entry.gone = true;
    },
    stopped(reader) {
      const entry = jobs.get(id);
      if (entry && entry.stream === reader) {
        entry.stream = null;
        if (!reader.closed) scheduleStreams();
      }
    },
  });
}
