/*
 * Shardline gateway web page: native ES modules, no build step, no external resources.
 *
 *   api.js     the session (token, role) and the API client; errors are problem+json
 *   sse.js     server-sent events read with fetch(), reconnecting with Last-Event-ID
 *   format.js  sizes, rates, durations, percent, ETA, audit-log summaries
 *   dom.js     the page's fixed elements and small DOM helpers
 *   jobs.js    the job list and its live streams; each card's buttons are the job's "actions"
 *   form.js    the new-job form
 *   cluster.js the cluster's members (hidden for a gateway alone)
 *   app.js     this file: sign-in and sign-out, and the wiring
 *
 * The token lives in sessionStorage and goes out as "Authorization: Bearer". The job list comes
 * from GET api/v1/jobs (refreshed every few seconds); jobs that are not over are followed live
 * over GET api/v1/jobs/{id}/events. Server text is only ever put in the page with textContent.
 */
import { api, endSession, onAuthProblem, problemText, saveReadOnly, saveSession, session } from './api.js';
import { clearBroadcasts, refreshBroadcasts } from './broadcasts.js';
import { clearCluster, refreshCluster } from './cluster.js';
import { el, setConn, show } from './dom.js';
import { initForm, renderForm, resetForm } from './form.js';
import { clearJobs, refresh, renderAllActions } from './jobs.js';

function showLogin(message) {
  el.session.hidden = true;
  el.app.hidden = true;
  el.login.hidden = false;
  show(el.loginError, message);
  el.token.value = '';
  el.token.focus();
}

function signOut(message) {
  endSession();
  clearJobs();
  clearCluster();
  clearBroadcasts();
  resetForm();
  setReadOnly(false);
  showLogin(message);
}

async function signIn(candidate) {
  session.token = candidate;
  el.connect.disabled = true;
  show(el.loginError, '');
  try {
    const me = await api('GET', 'me'); // the role decides what the page offers
    session.readOnly = !me || me.role !== 'operator';
  } catch (err) {
    if (err.status !== 401) {
      session.token = null;
      showLogin(problemText(err));
    }
    return;
  } finally {
    el.connect.disabled = false;
  }
  saveSession();
  startApp();
}

function startApp() {
  el.login.hidden = true;
  el.app.hidden = false;
  el.session.hidden = false;
  setReadOnly(session.readOnly);
  setConn('idle', 'Connecting…');
  refresh();
  refreshCluster();
  refreshBroadcasts();
  el.jobForm.querySelector('input').focus();
}

function setReadOnly(on) {
  session.readOnly = on;
  if (on) saveReadOnly();
  el.roleBadge.hidden = !on;
  renderForm();
  renderAllActions();
}

onAuthProblem(
  (err) => signOut('The gateway did not accept the token: ' + err.detail),
  () => setReadOnly(true));

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
initForm();
el.filter.addEventListener('change', () => {
  clearJobs();
  refresh();
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && session.token) {
    refresh();
    refreshCluster();
    refreshBroadcasts();
  }
});

if (session.token) startApp();
else showLogin('');
