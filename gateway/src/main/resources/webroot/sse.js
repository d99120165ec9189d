/*
 * Server-sent events read with fetch(), since EventSource cannot send the Authorization header.
 * Parses the text/event-stream format (event:, id:, data:, retry:, comments) and reconnects with
 * Last-Event-ID after a drop, so no state change is lost, until the stream is over or closed.
 */
import { API, ApiError, session } from './api.js';

/** A cap on the wait between reconnects, which grows with each failure in a row. */
const MAX_RETRY_MS = 15000;
/** How long to wait for the server to end a stream itself once its subject is over. */
const DRAIN_MS = 3000;

export class EventStreamReader {
  /**
   * path: under api/v1/. on: callbacks
   * - event(type, data): each event, data being the joined data lines;
   * - over(): whether the subject is over, asked after each event and at the end of a stream:
   *   a stream that ends then is not reopened;
   * - down(): a connection failed and will be retried;
   * - unauthorized(err): the token was refused (401), the stream stops;
   * - gone(): 404, the stream stops;
   * - stopped(reader): the reader has stopped for good, for whatever reason.
   */
  constructor(path, on) {
    this.path = path;
    this.on = on;
    this.lastId = null;
    this.retryMs = 1000;
    this.failures = 0;
    this.live = false;
    this.closed = false;
    this.ending = false;
    this.controller = null;
    this.gen = session.generation;
    this.run();
  }

  close() {
    this.closed = true;
    this.live = false;
    if (this.controller) this.controller.abort();
  }

  current() {
    return !this.closed && this.gen === session.generation;
  }

  async run() {
    while (this.current()) {
      let over = false;
      this.controller = new AbortController();
      try {
        over = await this.connect();
      } catch (e) {
        // a network error or an abort: retried below unless closed
        if (this.current()) this.on.down();
      }
      this.live = false;
      if (over || !this.current()) break;
      this.failures++;
      await new Promise((r) => setTimeout(r, Math.min(this.retryMs * this.failures, MAX_RETRY_MS)));
    }
    this.ending = true;
    this.on.stopped(this);
  }

  /** Reads the stream until it ends; true when the subject is over (or gone). */
  async connect() {
    const headers = { Authorization: 'Bearer ' + session.token, Accept: 'text/event-stream' };
    if (this.lastId !== null) headers['Last-Event-ID'] = this.lastId;
    const res = await fetch(API + this.path, {
      headers, cache: 'no-store', credentials: 'omit', signal: this.controller.signal,
    });
    if (res.status === 401) {
      const p = await res.json().catch(() => ({}));
      if (this.gen === session.generation) this.on.unauthorized(new ApiError(401, p.title || '', p.detail || 'token refused'));
      return true;
    }
    if (res.status === 404) {
      this.on.gone();
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
          if (event.data.length && this.current()) this.on.event(event.type || 'message', event.data.join('\n'));
          event = { type: '', data: [] };
          if (!drain && this.on.over()) {
            // the server ends the stream after the final state; cutting it here would race that
            const controller = this.controller;
            drain = setTimeout(() => controller.abort(), DRAIN_MS);
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
    return this.on.over();
  }
}
