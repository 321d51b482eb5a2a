import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { chainedPrediction, plotGradientFlowAtInit } from '../../lib/presentation/plots';
import { History } from '../../lib/runs/run';
import { assertClose, fakeHistory, fakeLayer, fakeRunSet } from '../helpers';

/** A run whose layers at initialisation have the given RMS dL/dh and predicted factors. */
function atInit(id: string, names: string[], rms: number[], factors: Array<number | null>): History {
  const h = fakeHistory(id, 1, names);
  h.atInit = { layers: names.map((n, i) => fakeLayer(n, { activationGradRms: rms[i], predictedGradFactor: factors[i] })) };
  return h;
}

describe('chainedPrediction', () => {
  test("starts at the output's measured value and multiplies by each factor on the way down", () => {
    const h = atInit('baseline', ['hidden1', 'hidden2', 'hidden3', 'output'], [1e-6, 1e-5, 1e-4, 1e-3], [null, 0.2, 0.1, 0.5]);
    // output 1e-3; hidden3 = 1e-3 · 0.5; hidden2 = that · 0.1; hidden1 = that · 0.2
    assertClose(chainedPrediction(h.atInit!.layers) as number[], [1e-5, 5e-5, 5e-4, 1e-3], { rtol: 1e-12, msg: 'chain' });
  });

  test('starts again from the measured value where the theory does not apply', () => {
    const h = atInit('skip', ['hidden1', 'hidden2', 'hidden3', 'output'], [3e-6, 2e-5, 1e-4, 1e-3], [null, 0.5, null, 0.5]);
    assertClose(chainedPrediction(h.atInit!.layers) as number[], [1e-5, 2e-5, 5e-4, 1e-3], { rtol: 1e-12, msg: 'restarted at hidden2' });
  });
});

describe('plotGradientFlowAtInit', () => {
  test('measured (solid) and predicted (dashed) per run, aligned by layer name, runs without atInit left out', () => {
    const shallow = atInit('baseline', ['hidden1', 'output'], [1e-4, 1e-3], [null, 0.1]);
    const deep = atInit('relu', ['hidden1', 'hidden2', 'hidden3', 'output'], [1, 1, 1, 1], [null, 1, 1, 1]);
    const none = fakeHistory('adam', 1, ['hidden1', 'output']);
    const fig = plotGradientFlowAtInit([shallow, deep, none]);
    assert.equal(fig.data.length, 4);
    assert.deepEqual(fig.data.map((t) => t.name), ['baseline (sigmoid), measured', 'baseline (sigmoid), predicted', 'ReLU, measured', 'ReLU, predicted']);
    assert.deepEqual(fig.data[0].x, ['hidden1', 'hidden2', 'hidden3', 'output']);
    assert.deepEqual(fig.data[0].y, [1e-4, null, null, 1e-3]);
    assertClose((fig.data[1].y as number[]).filter((v) => v !== null), [1e-4, 1e-3], { rtol: 1e-12, msg: 'predicted, shallow' });
    assert.deepEqual(fig.data.map((t) => (t.line as { dash: string }).dash), ['solid', 'dash', 'solid', 'dash']);
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
