/*
 * Numbers and times in words for the page: sizes in binary units, rates in bits per second,
 * durations, a job's percent and ETA, an audit-log event's summary. Pure functions, no DOM.
 */

function sig3(v) {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Bytes in binary units: 1.50 GiB, 96.0 MiB, 512 B. */
export function fmtBytes(n) {
  if (typeof n !== 'number' || !isFinite(n) || n < 0) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? String(Math.round(n)) : sig3(n)) + ' ' + units[i];
}

/** Bits per second in decimal units, as networks are measured: 812 Mbit/s, 1.25 Gbit/s. */
export function fmtRate(bits) {
  if (typeof bits !== 'number' || !isFinite(bits) || bits <= 0) return '—';
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
  let i = 0;
  while (bits >= 1000 && i < units.length - 1) { bits /= 1000; i++; }
  return (i === 0 ? String(Math.round(bits)) : sig3(bits)) + ' ' + units[i];
}

/** A configured limit: 200 Mbit/s, 1.5 Gbit/s (no trailing zeros). */
export function fmtLimit(bits) {
  return fmtRate(bits).replace(/\.0+ /, ' ').replace(/(\.\d*?)0+ /, '$1 ');
}

/** A limit in bytes per second as the rate input takes it: 25000000 -> "200mbit", 0 -> "". */
export function limitInput(bytesPerSecond) {
  return bytesPerSecond > 0 ? fmtLimit(bytesPerSecond * 8).replace(/ (\w)bit\/s$/, '$1bit').toLowerCase() : '';
}

export function fmtDuration(s) {
  s = Math.max(0, Math.round(s));
  if (s < 60) return s + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min ' + String(s % 60).padStart(2, '0') + ' s';
  const h = Math.floor(m / 60);
  if (h < 48) return h + ' h ' + String(m % 60).padStart(2, '0') + ' min';
  return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
}

export function fmtEta(job) {
  if (job.state === 'succeeded') return 'done';
  if (job.state !== 'running') return '—';
  if (typeof job.eta === 'number') return fmtDuration(job.eta);
  return job.bytesTotal > 0 ? 'estimating…' : 'planning…';
}

export function fmtPercent(job) {
  const p = typeof job.percent === 'number' ? job.percent : 0;
  if (job.bytesTotal === 0 && job.state !== 'succeeded') return '—';
  return (p >= 100 ? '100' : p.toFixed(1)) + '%';
}

export function fmtTime(iso) {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return '';
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
}

function shortId(id) {
  return String(id).split('-')[0];
}

export function jobName(job) {
  return job.label ? job.label : 'Job ' + shortId(job.id);
}

/** A job's mode in words: 'pull', 'push', 'sync (push, delete)', 'sync (pull, dry run)'. */
export function fmtMode(job) {
  const mode = typeof job.mode === 'string' ? job.mode : 'pull';
  if (mode !== 'sync') return mode;
  const flags = [job.direction === 'push' ? 'push' : 'pull'];
  if (job.delete) flags.push('delete');
  if (job.dryRun) flags.push('dry run');
  return 'sync (' + flags.join(', ') + ')';
}

/**
 * What a job moved against what it reused from an older version at the destination (delta):
 * '2.00 MiB moved · 10.0 MiB reused (83%)'; '' before anything moved or was reused.
 */
export function fmtReuse(job) {
  const moved = typeof job.bytesMoved === 'number' && job.bytesMoved > 0 ? job.bytesMoved : 0;
  const reused = typeof job.bytesReused === 'number' && job.bytesReused > 0 ? job.bytesReused : 0;
  if (moved === 0 && reused === 0) return '';
  const text = fmtBytes(moved) + ' moved';
  if (reused === 0) return text;
  return text + ' · ' + fmtBytes(reused) + ' reused (' + Math.round(reused * 100 / (moved + reused)) + '%)';
}

/** A sync's totals in words: '3 moved, 1 deleted, 12 same' ('' without a sync log). */
export function fmtSync(job) {
  const t = job.sync && job.sync.totals && typeof job.sync.totals === 'object' ? job.sync.totals : null;
  if (!t) return '';
  const parts = [];
  const files = (n) => n + (n === 1 ? ' file' : ' files');
  if (t.filesMoved > 0) parts.push(files(t.filesMoved) + (job.dryRun ? ' to move' : ' moved'));
  if (t.filesDeleted > 0) parts.push(files(t.filesDeleted) + (job.dryRun ? ' to delete' : ' deleted'));
  if (t.filesExtra > 0) parts.push(files(t.filesExtra) + ' extra, kept');
  if (t.filesSame > 0) parts.push(files(t.filesSame) + ' the same');
  return parts.length ? parts.join(', ') : 'nothing to do';
}

/** One audit-log event's data, in words ('' when there is nothing to add to its type). */
export function eventSummary(ev) {
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
    case 'succeeded': return [stats(d), syncWords(d.sync)].filter(Boolean).join('; ');
    case 'failed': return [typeof d.error === 'string' ? d.error : '', stats(d), syncWords(d.sync)]
      .filter(Boolean).join('; ');
    case 'interrupted': return typeof d.reason === 'string' ? d.reason : '';
    default: {
      const text = JSON.stringify(d);
      if (!text || text === '{}') return '';
      return text.length > 240 ? text.slice(0, 240) + '…' : text;
    }
  }
}

/** A sync log (an event's data.sync) in words: the files it moved and deleted, by name, a few at most. */
function syncWords(log) {
  if (!log || !Array.isArray(log.files)) return '';
  const by = (action) => log.files.filter((f) => f && f.action === action).map((f) => String(f.path));
  const list = (names) => names.slice(0, 5).join(', ') + (names.length > 5 ? ' and ' + (names.length - 5) + ' more' : '');
  const parts = [];
  const moved = by('new').concat(by('changed'));
  const deleted = by('deleted');
  if (moved.length) parts.push((log.dryRun ? 'would move ' : 'moved ') + list(moved));
  if (deleted.length) parts.push((log.dryRun ? 'would delete ' : 'deleted ') + list(deleted));
  if (!parts.length) parts.push('in sync');
  return 'sync: ' + parts.join('; ');
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
  if (d.reusedBytes) parts.push(fmtBytes(d.reusedBytes) + ' reused from the older version');
  if (d.reconnects) parts.push(d.reconnects + ' reconnects');
  if (d.verified) parts.push('verified');
  return parts.join(', ');
}

/** Seconds on a time axis: 45 s, 2 min, 1:30. */
export function fmtElapsed(s) {
  s = Math.max(0, Math.round(s));
  if (s < 60) return s + ' s';
  if (s % 60 === 0) return s / 60 + ' min';
  return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
}
