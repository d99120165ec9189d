/*
 * The page's fixed elements and small DOM helpers. Server text only ever goes into the page with
 * textContent, never as HTML.
 */

const $ = (id) => document.getElementById(id);

export const el = {
  session: $('session'), conn: $('conn'), connText: $('conn-text'), roleBadge: $('role-badge'),
  signout: $('signout'), login: $('login'), loginForm: $('login-form'), token: $('token'),
  connect: $('connect'), loginError: $('login-error'), app: $('app'), jobForm: $('job-form'),
  jobFields: $('job-fields'), readonlyNote: $('readonly-note'), formError: $('form-error'),
  formOk: $('form-ok'), submit: $('submit'), filter: $('filter'), jobsCount: $('jobs-count'),
  jobsError: $('jobs-error'), jobsEmpty: $('jobs-empty'), jobsMore: $('jobs-more'), list: $('jobs'),
  template: $('job-template'), announce: $('announce'), cluster: $('cluster'), clusterCount: $('cluster-count'),
  clusterError: $('cluster-error'), members: $('members'), memberTemplate: $('member-template'),
  broadcasts: $('broadcasts'), broadcastCount: $('broadcast-count'), broadcastsError: $('broadcasts-error'),
  broadcastList: $('broadcast-list'),
};

/** Puts text in a node and shows it, or hides it when there is none. */
export function show(node, text) {
  node.textContent = text || '';
  node.hidden = !text;
}

/** The first element of class cls under node. */
export function part(node, cls) {
  return node.querySelector('.' + cls);
}

/** Says something to screen readers (a polite live region). */
export function announce(text) {
  el.announce.textContent = text;
}

/** The connection badge: idle, live or down. */
export function setConn(state, text) {
  el.conn.dataset.conn = state;
  el.connText.textContent = text;
}
