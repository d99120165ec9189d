/*
 * The new-job form: checks the fields the browser can check, then POST jobs (a broadcast: POST
 * broadcasts, a source and several destinations) with an Idempotency-Key, so a submission re-sent
 * after a lost answer cannot make a second job.
 */
import { api, problemText, session, worthShowing } from './api.js';
import { addBroadcast } from './broadcasts.js';
import { el, show } from './dom.js';
import { jobName } from './format.js';
import { addSubmitted, refresh } from './jobs.js';

let idempotency = null; // { key, body } of the submission in flight or last failed on the network

function randomKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes); // works outside secure contexts too, unlike randomUUID()
  return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const NAME_PATH = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}:/;
const MAX_DESTINATIONS = 64;

function isBroadcast() {
  return el.jobForm.elements.mode.value === 'broadcast';
}

/** The broadcast's destinations: one a line, blank lines skipped. */
function destinationsOf() {
  return el.jobForm.elements.destinations.value.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Why the destinations cannot be sent, or '' (the same rules as the contract's, and no target twice). */
function destinationsProblem() {
  const ds = destinationsOf();
  if (!ds.length) return 'list at least one DEST:PATH';
  if (ds.length > MAX_DESTINATIONS) return 'at most ' + MAX_DESTINATIONS + ' destinations';
  const bad = ds.find((d) => !NAME_PATH.test(d));
  if (bad) return bad + ' is not DEST:PATH, where DEST is configured in the gateway';
  const twice = ds.find((d, i) => ds.indexOf(d) !== i);
  return twice ? twice + ' is listed twice' : '';
}

function formBody() {
  const f = el.jobForm.elements;
  if (isBroadcast()) return broadcastBody(f);
  const body = { source: f.source.value.trim(), destination: f.destination.value.trim() };
  if (f.mode.value && f.mode.value !== 'pull') body.mode = f.mode.value;
  if (f.mode.value === 'sync') {
    if (f.direction.value === 'push') body.direction = 'push';
    if (f.delete.checked) body.delete = true;
    if (f.dryRun.checked) body.dryRun = true;
  }
  return common(f, body);
}

function broadcastBody(f) {
  const body = { source: f.source.value.trim(), destinations: destinationsOf() };
  if (f.shape.value !== 'chain') body.shape = f.shape.value;
  if (f.shape.value === 'tree' && f.fanout.value !== '') body.fanout = Number(f.fanout.value);
  return common(f, body);
}

/** The fields a job and a broadcast share: lanes, compression, rate limit, priority, label. */
function common(f, body) {
  if (f.lanes.value !== '') body.lanes = Number(f.lanes.value);
  if (f.compression.value && f.compression.value !== 'auto') body.compression = f.compression.value;
  const rate = f.rateLimit.value.trim();
  if (rate !== '') body.rateLimit = /^\d+$/.test(rate) ? Number(rate) : rate;
  if (f.priority.value !== '' && Number(f.priority.value) !== 0) body.priority = Number(f.priority.value);
  const label = f.label.value.trim();
  if (label) body.label = label;
  return body;
}

/** The first field the browser finds invalid, with a sentence saying why; null when all are valid. */
function fieldProblem() {
  const dests = el.jobForm.elements.destinations;
  dests.setCustomValidity(isBroadcast() ? destinationsProblem() : '');
  for (const input of el.jobForm.querySelectorAll('input, select, textarea')) {
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
  if (session.readOnly) return;
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
  el.submit.dataset.busy = '1';
  el.submit.textContent = 'Submitting…';
  try {
    if (body.destinations) {
      const b = await api('POST', 'broadcasts', body, { 'Idempotency-Key': idempotency.key });
      idempotency = null;
      addBroadcast(b, body.destinations);
      show(el.formOk, 'Submitted broadcast ' + (body.label ? body.label + ' ' : '') + '(' + b.id + ') to '
        + body.destinations.length + (body.destinations.length === 1 ? ' destination.' : ' destinations.'));
    } else {
      const job = await api('POST', 'jobs', body, { 'Idempotency-Key': idempotency.key });
      idempotency = null;
      addSubmitted(job);
      show(el.formOk, 'Submitted ' + jobName(job) + ' (' + job.id + ').');
    }
    refresh();
  } catch (err) {
    if (err.status > 0) idempotency = null;
    if (worthShowing(err)) show(el.formError, problemText(err));
  } finally {
    delete el.submit.dataset.busy;
    el.submit.textContent = submitLabel();
    el.submit.disabled = session.readOnly;
  }
}

/** Empties the form and forgets the submission in flight (a sign-out). */
export function resetForm() {
  el.jobForm.reset();
  show(el.formError, '');
  show(el.formOk, '');
  idempotency = null;
}

/** Enables or disables the form for the session's role. */
export function renderForm() {
  el.readonlyNote.hidden = !session.readOnly;
  el.jobFields.disabled = session.readOnly;
  el.submit.disabled = session.readOnly;
}

function submitLabel() {
  return isBroadcast() ? 'Submit broadcast' : 'Submit job';
}

const GROUPS = '.sync-only, .broadcast-only, .single-only, .tree-only';

/** Shows the sync options only for a sync, a broadcast's destinations and shape only for a broadcast. */
function renderMode() {
  const f = el.jobForm.elements;
  const mode = f.mode.value;
  const on = {
    'sync-only': mode === 'sync', 'broadcast-only': mode === 'broadcast', 'single-only': mode !== 'broadcast',
    'tree-only': mode === 'broadcast' && f.shape.value === 'tree',
  };
  for (const [cls, shown] of Object.entries(on)) for (const n of el.jobForm.querySelectorAll('.' + cls)) n.hidden = !shown;
  // a hidden field is disabled too, so the browser's checks skip it
  for (const c of el.jobForm.querySelectorAll('input, select, textarea')) {
    const group = c.closest(GROUPS);
    c.disabled = group !== null && group.hidden;
  }
  if (!el.submit.dataset.busy) el.submit.textContent = submitLabel();
}

export function initForm() {
  el.jobForm.addEventListener('submit', submitJob);
  el.jobForm.elements.mode.addEventListener('change', renderMode);
  el.jobForm.elements.shape.addEventListener('change', renderMode);
  el.jobForm.addEventListener('reset', () => setTimeout(renderMode, 0));
  renderMode(); // a reload may bring back a broadcast's mode
}
