// Broadcasts as trees (webroot/tree.js), under node's test runner (run by web/PageModulesTest).
import assert from 'node:assert/strict';
import test from 'node:test';
import { broadcastState, broadcastTrees } from './tree.mjs';

const job = (id, target, upstreams, at, extra = {}) => ({
  id, source: 'ckpt:step-1', state: 'running', percent: 50, rate: 8e6, node: 'gw-a', createdAt: at,
  broadcast: { id: 'b-1', target, upstreams }, ...extra,
});

test('a chain reads top down, each destination one level under its parent', () => {
  // listed newest first, as GET jobs answers
  const jobs = [job('j3', 'c:x', ['b:x', 'a:x'], '3'), job('j2', 'b:x', ['a:x'], '2'), job('j1', 'a:x', [], '1'),
    { id: 'other', state: 'running' }];
  const [b] = broadcastTrees(jobs);
  assert.equal(b.id, 'b-1');
  assert.equal(b.source, 'ckpt:step-1');
  assert.deepEqual(b.rows.map((r) => [r.target, r.depth]), [['a:x', 1], ['b:x', 2], ['c:x', 3]]);
  assert.equal(b.rows[0].node, 'gw-a');
  assert.equal(broadcastTrees(jobs).length, 1, 'a job of no broadcast is not one');
});

test('a tree puts siblings under their parent in the order they were made', () => {
  const jobs = [job('j1', 'a', [], '1'), job('j2', 'b', [], '2'), job('j3', 'c', ['a'], '3'), job('j4', 'd', ['a'], '4'),
    job('j5', 'e', ['b'], '5')];
  assert.deepEqual(broadcastTrees(jobs)[0].rows.map((r) => r.target + r.depth), ['a1', 'c2', 'd2', 'b1', 'e2']);
});

test('a destination whose parent is missing (its member did not answer) hangs from the source', () => {
  const rows = broadcastTrees([job('j2', 'b', ['a'], '2')])[0].rows;
  assert.deepEqual(rows.map((r) => [r.target, r.depth]), [['b', 1]]);
});

test('bad data never loops or overflows the bar', () => {
  const rows = broadcastTrees([job('j1', 'a', ['b'], '1', { percent: 140 }), job('j2', 'b', ['a'], '2', { percent: -3 })])[0].rows;
  assert.equal(rows.length, 2);
  assert.deepEqual(rows.map((r) => r.percent).sort(), [0, 100]);
});

test('a broadcast runs while a job runs or waits, succeeds when all have, else failed', () => {
  assert.equal(broadcastState(['succeeded', 'running']), 'running');
  assert.equal(broadcastState(['succeeded', 'queued']), 'running');
  assert.equal(broadcastState(['succeeded', 'succeeded']), 'succeeded');
  assert.equal(broadcastState(['succeeded', 'cancelled']), 'failed');
});
