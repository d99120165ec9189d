/*
 * The new-job form: checks the fields the browser can check, then POST jobs with an
 * Idempotency-Key, so a submission re-sent after a lost answer cannot make a second job.
 */
import { api, problemText, session, worthShowing } from './api.js';
import { el, show } from './dom.js';
import { jobName } from './format.js';
import { addSubmitted, refresh } from './jobs.js';

let idempotency = null; // { key, body } of the submission in flight or last failed on the network

function randomKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes); // works outside secure contexts too, unlike randomUUID()
  return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function formBody() {
  const f = el.jobForm.elements;
  const body = { source: f.source.value.trim(), destination: f.destination.value.trim() };
  if (f.mode.value && f.mode.value !== 'pull') body.mode = f.mode.value;
  if (f.mode.value === 'sync') {
    if (f.direction.value === 'push') body.direction = 'push';
    if (f.delete.checked) body.delete = true;
    if (f.dryRun.checked) body.dryRun = true;
  }
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
  el.submit.textContent = 'Submitting…';
  try {
    const job = await api('POST', 'jobs', body, { 'Idempotency-Key': idempotency.key });
    idempotency = null;
    addSubmitted(job);
    show(el.formOk, 'Submitted ' + jobName(job) + ' (' + job.id + ').');
    refresh();
  } catch (err) {
    if (err.status > 0) idempotency = null;
    if (worthShowing(err)) show(el.formError, problemText(err));
  } finally {
    el.submit.textContent = 'Submit job';
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

/** Shows the sync options only for a sync. */
function renderMode() {
  const sync = el.jobForm.elements.mode.value === 'sync';
  for (const n of el.jobForm.querySelectorAll('.sync-only')) n.hidden = !sync;
}

export function initForm() {
  el.jobForm.addEventListener('submit', submitJob);
  el.jobForm.elements.mode.addEventListener('change', renderMode);
  el.jobForm.addEventListener('reset', () => setTimeout(renderMode, 0));
}
