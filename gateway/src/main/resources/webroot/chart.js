/*
 * A job's live throughput chart: payload and wire rate over time, drawn as an SVG built with DOM
 * calls (no library, no inline style: colours come from app.css through classes). The numbers
 * come from series.js; this module only draws them.
 */
import { fmtElapsed, fmtLimit, fmtRate } from './format.js';
import { niceScale, polyline, timeTicks } from './series.js';

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 150;
const MARGIN = { left: 82, right: 12, top: 10, bottom: 22 };

function svgEl(name, attrs, cls) {
  const e = document.createElementNS(SVG, name);
  if (cls) e.setAttribute('class', cls);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}

export class ThroughputChart {
  /** figure: the card's .job-chart (holding a .chart-plot and the legend's .chart-now-*). */
  constructor(figure) {
    this.figure = figure;
    this.svg = svgEl('svg', { role: 'img', height: HEIGHT }, 'chart');
    this.title = svgEl('title');
    this.grid = svgEl('g', {}, 'chart-grid');
    this.xAxis = svgEl('g', {}, 'chart-axis chart-x');
    this.yAxis = svgEl('g', {}, 'chart-axis chart-y');
    this.wire = svgEl('polyline', { points: '' }, 'chart-line series-wire');
    this.payload = svgEl('polyline', { points: '' }, 'chart-line series-payload');
    const plot = svgEl('g', { transform: 'translate(' + MARGIN.left + ',' + MARGIN.top + ')' });
    plot.append(this.grid, this.payload, this.wire); // wire dashed on top: it often equals payload
    this.svg.append(this.title, plot, this.xAxis, this.yAxis);
    figure.querySelector('.chart-plot').append(this.svg);
  }

  /** Redraws from a RateSeries; the chart shows once it has two points. */
  draw(series, name) {
    const points = series.points;
    this.figure.hidden = points.length < 2;
    this.svg.dataset.points = String(points.length);
    this.payload.dataset.count = String(points.length);
    this.wire.dataset.count = String(points.length);
    if (points.length < 2) return;
    const width = Math.max(240, Math.round(this.svg.clientWidth || this.figure.clientWidth || 600));
    this.svg.setAttribute('viewBox', '0 0 ' + width + ' ' + HEIGHT);
    const w = width - MARGIN.left - MARGIN.right;
    const h = HEIGHT - MARGIN.top - MARGIN.bottom;
    const t0 = points[0].t;
    const t1 = points[points.length - 1].t;
    let max = 0;
    for (const p of points) max = Math.max(max, p.payload, p.wire);
    const scale = niceScale(max, 4);
    this.svg.dataset.top = String(scale.top);

    this.payload.setAttribute('points', polyline(points, 'payload', t0, t1, scale.top, w, h));
    this.wire.setAttribute('points', polyline(points, 'wire', t0, t1, scale.top, w, h));

    this.grid.replaceChildren();
    this.yAxis.replaceChildren();
    for (const v of scale.ticks) {
      const y = MARGIN.top + h - (v / scale.top) * h;
      this.grid.append(svgEl('line', { x1: 0, x2: w, y1: y - MARGIN.top, y2: y - MARGIN.top }, v === 0 ? 'chart-base' : ''));
      const label = svgEl('text', { x: MARGIN.left - 8, y: y + 4, 'text-anchor': 'end' });
      label.textContent = v === 0 ? '0' : fmtLimit(v);
      this.yAxis.append(label);
    }
    this.xAxis.replaceChildren();
    const from = (t0 - series.origin) / 1000;
    const to = (t1 - series.origin) / 1000;
    for (const s of timeTicks(from, to, w < 360 ? 3 : 5)) {
      const x = MARGIN.left + ((s - from) / Math.max(to - from, 1e-3)) * w;
      const label = svgEl('text', { x, y: HEIGHT - 6, 'text-anchor': x < MARGIN.left + 12 ? 'start' : x > width - 30 ? 'end' : 'middle' });
      label.textContent = fmtElapsed(s);
      this.xAxis.append(label);
    }

    const now = points[points.length - 1];
    this.figure.querySelector('.chart-now-payload').textContent = fmtRate(now.payload);
    this.figure.querySelector('.chart-now-wire').textContent = fmtRate(now.wire);
    this.title.textContent = 'Throughput of ' + name + ' over the last ' + fmtElapsed(to - from)
      + ': payload ' + fmtRate(now.payload) + ', wire ' + fmtRate(now.wire) + ' now';
  }
}
