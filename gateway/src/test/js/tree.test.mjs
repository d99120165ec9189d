// Broadcasts as trees (webroot/tree.js), under node's test runner (run by web/PageModulesTest).
import assert from 'node:assert/strict';
import test from 'node:test';
import { broadcastState, broadcastTree, broadcastTrees, treeRows } from './tree.mjs';

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

test('siblings follow the targets as given, whatever order the jobs were listed or made in', () => {
  const targets = ['a', 'b', 'c', 'd'];
  const jobs = [job('j4', 'd', ['a'], '1'), job('j3', 'c', ['a'], '1'), job('j2', 'b', [], '1'), job('j1', 'a', [], '1')]
    .map((j) => ({ ...j, broadcast: { ...j.broadcast, targets } }));
  const [b] = broadcastTrees(jobs);
  assert.deepEqual(b.rows.map((r) => r.target + r.depth), ['a1', 'c2', 'd2', 'b1']);
  assert.deepEqual(b.targets, targets);
});

test('a broadcast view (GET broadcasts/{id}) gives the same tree, in the targets\' order, with the gateway\'s state', () => {
  const view = {
    id: 'b-9', source: 'ckpt:m', state: 'running', unreachable: [{ node: 'gw-c' }],
    destinations: [
      { target: 'x:3', upstreams: ['x:1'], job: 'j3', node: 'gw-b', state: 'queued', percent: null, rate: 0, error: null },
      { target: 'x:1', upstreams: [], job: 'j1', node: 'gw-a', state: 'succeeded', percent: 100, rate: 0, error: null },
      { target: 'x:2', upstreams: ['x:1'], job: 'j2', node: 'gw-a', state: 'running', percent: 42.5, rate: 8e8, error: null },
    ],
  };
  const t = broadcastTree(view, ['x:1', 'x:2', 'x:3']);
  assert.equal(t.id, 'b-9');
  assert.equal(t.source, 'ckpt:m');
  assert.equal(t.state, 'running');
  assert.equal(t.unreachable, 1);
  assert.deepEqual(t.rows.map((r) => [r.target, r.depth, r.node, r.percent]),
    [['x:1', 1, 'gw-a', 100], ['x:2', 2, 'gw-a', 42.5], ['x:3', 2, 'gw-b', 0]]);
  assert.equal(t.rows[1].rate, 8e8);
  // without an order: as the view lists them; without a state: from the rows
  const bare = broadcastTree({ ...view, state: undefined });
  assert.deepEqual(bare.rows.map((r) => r.target), ['x:1', 'x:3', 'x:2']);
  assert.equal(bare.state, 'running');
});

test('treeRows keeps each target once and ignores entries without one', () => {
  const rows = treeRows([{ target: 'a', upstreams: [] }, { target: 'a', upstreams: [] }, { upstreams: [] }, null,
    { target: 'b', upstreams: ['a'], percent: NaN }]);
  assert.deepEqual(rows.map((r) => [r.target, r.depth, r.percent]), [['a', 1, 0], ['b', 2, 0]]);
  assert.deepEqual(treeRows(undefined), []);
});
