/** Learning curves and the layer-wise stages. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { plotLearningCurves, stageStarts } from '../../../lib/presentation/figures/curves';
import { assertClose, fakeHistory } from '../../helpers';
import { LAYERS, axis, title, baseline, relu } from '../plots.fixtures';

describe('learning curves and stages', () => {
  const layerwise = () => fakeHistory('layerwise', 6, LAYERS, { epoch: (e) => ({ stage: Math.ceil(e / 2) }) });

  test('stageStarts: the epoch at which each stage begins; none for a plain run', () => {
    assert.deepEqual(stageStarts(layerwise()), [{ epoch: 1, stage: 1 }, { epoch: 3, stage: 2 }, { epoch: 5, stage: 3 }]);
    assert.deepEqual(stageStarts(baseline()), []);
  });

  test('four traces per run: train/validation loss and accuracy', () => {
    const fig = plotLearningCurves([baseline(), relu()]);
    assert.equal(fig.data.length, 8);
    const b = baseline().epochs;
    assert.deepEqual(fig.data.slice(0, 2).map((t) => t.y), [b.map((e) => e.trainLoss), b.map((e) => e.valLoss)]);
    fig.data.slice(2, 4).forEach((t, k) => assertClose(t.y as number[], b.map((e) => 100 * (k === 0 ? e.trainAcc : e.valAcc)), { rtol: 1e-12, msg: 'accuracy in %' }));
    assert.deepEqual(fig.data.slice(0, 4).map((t) => [t.xaxis, (t.line as { dash: string }).dash]), [
      ['x', 'dash'], ['x', 'solid'], ['x2', 'dash'], ['x2', 'solid'],
    ]);
    assert.deepEqual(fig.data[4].x, [1, 2, 3]);
    assert.deepEqual(fig.layout.shapes, [], 'no stage boundaries without layer-wise runs');
    assert.equal(title(fig, 'yaxis'), 'cross-entropy loss');
    assert.equal(title(fig, 'yaxis2'), 'accuracy (%)');
    assert.deepEqual(axis(fig, 'yaxis2').range, [0, 100]);
  });

  test('dotted boundaries between layer-wise stages, in both panels: (stages - 1) × 2', () => {
    const fig = plotLearningCurves([baseline(), layerwise()]);
    assert.equal(fig.data.length, 8);
    const shapes = fig.layout.shapes as Array<Record<string, unknown>>;
    assert.equal(shapes.length, (3 - 1) * 2);
    assert.deepEqual(shapes.map((s) => [s.xref, s.x0, s.x1]), [['x', 2.5, 2.5], ['x2', 2.5, 2.5], ['x', 4.5, 4.5], ['x2', 4.5, 4.5]]);
    assert.ok(shapes.every((s) => (s.line as { dash: string }).dash === 'dot'), 'boundaries are dotted');
  });

  test('a log loss axis where the runs\' losses span a decade or more, linear otherwise', () => {
    const big = fakeHistory('weight-std-10', 3, LAYERS, { epoch: (e) => ({ trainLoss: 120 / e, valLoss: 110 / e, trainAcc: 0.1, valAcc: 0.1 }) });
    const log = plotLearningCurves([baseline(), big]);
    assert.equal(axis(log, 'yaxis').type, 'log');
    assert.equal(title(log, 'yaxis'), 'cross-entropy loss (log scale)');
    assert.equal(axis(plotLearningCurves([baseline(), relu()]), 'yaxis').type, undefined, 'losses within a factor 5: linear');
  });

  test('two layer-wise runs: each one\'s stage boundaries in its own colour', () => {
    const other = fakeHistory('layerwise', 6, LAYERS, { epoch: (e) => ({ stage: e }), history: { label: 'one layer at a time' } });
    const fig = plotLearningCurves([baseline(), layerwise(), other]);
    const shapes = fig.layout.shapes as Array<{ x0: number; line: { color: string } }>;
    const colorOf = (label: string) => (fig.data.find((t) => String(t.name).startsWith(label))!.line as { color: string }).color;
    assert.deepEqual([...new Set(shapes.filter((s) => s.x0 === 2.5 || s.x0 === 4.5).map((s) => s.line.color))].sort(),
      [colorOf('layer-wise training'), colorOf('one layer at a time')].sort(), 'boundaries shared by both runs are drawn once in each colour');
    assert.deepEqual(shapes.filter((s) => s.line.color === colorOf('one layer at a time')).map((s) => s.x0), [1.5, 1.5, 2.5, 2.5, 3.5, 3.5, 4.5, 4.5, 5.5, 5.5]);
  });
});
