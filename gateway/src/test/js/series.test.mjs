// The page's pure modules under node's test runner (run by web/PageModulesTest, which copies
// webroot/series.js and format.js beside this file as .mjs).
import assert from 'node:assert/strict';
import test from 'node:test';
import { eventSummary, fmtElapsed, fmtLimit, fmtMode, fmtReuse, fmtSync } from './format.mjs';
import { MAX_POINTS, RateSeries, WINDOW_MS, niceScale, polyline, rateBits, timeTicks } from './series.mjs';

test('rates come from the counters\' deltas, in bit/s, over the window', () => {
  const s = new RateSeries();
  assert.equal(s.add(0, 0, 0), null, 'the first sample is only a baseline');
  // 1 MB payload and 0.5 MB wire every 250 ms: 32 and 16 Mbit/s
  for (let i = 1; i <= 8; i++) s.add(i * 250, i * 1_000_000, i * 500_000);
  assert.equal(s.points.length, 8);
  for (const p of s.points) {
    assert.ok(Math.abs(p.payload - 32e6) < 1, 'payload ' + p.payload);
    assert.ok(Math.abs(p.wire - 16e6) < 1, 'wire ' + p.wire);
  }
  assert.ok(s.samples.every((x) => 2000 - x.t <= WINDOW_MS), 'only the window is kept');
});

test('a burst is smoothed over the window, a silence averaged over its length', () => {
  const s = new RateSeries();
  s.add(0, 0, 0);
  s.add(250, 0, 0);
  s.add(500, 0, 0);
  const burst = s.add(750, 3_000_000, 3_000_000); // 3 MB at once: over 750 ms, not 250
  assert.equal(Math.round(burst.payload), 32_000_000);
  const after = s.add(5750, 3_000_000, 3_000_000); // paused for 5 s: nothing moved
  assert.equal(after.payload, 0);
  const resumed = s.add(6750, 4_000_000, 4_100_000); // over the 1 s since the last sample
  assert.equal(Math.round(resumed.payload), 8_000_000);
  assert.equal(Math.round(resumed.wire), 8_800_000);
});

test('old, repeated and bad samples make no point; a counter going back starts a new baseline', () => {
  const s = new RateSeries();
  s.add(1000, 100, 100);
  assert.equal(s.add(1000, 200, 200), null, 'same time');
  assert.equal(s.add(900, 200, 200), null, 'earlier');
  assert.equal(s.add(1100, NaN, 200), null, 'not a number');
  assert.equal(s.add(1250, 50, 300), null, 'payload went back');
  const p = s.add(1500, 1050, 1300);
  assert.equal(Math.round(p.payload), 32_000, 'from the new baseline');
  assert.equal(s.origin, 1000);
});

test('at most MAX_POINTS points are kept, the newest', () => {
  const s = new RateSeries();
  for (let i = 0; i <= MAX_POINTS + 10; i++) s.add(i * 250, i * 1000, i * 1000);
  assert.equal(s.points.length, MAX_POINTS);
  assert.equal(s.points[s.points.length - 1].t, (MAX_POINTS + 10) * 250);
});

test('rateBits', () => {
  assert.equal(rateBits(0, 1_000_000, 0, 1000), 8_000_000);
  assert.equal(rateBits(0, 1, 5, 5), 0);
});

test('a nice scale holds the maximum in steps of 1, 2, 2.5 or 5', () => {
  assert.deepEqual(niceScale(0), { top: 1, step: 1, ticks: [0, 1] });
  assert.deepEqual(niceScale(190e6), { top: 200e6, step: 50e6, ticks: [0, 50e6, 100e6, 150e6, 200e6] });
  assert.deepEqual(niceScale(800e6).ticks, [0, 200e6, 400e6, 600e6, 800e6]);
  const s = niceScale(1.3e9);
  assert.equal(s.top, 1.5e9);
  assert.equal(s.step, 0.5e9);
  for (const max of [1, 7, 33e3, 24e6, 999e6, 4.2e10]) {
    const { top, ticks } = niceScale(max);
    assert.ok(top >= max && ticks.length <= 6 && ticks[ticks.length - 1] === top, max + ': ' + ticks);
  }
  assert.deepEqual(niceScale(24e6).ticks.slice(1).map(fmtLimit), ['10 Mbit/s', '20 Mbit/s', '30 Mbit/s']);
  assert.deepEqual(niceScale(9e6).ticks.slice(1).map(fmtLimit), ['2.5 Mbit/s', '5 Mbit/s', '7.5 Mbit/s', '10 Mbit/s']);
});

