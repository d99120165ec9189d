/*
 * Shardline gateway web page: plain JavaScript, no build step, no external resources.
 *
 * - The API token lives in sessionStorage and goes out as "Authorization: Bearer".
 * - The job list comes from GET api/v1/jobs (refreshed every few seconds); jobs that are not over
 *   are followed live over GET api/v1/jobs/{id}/events. EventSource cannot send headers, so the
 *   event stream is read with fetch() and parsed here; a dropped stream reconnects with
 *   Last-Event-ID, so no state change is lost.
 * - Server text is only ever put in the page with textContent, never as HTML.
 */
'use strict';

(() => {
  const TOKEN_KEY = 'shardline.gateway.token';
  const ROLE_KEY = 'shardline.gateway.readOnly';
  const API = 'api/v1/';
  const REFRESH_MS = 5000;
  /* Browsers open at most 6 HTTP/1.1 connections per host: keep some for the API calls. */
  const MAX_STREAMS = 4;
  const ENDED = new Set(['succeeded', 'failed', 'cancelled']);
  const ACTIONS = {
    rate: { states: ['queued', 'running', 'paused'], label: 'Rate limit' },
    pause: { states: ['queued', 'running'], done: 'paused' },
    resume: { states: ['paused', 'failed'], done: 'queued again' },
    cancel: { states: ['queued', 'running', 'paused', 'failed'], done: 'cancelled' },
  };

  const $ = (id) => document.getElementById(id);
  const el = {
    session: $('session'), conn: $('conn'), connText: $('conn-text'), roleBadge: $('role-badge'),
    signout: $('signout'), login: $('login'), loginForm: $('login-form'), token: $('token'),
    connect: $('connect'), loginError: $('login-error'), app: $('app'), jobForm: $('job-form'),
    jobFields: $('job-fields'), readonlyNote: $('readonly-note'), formError: $('form-error'),
    formOk: $('form-ok'), submit: $('submit'), filter: $('filter'), jobsCount: $('jobs-count'),
    jobsError: $('jobs-error'), jobsEmpty: $('jobs-empty'), jobsMore: $('jobs-more'), list: $('jobs'),
    template: $('job-template'), announce: $('announce'),
  };

  let token = sessionStorage.getItem(TOKEN_KEY);
  let readOnly = sessionStorage.getItem(ROLE_KEY) === '1';
  /** id -> { job, node, stream } */
  const jobs = new Map();
  let refreshTimer = 0;
  let refreshing = null;
  let refreshAgain = false;
  let generation = 0; // bumped on sign-out, so late answers of an old session are dropped
  let idempotency = null; // { key, body } of the submission in flight or last failed on the network

  // ---------------------------------------------------------------- formatting

  function sig3(v) {
    if (v >= 100) return v.toFixed(0);
    if (v >= 10) return v.toFixed(1);
    return v.toFixed(2);
  }

  /** Bytes in binary units: 1.50 GiB, 96.0 MiB, 512 B. */
  function fmtBytes(n) {
    if (typeof n !== 'number' || !isFinite(n) || n < 0) return '—';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(Math.round(n)) : sig3(n)) + ' ' + units[i];
  }

  /** Bits per second in decimal units, as networks are measured: 812 Mbit/s, 1.25 Gbit/s. */
  /** A configured limit: 200 Mbit/s, 1.5 Gbit/s (no trailing zeros). */
  function fmtLimit(bits) {
    return fmtRate(bits).replace(/\.0+ /, ' ').replace(/(\.\d*?)0+ /, '$1 ');
  }

  function fmtRate(bits) {
    if (typeof bits !== 'number' || !isFinite(bits) || bits <= 0) return '—';
    const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
    let i = 0;
    while (bits >= 1000 && i < units.length - 1) { bits /= 1000; i++; }
    return (i === 0 ? String(Math.round(bits)) : sig3(bits)) + ' ' + units[i];
  }

  function fmtDuration(s) {
    s = Math.max(0, Math.round(s));
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + String(s % 60).padStart(2, '0') + ' s';
    const h = Math.floor(m / 60);
    if (h < 48) return h + ' h ' + String(m % 60).padStart(2, '0') + ' min';
    return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
  }

  function fmtEta(job) {
    if (job.state === 'succeeded') return 'done';
    if (job.state !== 'running') return '—';
    if (typeof job.eta === 'number') return fmtDuration(job.eta);
    return job.bytesTotal > 0 ? 'estimating…' : 'planning…';
  }

  function fmtPercent(job) {
    const p = typeof job.percent === 'number' ? job.percent : 0;
    if (job.bytesTotal === 0 && job.state !== 'succeeded') return '—';
    return (p >= 100 ? '100' : p.toFixed(1)) + '%';
  }

  function fmtTime(iso) {
    const d = new Date(iso);
    if (isNaN(d.getTime())) return '';
    const sameDay = d.toDateString() === new Date().toDateString();
    return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
  }

  function shortId(id) {
    return String(id).split('-')[0];
  }

  function jobName(job) {
    return job.label ? job.label : 'Job ' + shortId(job.id);
  }

  // ---------------------------------------------------------------- API calls

  class ApiError extends Error {
    constructor(status, title, detail) {
      super(detail);
      this.status = status;
      this.title = title;
      this.detail = detail;
    }
  }

  /** Calls the API; resolves with the parsed JSON, rejects with an ApiError (problem+json fields). */
  async function api(method, path, body, headers) {
    const gen = generation;
    const h = Object.assign({ Authorization: 'Bearer ' + token, Accept: 'application/json' }, headers || {});
    if (body !== undefined) h['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(API + path, {
        method, headers: h, cache: 'no-store', credentials: 'omit',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, 'Network error', 'The gateway cannot be reached (' + e.message + ').');
    }
    const text = await res.text().catch(() => '');
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (gen !== generation) throw new ApiError(-1, 'Signed out', 'The token was changed.');
    if (!res.ok) {
      const p = data && typeof data === 'object' ? data : {};
      const err = new ApiError(res.status,
        typeof p.title === 'string' ? p.title : 'HTTP ' + res.status,
        typeof p.detail === 'string' ? p.detail : (text.slice(0, 300) || res.statusText || 'The request failed.'));
      if (res.status === 401) unauthorized(err);
      if (res.status === 403) setReadOnly(true);
      throw err;
    }
    return data;
  }

  function problemText(err) {
    if (err.status > 0) return err.title + ' (' + err.status + '): ' + err.detail;
    return err.detail;
  }

  function show(node, text) {
    node.textContent = text || '';
    node.hidden = !text;
  }

  // ---------------------------------------------------------------- session

  function showLogin(message) {
    el.session.hidden = true;
    el.app.hidden = true;
    el.login.hidden = false;
    show(el.loginError, message);
    el.token.value = '';
    el.token.focus();
  }

  function unauthorized(err) {
    signOut('The gateway did not accept the token: ' + err.detail);
  }

  function signOut(message) {
    generation++;
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ROLE_KEY);
    clearTimeout(refreshTimer);
    refreshAgain = false;
    for (const entry of jobs.values()) {
      if (entry.stream) entry.stream.close();
    }
    jobs.clear();
    el.list.replaceChildren();
    el.jobForm.reset();
    show(el.formError, '');
    show(el.formOk, '');
    idempotency = null;
    setReadOnly(false);
    showLogin(message);
  }

  async function signIn(candidate) {
    token = candidate;
    el.connect.disabled = true;
    show(el.loginError, '');
    try {
      const me = await api('GET', 'me'); // the role decides what the page offers
      readOnly = !me || me.role !== 'operator';
      sessionStorage.setItem(ROLE_KEY, readOnly ? '1' : '0');
    } catch (err) {
      if (err.status !== 401) {
        token = null;
        showLogin(problemText(err));
      }
      return;
    } finally {
      el.connect.disabled = false;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    startApp();
  }

  function startApp() {
    el.login.hidden = true;
    el.app.hidden = false;
    el.session.hidden = false;
    setReadOnly(readOnly);
    setConn('idle', 'Connecting…');
    refresh();
    el.jobForm.querySelector('input').focus();
  }

  function setReadOnly(on) {
    readOnly = on;
    if (on) sessionStorage.setItem(ROLE_KEY, '1');
    el.roleBadge.hidden = !on;
    el.readonlyNote.hidden = !on;
    el.jobFields.disabled = on;
    el.submit.disabled = on;
    for (const entry of jobs.values()) renderActions(entry);
  }

  function setConn(state, text) {
    el.conn.dataset.conn = state;
    el.connText.textContent = text;
  }

  // ---------------------------------------------------------------- job list

  /** Re-reads the job list now (once more after the one in flight, if any), then every REFRESH_MS. */
  function refresh() {
    clearTimeout(refreshTimer);
    if (!token) return;
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    const gen = generation;
    const state = el.filter.value;
    const sent = performance.now();
    refreshing = api('GET', 'jobs?limit=100' + (state ? '&state=' + encodeURIComponent(state) : ''))
      .then((page) => {
        if (gen !== generation || state !== el.filter.value) return;
        show(el.jobsError, '');
        setConn('live', 'Live');
        applyList(page, sent);
      })
      .catch((err) => {
        if (gen !== generation || err.status === 401 || err.status === -1) return;
        setConn('down', 'Reconnecting…');
        show(el.jobsError, 'Cannot load the jobs: ' + problemText(err));
      })
      .finally(() => {
        refreshing = null;
        if (!token) return;
        if (refreshAgain || gen !== generation) {
          refreshAgain = false;
          refresh();
        } else {
          refreshTimer = setTimeout(refresh, REFRESH_MS);
        }
      });
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

  /** Adds or updates a job; a job followed live ignores the (possibly older) list snapshot. */
  function upsert(job, fromList) {
    let entry = jobs.get(job.id);
    if (!entry) {
      entry = { job, node: createNode(job), stream: null, added: performance.now() };
      jobs.set(job.id, entry);
      render(entry);
      return entry;
    }
    if (fromList && entry.stream && entry.stream.live) return entry;
    const before = entry.job.state;
    entry.job = job;
    render(entry);
    if (before !== job.state) {
      el.announce.textContent = jobName(job) + ' is ' + job.state + '.';
      if (part(entry.node, 'job-details').open) loadLog(entry);
      scheduleStreams();
    }
    return entry;
  }

  function createNode(job) {
    const node = el.template.content.firstElementChild.cloneNode(true);
    node.dataset.jobId = job.id;
    const titleId = 'job-title-' + job.id;
    node.querySelector('.job-name').id = titleId;
    node.setAttribute('aria-labelledby', titleId);
    for (const button of node.querySelectorAll('[data-action]')) {
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

  function part(node, cls) {
    return node.querySelector('.' + cls);
  }

  function render(entry) {
    const job = entry.job;
    const node = entry.node;
    node.dataset.state = job.state;
    part(node, 'job-name').textContent = jobName(job);
    part(node, 'job-state').textContent = job.state;
    part(node, 'job-source').textContent = job.source;
    part(node, 'job-dest').textContent = job.destination;

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
      if (err.status !== 401 && err.status !== -1) status.textContent = 'Cannot load the log: ' + problemText(err);
    }
  }

  function eventSummary(ev) {
    const d = ev.data && typeof ev.data === 'object' ? ev.data : {};
    const limit = (b) => (b > 0 ? fmtLimit(b * 8) : 'none');
    switch (ev.type) {
      case 'submitted': return '';
      case 'started': return d.attempt ? 'attempt ' + d.attempt : '';
      case 'paused':
      case 'resumed':
      case 'cancelled': return typeof d.from === 'string' ? 'was ' + d.from : '';
      case 'rate-changed': return 'rate limit ' + limit(d.from) + ' → ' + limit(d.rateLimit);
      case 'attempt-ended': return [d.reason ? 'stopped: ' + d.reason : '', stats(d)].filter(Boolean).join('; ');
      case 'succeeded': return stats(d);
      case 'failed': return [typeof d.error === 'string' ? d.error : '', stats(d)].filter(Boolean).join('; ');
      case 'interrupted': return typeof d.reason === 'string' ? d.reason : '';
      default: {
        const text = JSON.stringify(d);
        if (!text || text === '{}') return '';
        return text.length > 240 ? text.slice(0, 240) + '…' : text;
      }
    }
  }

  /** An attempt's statistics from the journal, in words. */
  function stats(d) {
    const parts = [];
    if (typeof d.bytes === 'number') {
      parts.push(fmtBytes(d.bytes) + (d.totalBytes > d.bytes ? ' of ' + fmtBytes(d.totalBytes) : '')
        + (d.files !== undefined ? ' in ' + d.files + (d.files === 1 ? ' file' : ' files') : ''));
    }
    if (d.seconds > 0) parts.push(fmtDuration(d.seconds) + (d.bytes ? ' at ' + fmtRate(d.bytes * 8 / d.seconds) : ''));
    if (d.retriedChunks) parts.push(d.retriedChunks + ' chunks retried');
    if (d.resumedChunks) parts.push(d.resumedChunks + ' chunks resumed');
    if (d.reconnects) parts.push(d.reconnects + ' reconnects');
    if (d.verified) parts.push('verified');
    return parts.join(', ');
  }

  function renderActions(entry) {
    const name = jobName(entry.job);
    let any = false;
    for (const button of entry.node.querySelectorAll('[data-action]')) {
      const action = button.dataset.action;
      const applies = ACTIONS[action].states.includes(entry.job.state);
      any = any || applies;
      button.hidden = !applies;
      if (!button.dataset.busy) button.disabled = readOnly;
      button.title = readOnly ? 'Needs an operator token' : '';
      if (button.dataset.confirm !== '1') {
        button.textContent = ACTIONS[action].label || action[0].toUpperCase() + action.slice(1);
        button.setAttribute('aria-label', button.textContent + ' ' + name);
      }
    }
    part(entry.node, 'job-actions').hidden = !any;
    if (!ACTIONS.rate.states.includes(entry.job.state) || readOnly) part(entry.node, 'rate-form').hidden = true;
  }

  async function act(id, button) {
    const entry = jobs.get(id);
    if (!entry || readOnly || button.dataset.busy) return;
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
      }, 5000);
      return;
    }
    delete button.dataset.confirm;
    button.dataset.busy = '1';
    button.disabled = true;
    show(msg, '');
    try {
      const job = await api('POST', 'jobs/' + encodeURIComponent(id) + '/' + action);
      upsert(job, false);
      el.announce.textContent = jobName(job) + ' ' + ACTIONS[action].done + '.';
      refresh();
    } catch (err) {
      if (err.status !== 401 && err.status !== -1) show(msg, problemText(err));
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
      input.value = entry.job.rateLimit > 0 ? fmtLimit(entry.job.rateLimit * 8).replace(/ (\w)bit\/s$/, '$1bit').toLowerCase() : '';
      input.focus();
      input.select();
    } else {
      show(part(entry.node, 'job-msg'), '');
    }
  }

  /** PATCH jobs/{id} with a new rate limit: applies at once to a running pull. */
  async function changeRate(id) {
    const entry = jobs.get(id);
    if (!entry || readOnly) return;
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
      el.announce.textContent = jobName(job) + ': rate limit ' + (job.rateLimit > 0 ? fmtLimit(job.rateLimit * 8) : 'removed') + '.';
    } catch (err) {
      if (err.status !== 401 && err.status !== -1) show(msg, problemText(err));
    } finally {
      apply.disabled = readOnly;
    }
  }

  // ---------------------------------------------------------------- live streams

  /** Follows the jobs that are not over, running ones first, within MAX_STREAMS connections. */
  function scheduleStreams() {
    const rank = { running: 0, queued: 1, paused: 2 };
    const wanted = [...jobs.values()]
      .filter((e) => !ENDED.has(e.job.state) && !e.gone)
      .sort((a, b) => (rank[a.job.state] ?? 3) - (rank[b.job.state] ?? 3))
      .slice(0, MAX_STREAMS);
    const keep = new Set(wanted.map((e) => e.job.id));
    for (const entry of jobs.values()) {
      // a stream whose job has ended is left to the server, which closes it after the final state
      if (entry.stream && !keep.has(entry.job.id) && !entry.stream.ending && !ENDED.has(entry.job.state)) {
        entry.stream.close();
        entry.stream = null;
      }
    }
    for (const entry of wanted) {
      if (!entry.stream) entry.stream = new JobStream(entry.job.id);
    }
  }

  /**
   * One job's server-sent events, read with fetch() so the Authorization header can be sent.
   * Parses the text/event-stream format (event:, id:, data:, retry:, comments) and reconnects
   * with Last-Event-ID after a drop, until the job is over or the stream is closed.
   */
  class JobStream {
    constructor(id) {
      this.id = id;
      this.lastId = null;
      this.retryMs = 1000;
      this.failures = 0;
      this.live = false;
      this.closed = false;
      this.ending = false;
      this.controller = null;
      this.gen = generation;
      this.run();
    }

    close() {
      this.closed = true;
      this.live = false;
      if (this.controller) this.controller.abort();
    }

    async run() {
      while (!this.closed && this.gen === generation) {
        let over = false;
        this.controller = new AbortController();
        try {
          over = await this.connect();
        } catch (e) {
          // a network error or an abort: retried below unless closed
          if (!this.closed && this.gen === generation) setConn('down', 'Reconnecting…');
        }
        this.live = false;
        if (over || this.closed || this.gen !== generation) break;
        this.failures++;
        await new Promise((r) => setTimeout(r, Math.min(this.retryMs * this.failures, 15000)));
      }
      this.ending = true;
      const entry = jobs.get(this.id);
      if (entry && entry.stream === this) {
        entry.stream = null;
        if (!this.closed) scheduleStreams();
      }
    }

    /** Reads the stream until it ends; true when the job is over (or gone). */
    async connect() {
      const headers = { Authorization: 'Bearer ' + token, Accept: 'text/event-stream' };
      if (this.lastId !== null) headers['Last-Event-ID'] = this.lastId;
      const res = await fetch(API + 'jobs/' + encodeURIComponent(this.id) + '/events', {
        headers, cache: 'no-store', credentials: 'omit', signal: this.controller.signal,
      });
      if (res.status === 401) {
        const p = await res.json().catch(() => ({}));
        if (this.gen === generation) unauthorized(new ApiError(401, p.title || '', p.detail || 'token refused'));
        return true;
      }
      if (res.status === 404) { // the job is gone: the next list refresh drops it
        const entry = jobs.get(this.id);
        if (entry) entry.gone = true;
        return true;
      }
      if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
      this.live = true;
      this.failures = 0;
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      let event = { type: '', data: [] };
      let drain = 0;
      for (;;) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch (e) {
          if (drain) break; // cut after the final state: nothing was lost
          throw e;
        }
        const { value, done } = chunk;
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          let line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.endsWith('\r')) line = line.slice(0, -1);
          if (line === '') {
            if (event.data.length) this.dispatch(event.type || 'message', event.data.join('\n'));
            event = { type: '', data: [] };
            if (!drain && this.jobOver()) {
              // the server ends the stream after the final state; cutting it here would race that
              const controller = this.controller;
              drain = setTimeout(() => controller.abort(), 3000);
            }
            continue;
          }
          if (line.startsWith(':')) continue; // a comment: keep-alive
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let val = colon < 0 ? '' : line.slice(colon + 1);
          if (val.startsWith(' ')) val = val.slice(1);
          if (field === 'event') event.type = val;
          else if (field === 'data') event.data.push(val);
          else if (field === 'id' && !val.includes('\0')) this.lastId = val;
          else if (field === 'retry' && /^\d+$/.test(val)) this.retryMs = Math.max(250, Number(val));
        }
      }
      clearTimeout(drain);
      return this.jobOver();
    }

    dispatch(type, data) {
      if (this.closed || this.gen !== generation) return;
      let payload;
      try { payload = JSON.parse(data); } catch (e) { return; }
      const job = type === 'state' ? payload.job : type === 'progress' ? payload : null;
      if (job && job.id === this.id) {
        upsert(job, false);
        setConn('live', 'Live');
      }
    }

    jobOver() {
      const entry = jobs.get(this.id);
      return !entry || ENDED.has(entry.job.state);
    }
  }

  // ---------------------------------------------------------------- submit form

  function randomKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes); // works outside secure contexts too, unlike randomUUID()
    return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function formBody() {
    const f = el.jobForm.elements;
    const body = { source: f.source.value.trim(), destination: f.destination.value.trim() };
    if (f.lanes.value !== '') body.lanes = Number(f.lanes.value);
    if (f.compression.value && f.compression.value !== 'auto') body.compression = f.compression.value;
    const rate = f.rateLimit.value.trim();
    if (rate !== '') body.rateLimit = /^\d+$/.test(rate) ? Number(rate) : rate;
    if (f.priority.value !== '' && Number(f.priority.value) !== 0) body.priority = Number(f.priority.value);
    const label = f.label.value.trim();
    if (label) body.label = label;
    return body;
  }

  function fieldProblem() {
    for (const input of el.jobForm.querySelectorAll('input, select')) {
      if (!input.checkValidity()) {
        const name = el.jobForm.querySelector('label[for="' + input.id + '"]').firstChild.textContent.trim();
        let why = input.validationMessage;
        if (input.validity.patternMismatch) {
          why = input.name === 'rateLimit' ? 'use a number with an optional unit, such as 800mbit or 1gbit'
            : 'use NAME:PATH, where NAME is configured in the gateway';
        }
        return { input, text: name + ': ' + why };
      }
    }
    return null;
  }

  async function submitJob(e) {
    e.preventDefault();
    if (readOnly) return;
    show(el.formOk, '');
    const bad = fieldProblem();
    if (bad) {
      show(el.formError, bad.text);
      bad.input.setAttribute('aria-invalid', 'true');
      bad.input.focus();
      return;
    }
    for (const input of el.jobForm.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    show(el.formError, '');
    const body = formBody();
    const encoded = JSON.stringify(body);
    // the same body re-sent after a lost answer reuses its key, so it cannot make a second job
    if (!idempotency || idempotency.body !== encoded) idempotency = { key: randomKey(), body: encoded };
    el.submit.disabled = true;
    el.submit.textContent = 'Submitting…';
    try {
      const job = await api('POST', 'jobs', body, { 'Idempotency-Key': idempotency.key });
      idempotency = null;
      const entry = upsert(job, false);
      if (!entry.node.parentNode) el.list.prepend(entry.node);
      el.jobsEmpty.hidden = true;
      show(el.formOk, 'Submitted ' + jobName(job) + ' (' + job.id + ').');
      scheduleStreams();
      refresh();
    } catch (err) {
      if (err.status > 0) idempotency = null;
      if (err.status !== 401 && err.status !== -1) show(el.formError, problemText(err));
    } finally {
      el.submit.textContent = 'Submit job';
      el.submit.disabled = readOnly;
    }
  }

  // ---------------------------------------------------------------- wiring

  el.loginForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const t = el.token.value.trim();
    if (!t) {
      show(el.loginError, 'Enter a token.');
      el.token.focus();
      return;
    }
    signIn(t);
  });
  el.signout.addEventListener('click', () => signOut(''));
  el.jobForm.addEventListener('submit', submitJob);
  el.filter.addEventListener('change', () => {
    for (const entry of jobs.values()) {
      if (entry.stream) entry.stream.close();
      entry.node.remove();
    }
    jobs.clear();
    refresh();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && token) refresh();
  });

  if (token) startApp();
  else showLogin('');
})();
