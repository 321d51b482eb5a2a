import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../lib/runtime/backend';
import { meanFieldProfile } from '../../lib/theory/meanfield';
import { meanSquaredNorm, measureInit } from '../../lib/theory/sweeps';
import { Figure, Trace, chainedPrediction } from '../../lib/presentation/plots';
import { DepthExplorer, InitScaleExplorer, exploreDepth, exploreInitScale, plotDepthSlider, plotInitScaleSlider } from '../../lib/presentation/explore';
import { assertClose, fakeLayer, studySpec, syntheticData } from '../helpers';

before(async () => {
  await initBackend();
});

type Slider = { active: number; steps: Array<{ label: string; method: string; args: [{ visible: boolean[] }, Record<string, unknown>] }> };
const slider = (fig: Figure) => (fig.layout.sliders as Slider[])[0];
const visible = (fig: Figure) => fig.data.map((t) => t.visible);

/** Layers hidden1, hidden2, hidden3, output: RMS dL/dh scale · 10^(i - 3), predicted factor 0.5, signal 10^-i. */
const layers = (scale: number) => ['hidden1', 'hidden2', 'hidden3', 'output'].map((name, i) =>
  fakeLayer(name, { activationGradRms: scale * 10 ** (i - 3), predictedGradFactor: 0.5, signalSpread: name === 'output' ? null : 10 ** -i }));

describe('plotInitScaleSlider', () => {
  const e: InitScaleExplorer = {
    spec: studySpec(),
    positions: [0.01, 0.1, 1].map((std, k) => ({ std, layers: layers(10 ** k), theoryFactor: [0.2, 0.3] })),
  };

  test('four traces per σ_w, only the starting one visible; every slider step shows exactly its own', () => {
    const fig = plotInitScaleSlider(e, 0.08);
    assert.equal(fig.data.length, 12);
    const s = slider(fig);
    assert.equal(s.active, 1, '0.1 is the std nearest 0.08');
    assert.deepEqual(visible(fig), [false, false, false, false, true, true, true, true, false, false, false, false]);
    s.steps.forEach((step, k) => {
      assert.equal(step.method, 'update');
      assert.deepEqual(step.args[0].visible, fig.data.map((_, j) => Math.floor(j / 4) === k));
    });
    assert.deepEqual(s.steps.map((step) => step.label), ['0.010', '0.10', '1.0']);
    assert.equal(fig.layout.title.text, s.steps[1].args[1]['title.text']);
  });

  test('per step: the signal, RMS dL/dh measured, chained prediction and theory chained from the last hidden layer; fixed log ranges', () => {
    const fig = plotInitScaleSlider(e);
    const at = (k: number, j: number): Trace => fig.data[4 * k + j];
    assert.deepEqual(at(2, 0).y, [1, 0.1, 0.01]);
    assert.deepEqual(at(2, 1).y, layers(100).map((l) => l.activationGradRms));
    assert.deepEqual(at(2, 2).y, chainedPrediction(layers(100)));
    // theory: hidden3's measured 10, then × 0.3 (hidden3's factor) and × 0.2 (hidden2's)
    assertClose((at(2, 3).y as number[]).slice(0, 3), [10 * 0.3 * 0.2, 10 * 0.3, 10], { rtol: 1e-12 });
    assert.equal((at(2, 3).y as unknown[])[3], null, 'theory says nothing of the output layer');
    // hidden1 / hidden3 = 10⁻², over 2 layers: ×0.10 measured; prediction 0.25 over 2: ×0.50; theory ×√0.06
    assert.match(String(slider(fig).steps[2].args[1]['title.text']), /σ<sub>w<\/sub> = 1\.0.*×0\.10 measured, ×0\.50 predicted, ×0\.24 by theory alone/);
    // over every step: measured hidden1 of σ_w = 0.01 (10⁻³) to the output of σ_w = 1 (10²)
    assertClose((fig.layout.yaxis2 as { range: number[] }).range, [-3.1, 2.1], { rtol: 1e-9 });
    assertClose((fig.layout.yaxis as { range: number[] }).range, [-2.1, 0.1], { rtol: 1e-9 });
  });
});

describe('plotDepthSlider', () => {
  const specs = [studySpec(), studySpec({ experiment: 'relu', label: 'ReLU' })];
  const e: DepthExplorer = {
    specs,
    positions: [2, 3].map((depth) => ({
      depth,
      layers: specs.map((_, i) => [...Array.from({ length: depth }, (_, k) => fakeLayer(`hidden${k + 1}`, { activationGradRms: (i + 1) * 10 ** k, signalSpread: 1, predictedGradFactor: 0.1 })), fakeLayer('output', { activationGradRms: 1 })]),
    })),
  };

  test('three traces per network and depth over the hidden layers, the x range and title following the slider', () => {
    const fig = plotDepthSlider(e, 7);
    assert.equal(fig.data.length, 2 * 2 * 3);
    const s = slider(fig);
    assert.equal(s.active, 1, 'depth 3 is nearest 7');
    assert.deepEqual(visible(fig), fig.data.map((_, j) => j >= 6));
    const measured = fig.data[6 + 1];
    assert.deepEqual(measured.x, [1, 2, 3]);
    assert.deepEqual(measured.y, [1, 10, 100]);
    assert.deepEqual(fig.data[6 + 2].y, chainedPrediction(e.positions[1].layers[0]).slice(0, 3));
    assert.deepEqual(s.steps[0].args[1]['xaxis.range'], [0.5, 2.5]);
    assert.deepEqual((fig.layout.xaxis as { range: number[] }).range, [0.5, 3.5], 'the starting depth sets the axes');
    assert.match(String(s.steps[1].args[1]['title.text']), /3 hidden layers.*baseline \(sigmoid\) 10<sup>-2\.0<\/sup>, ReLU 10<sup>-2\.0<\/sup>/);
    assert.equal((fig.data[6].line as { color: string }).color, '#7f7f7f', 'the baseline grey');
  });
});

describe('exploreInitScale and exploreDepth', () => {
  const ctx = { data: syntheticData(40, 10), seed: 2 };
  const network = { from: 'baseline', model: { depth: 3, width: 16 } };

  test("each position is measureInit's measurement of that network, with theory's factors", () => {
    const e = exploreInitScale(ctx, { network, stds: [0.1, 2] });
    assert.deepEqual(e.positions.map((p) => p.std), [0.1, 2]);
    for (const p of e.positions) {
      assert.deepEqual(p.layers, measureInit({ ...network, model: { ...network.model, init: { kind: 'normal', std: p.std } } }, ctx).layers);
      assert.deepEqual(p.theoryFactor, meanFieldProfile({ activation: 'sigmoid', depth: 3, width: 16, weightStd: p.std, inputSquaredNorm: meanSquaredNorm(ctx.data.train, 512) }).gradFactor);
    }
    const d = exploreDepth(ctx, { depths: [1, 3], networks: [network] });
    assert.deepEqual(d.positions.map((p) => p.layers[0].map((l) => l.name)), [['hidden1', 'output'], ['hidden1', 'hidden2', 'hidden3', 'output']]);
    assert.deepEqual(d.positions[1].layers[0], measureInit(network, ctx).layers);
  });
});