test('time ticks are round multiples within the span', () => {
  assert.deepEqual(timeTicks(0, 8), [0, 2, 4, 6, 8]);
  assert.deepEqual(timeTicks(3.2, 40), [10, 20, 30, 40]);
  assert.deepEqual(timeTicks(0, 100, 5), [0, 30, 60, 90]);
  assert.deepEqual(timeTicks(0, 0.5), [0]);
  assert.deepEqual(timeTicks(0, 300, 5).map(fmtElapsed), ['0 s', '1 min', '2 min', '3 min', '4 min', '5 min']);
  assert.equal(fmtElapsed(90), '1:30');
});

test('a series as polyline coordinates: time across, rate up from the bottom, clamped', () => {
  const pts = [{ t: 0, payload: 0, wire: 10 }, { t: 500, payload: 5, wire: 20 }, { t: 1000, payload: 10, wire: 0 }];
  assert.equal(polyline(pts, 'payload', 0, 1000, 10, 200, 100), '0,100 100,50 200,0');
  assert.equal(polyline(pts, 'wire', 0, 1000, 10, 200, 100), '0,0 100,0 200,100');
});

test('a job\'s mode, its bytes moved against reused, and a sync\'s totals, in words', () => {
  assert.equal(fmtMode({}), 'pull', 'a job from before modes is a pull');
  assert.equal(fmtMode({ mode: 'push' }), 'push');
  assert.equal(fmtMode({ mode: 'sync', direction: 'push', delete: true }), 'sync (push, delete)');
  assert.equal(fmtMode({ mode: 'sync', direction: 'pull', dryRun: true }), 'sync (pull, dry run)');
  assert.equal(fmtReuse({}), '');
  assert.equal(fmtReuse({ bytesMoved: 0, bytesReused: 0 }), '');
  assert.equal(fmtReuse({ bytesMoved: 2 * 1024 * 1024, bytesReused: 0 }), '2.00 MiB moved');
  assert.equal(fmtReuse({ bytesMoved: 2 * 1024 * 1024, bytesReused: 10 * 1024 * 1024 }),
    '2.00 MiB moved · 10.0 MiB reused (83%)');
  assert.equal(fmtSync({}), '');
  assert.equal(fmtSync({ sync: { totals: { filesMoved: 2, filesDeleted: 1, filesSame: 5 } } }),
    '2 files moved, 1 file deleted, 5 files the same');
  assert.equal(fmtSync({ dryRun: true, sync: { totals: { filesMoved: 1, filesDeleted: 3 } } }),
    '1 file to move, 3 files to delete');
  assert.equal(fmtSync({ sync: { totals: {} } }), 'nothing to do');
});

test('an audit-log event of a sync names what it moved and deleted', () => {
  const ev = { type: 'succeeded', data: { bytes: 10, totalBytes: 10, files: 1, verified: true, sync: {
    dryRun: false, files: [{ path: 'a.bin', action: 'changed' }, { path: 'x', action: 'same' }, { path: 'old.bin', action: 'deleted' }] } } };
  assert.equal(eventSummary(ev), '10 B in 1 file, verified; sync: moved a.bin; deleted old.bin');
  const none = { type: 'succeeded', data: { bytes: 0, files: 1, sync: { files: [{ path: 'x', action: 'same' }] } } };
  assert.equal(eventSummary(none), '0 B in 1 file; sync: in sync');
});
