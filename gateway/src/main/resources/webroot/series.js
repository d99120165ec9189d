/*
 * A job's throughput over time, from two byte counters of its progress events: payload (what the
 * attempt moved, bytesDone - bytesResumed) and wire (wireBytes, received). Rates are derived from
 * the counters' deltas over a short window, in bits per second. Pure: no DOM and no clock, times
 * are given by the caller (ms), so every function here is a function of its arguments.
 */

/** A rate is measured over at least this long (the oldest sample this recent is its baseline). */
export const WINDOW_MS = 1000;
/** The points kept: two minutes of progress events at 4 a second. */
export const MAX_POINTS = 480;

export class RateSeries {
  constructor() {
    /** recent samples {t, payload, wire}: the baselines of the next rates */
    this.samples = [];
    /** {t, payload, wire}: t in ms, rates in bit/s */
    this.points = [];
    /** the time of the first sample, from which the time axis counts */
    this.origin = null;
  }

  /**
   * Adds a sample of the two counters at time t (ms). Returns the point it made, or null: the
   * first sample, one not later than the last, or a counter going backwards (a new baseline then)
   * makes none. After a silence (a pause, a reconnect) the rate is the average over it.
   */
  add(t, payloadBytes, wireBytes) {
    if (![t, payloadBytes, wireBytes].every(Number.isFinite)) return null;
    if (this.origin === null) this.origin = t;
    const last = this.samples[this.samples.length - 1];
    const sample = { t, payload: payloadBytes, wire: wireBytes };
    if (!last) {
      this.samples.push(sample);
      return null;
    }
    if (t <= last.t) return null;
    if (payloadBytes < last.payload || wireBytes < last.wire) {
      this.samples = [sample];
      return null;
    }
    // the baseline: the oldest sample within the window, or the last one when none is that recent
    let base = last;
    for (const s of this.samples) {
      if (t - s.t <= WINDOW_MS) {
        base = s;
        break;
      }
    }
    const point = { t, payload: rateBits(base.payload, payloadBytes, base.t, t), wire: rateBits(base.wire, wireBytes, base.t, t) };
    this.samples.push(sample);
    while (t - this.samples[0].t > WINDOW_MS) this.samples.shift(); // the new sample always stays
    this.points.push(point);
    if (this.points.length > MAX_POINTS) this.points.splice(0, this.points.length - MAX_POINTS);
    return point;
  }
}

/** Bits per second between two counter readings. */
export function rateBits(fromBytes, toBytes, fromMs, toMs) {
  return toMs > fromMs ? ((toBytes - fromBytes) * 8 * 1000) / (toMs - fromMs) : 0;
}

/**
 * A scale from 0 that holds max, in steps of 1, 2, 2.5 or 5 times a power of ten: {top, step, ticks}
 * with ticks from 0 to top (at most count + 1 of them). max <= 0 gives a scale of 0 to 1.
 */
export function niceScale(max, count = 4) {
  if (!(max > 0) || !Number.isFinite(max)) return { top: 1, step: 1, ticks: [0, 1] };
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw * (1 - 1e-9));
  const top = step * Math.ceil(max / step - 1e-9);
  const ticks = [];
  for (let i = 0; i * step <= top * (1 + 1e-9); i++) ticks.push(i * step);
  return { top, step, ticks };
}

/** Steps of the time axis, in seconds. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/**
 * Ticks of a time axis from fromS to toS (seconds): the multiples of a round step between them,
 * at most about count + 1.
 */
export function timeTicks(fromS, toS, count = 4) {
  const span = Math.max(1, toS - fromS);
  const step = TIME_STEPS.find((s) => span / s <= count) || Math.ceil(span / count / 3600) * 3600;
  const ticks = [];
  for (let s = Math.ceil(fromS / step - 1e-9) * step || 0; s <= toS + 1e-9; s += step) ticks.push(s); // || 0: never -0
  return ticks;
}

/**
 * The points of one series as SVG polyline coordinates ("x,y x,y ..."), in a box of width by
 * height with time t0..t1 (ms) across and 0..top down from the top edge.
 */
export function polyline(points, key, t0, t1, top, width, height) {
  const dt = t1 > t0 ? t1 - t0 : 1;
  return points.map((p) => {
    const x = ((p.t - t0) / dt) * width;
    const y = height - (Math.max(0, Math.min(p[key], top)) / top) * height;
    return round(x) + ',' + round(y);
  }).join(' ');
}

function round(v) {
  return Math.round(v * 10) / 10;
}
