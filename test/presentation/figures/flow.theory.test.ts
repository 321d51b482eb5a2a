/** The gradient at initialisation, measured beside mean-field theory's prediction. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { plotGradientFlowAtInit } from '../../../lib/presentation/figures/flow';
import { assertClose, fakeHistory, fakeRunSet } from '../../helpers';
import { atInit } from '../plots.fixtures';

describe('plotGradientFlowAtInit', () => {
  test('measured (solid) per run, then predicted (open diamonds, dashed) drawn on top of them all, aligned by layer name, runs without atInit left out', () => {
    const shallow = atInit('baseline', ['hidden1', 'output'], [1e-4, 1e-3], [null, 0.1]);
    const deep = atInit('relu', ['hidden1', 'hidden2', 'hidden3', 'output'], [1, 1, 1, 1], [null, 1, 1, 1]);
    const none = fakeHistory('adam', 1, ['hidden1', 'output']);
    const fig = plotGradientFlowAtInit([shallow, deep, none]);
    assert.equal(fig.data.length, 4);
    assert.deepEqual(fig.data.map((t) => t.name), ['baseline (sigmoid), measured', 'ReLU, measured', 'baseline (sigmoid), predicted', 'ReLU, predicted']);
    assert.deepEqual(fig.data[0].x, ['hidden1', 'hidden2', 'hidden3', 'output']);
    assert.deepEqual(fig.data[0].y, [1e-4, null, null, 1e-3]);
    assertClose((fig.data[2].y as number[]).filter((v) => v !== null), [1e-4, 1e-3], { rtol: 1e-12, msg: 'predicted, shallow' });
    assert.deepEqual(fig.data.map((t) => (t.line as { dash: string }).dash), ['solid', 'solid', 'dash', 'dash']);
    assert.deepEqual(fig.data.map((t) => (t.marker as { symbol?: string } | undefined)?.symbol ?? null), [null, null, 'diamond-open', 'diamond-open'], 'predictions stay visible where they coincide');
    assert.equal((fig.data[2].line as { color: string }).color, (fig.data[0].line as { color: string }).color, 'a prediction in its run\'s colour');
    assert.equal((fig.layout.yaxis as { type: string }).type, 'log');
  });

  test('several seeds: measured at the geometric mean with a min–max band, predicted chained from the geometric means', () => {
    const names = ['hidden1', 'hidden2', 'output'];
    // per seed: RMS dL/dh at hidden1 / hidden2 / output, and hidden2's and the output's predicted factors
    const rms = [[1e-6, 1e-3, 1e-2], [1e-4, 4e-3, 1e-2], [1e-5, 2e-3, 1e-2]];
    const factors = [[0.1, 0.5], [0.4, 0.5], [0.025, 0.5]];
    const set = fakeRunSet((seed) => atInit('baseline', names, rms[seed], [null, ...factors[seed]]));
    const fig = plotGradientFlowAtInit([set]);
    assert.deepEqual(fig.data.map((t) => [t.fill ?? null, t.name ?? null]), [
      ['toself', null], [null, 'baseline (sigmoid), measured'], [null, 'baseline (sigmoid), predicted'],
    ], 'a band for the measured line only');
    // geometric means: hidden1 (1e-6 · 1e-4 · 1e-5)^(1/3) = 1e-5, hidden2 (8e-9)^(1/3) = 2e-3, output 1e-2
    assertClose(fig.data[1].y as number[], [1e-5, 2e-3, 1e-2], { rtol: 1e-12, msg: 'measured' });
    assert.deepEqual(fig.data[0].y, [1e-4, 4e-3, 1e-2, 1e-2, 1e-3, 1e-6], 'band: maxima out, minima back');
    // output 1e-2; hidden2 = 1e-2 · 0.5; hidden1 = 5e-3 · (0.1 · 0.4 · 0.025)^(1/3) = 5e-3 · 0.1
    assertClose(fig.data[2].y as number[], [5e-4, 5e-3, 1e-2], { rtol: 1e-12, msg: 'predicted' });
    assert.match(fig.layout.title.text, /geometric mean over 3 seeds, band: min–max/);
  });
});
