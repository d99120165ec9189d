/*
 * The gateway's API as the page calls it: the session (the token, kept in sessionStorage and sent
 * as "Authorization: Bearer", and whether it is read-only) and api(), which turns an error answer
 * (application/problem+json) into an ApiError.
 */

const TOKEN_KEY = 'shardline.gateway.token';
const ROLE_KEY = 'shardline.gateway.readOnly';
export const API = 'api/v1/';

/**
 * The page's one session. generation is bumped on sign-out, so late answers of an old session are
 * dropped: a call started in an older generation rejects with status -1.
 */
export const session = {
  token: sessionStorage.getItem(TOKEN_KEY),
  readOnly: sessionStorage.getItem(ROLE_KEY) === '1',
  generation: 0,
};

/** What the page does when the gateway refuses the token (401) or the role (403); set by app.js. */
const hooks = { unauthorized: () => {}, forbidden: () => {} };

export function onAuthProblem(unauthorized, forbidden) {
  hooks.unauthorized = unauthorized;
  hooks.forbidden = forbidden;
}

/** Tells the page the token was refused: it signs out and asks for another. */
export function unauthorized(err) {
  hooks.unauthorized(err);
}

export function saveSession() {
  sessionStorage.setItem(TOKEN_KEY, session.token);
  sessionStorage.setItem(ROLE_KEY, session.readOnly ? '1' : '0');
}

export function saveReadOnly() {
  sessionStorage.setItem(ROLE_KEY, session.readOnly ? '1' : '0');
}

/** Forgets the token: what was started before rejects with status -1, or is dropped. */
export function endSession() {
  session.generation++;
  session.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ROLE_KEY);
}

/** status: the HTTP status, 0 when the gateway cannot be reached, -1 when the session ended meanwhile. */
export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

/** Calls the API; resolves with the parsed JSON, rejects with an ApiError (problem+json fields). */
export async function api(method, path, body, headers) {
  const gen = session.generation;
  const h = Object.assign({ Authorization: 'Bearer ' + session.token, Accept: 'application/json' }, headers || {});
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
  if (gen !== session.generation) throw new ApiError(-1, 'Signed out', 'The token was changed.');
  if (!res.ok) {
    const p = data && typeof data === 'object' ? data : {};
    const err = new ApiError(res.status,
      typeof p.title === 'string' ? p.title : 'HTTP ' + res.status,
      typeof p.detail === 'string' ? p.detail : (text.slice(0, 300) || res.statusText || 'The request failed.'));
    if (res.status === 401) hooks.unauthorized(err);
    if (res.status === 403) hooks.forbidden(err);
    throw err;
  }
  return data;
}

/** An error in words for the page: "Title (status): detail", or the detail alone without a status. */
export function problemText(err) {
  if (err.status > 0) return err.title + ' (' + err.status + '): ' + err.detail;
  return err.detail;
}

/** Whether an error is worth showing: a refused token signs out instead, an ended session says nothing. */
export function worthShowing(err) {
  return err.status !== 401 && err.status !== -1;
}
