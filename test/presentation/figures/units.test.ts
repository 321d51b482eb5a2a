/** Saturation, activation distributions and raw vs normalised gradient, from chosen per-layer numbers. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { plotActivationDistributions, plotRawVsNormalized, plotSaturation } from '../../../lib/presentation/figures/units';
import { assertClose, fakeHistory } from '../../helpers';
import { panelText, LAYERS, axis, title, baseline, relu } from '../plots.fixtures';

describe('plotSaturation', () => {
  test('two bar traces per run (first and last epoch) over the hidden layers only', () => {
    const fig = plotSaturation([baseline(), relu()]);
    assert.equal(fig.data.length, 4);
    assert.ok(fig.data.every((t) => t.type === 'bar'), 'bars');
    assert.ok(fig.data.every((t) => JSON.stringify(t.x) === JSON.stringify(['hidden1', 'hidden2', 'hidden3'])), 'hidden layers only');
    assertClose(fig.data[0].y as number[], [0.11, 0.21, 0.31], { atol: 1e-12, msg: 'baseline, epoch 1' });
    assertClose(fig.data[1].y as number[], [0.13, 0.23, 0.33], { atol: 1e-12, msg: 'baseline, epoch 3' });
    assertClose(fig.data[2].y as number[], [0.15, 0.25, 0.35], { atol: 1e-12, msg: 'ReLU, epoch 1' });
    assertClose(fig.data[3].y as number[], [0.05, 0.15, 0.25], { atol: 1e-12, msg: 'ReLU, epoch 3' });
    assert.deepEqual(fig.data.map((t) => t.name), ['baseline (sigmoid), epoch 1', 'baseline (sigmoid), epoch 3', 'ReLU, epoch 1', 'ReLU, epoch 3']);
    assert.equal(fig.layout.barmode, 'group');
    assert.deepEqual(axis(fig, 'yaxis').range, [0, 1]);
  });
});

describe('plotSaturation with a ReLU run', () => {
  test("saturated sigmoids and inactive ReLUs on two panels with their own axes, each run in its own", () => {
    const sig = baseline();
    const rel = relu();
    rel.config = { ...rel.config, model: { ...rel.config.model, activation: 'relu' } };
    const fig = plotSaturation([sig, rel]);
    assert.deepEqual(fig.data.map((t) => [t.xaxis, t.yaxis]), [['x', 'y'], ['x', 'y'], ['x2', 'y2'], ['x2', 'y2']]);
    assert.equal(title(fig, 'yaxis'), 'saturated fraction');
    assert.equal(title(fig, 'yaxis2'), 'inactive fraction');
    assert.deepEqual((fig.layout.annotations as Array<{ text: string }>).map(panelText), ['<b>saturated (sigmoid, tanh)</b>', '<b>inactive (ReLU output 0)</b>']);
    assertClose(fig.data[2].y as number[], [0.15, 0.25, 0.35], { atol: 1e-12, msg: 'the ReLU run\'s values, in its own panel' });
    // a ReLU run alone: one panel, named for what it measures
    const alone = plotSaturation([rel]);
    assert.equal(alone.layout.title.text, 'Units out of action: inactive (ReLU output 0)');
    assert.equal(title(alone, 'yaxis'), 'inactive fraction');
  });
});

describe('plotActivationDistributions', () => {
  const withHistograms = (id: string, counts: Record<number, number[][]>) => {
    const h = fakeHistory(id, 3, LAYERS);
    for (const [epoch, perLayer] of Object.entries(counts)) {
      h.epochs[Number(epoch) - 1].histograms = {
        hidden1: { activation: { lo: 0, hi: 1, counts: perLayer[0] } },
        hidden2: { activation: { lo: 0, hi: 1, counts: perLayer[1] } },
        output: { logGradient: { lo: -3, hi: 0, counts: [1, 1, 1, 1] } },
      };
    }
    return h;
  };

  test('counts become fractions per hidden layer, drawn as log10 (an empty bin blank), at the chosen epoch', () => {
    const h = withHistograms('baseline', { 1: [[1, 3, 0, 4], [0, 0, 2, 0]], 3: [[5, 5, 0, 0], [1, 1, 1, 1]] });
    const last = plotActivationDistributions([h]);
    assert.equal(last.data.length, 1);
    const t = last.data[0];
    assert.deepEqual(t.y, ['hidden1', 'hidden2', 'hidden3'], 'every hidden layer of the run');
    const lg = Math.log10;
    assert.deepEqual(t.z, [[lg(0.5), lg(0.5), null, null], [lg(0.25), lg(0.25), lg(0.25), lg(0.25)], [null, null, null, null]], 'blank where a layer has no histogram');
    assert.deepEqual(t.x, [0.125, 0.375, 0.625, 0.875], 'bin centres');
    const first = plotActivationDistributions([h], 'first').data[0];
    assert.deepEqual((first.z as number[][]).slice(0, 2), [[lg(0.125), lg(0.375), null, lg(0.5)], [null, null, 0, null]]);
    for (const row of (first.z as Array<Array<number | null>>).slice(0, 2)) {
      assertClose(row.reduce((a: number, b) => a + (b === null ? 0 : 10 ** b), 0), 1, { atol: 1e-12, msg: 'fractions sum to 1' });
    }
    const notes = last.layout.annotations as Array<{ text: string }>;
    assert.deepEqual(notes.map(panelText), ['<b>baseline (sigmoid), epoch 3</b>']);
  });

  test('layers recorded over ranges of their own are drawn where their values are (a ReLU layer up to 0.012 stays near 0)', () => {
    const h = fakeHistory('relu', 1, LAYERS);
    h.epochs[0].histograms = {
      hidden1: { activation: { lo: 0, hi: 3.4, counts: [10, 6, 3, 1] } },
      hidden2: { activation: { lo: 0, hi: 0.012, counts: [5, 3, 1, 1] } },
    };
    const t = plotActivationDistributions([h]).data[0];
    const x = t.x as number[];
    const [row1, row2] = t.z as Array<Array<number | null>>;
    assertClose(x, [0.425, 1.275, 2.125, 2.975], { atol: 1e-12, msg: 'common bins over both layers\' ranges' });
    assert.deepEqual(row2.map((v) => v !== null), [true, false, false, false], 'hidden2 (at most 0.012) in the first bin only, not spread over the axis to 3.4');
    assertClose(row2[0] as number, 0, { atol: 1e-12, msg: 'all of hidden2 in that bin' });
    assertClose(row1.map((v) => 10 ** (v as number)), [0.5, 0.3, 0.15, 0.05], { atol: 1e-12, msg: 'hidden1 spans the common range: unchanged' });
  });

  test('each panel title stays above its run, also when a run has no histograms', () => {
    const fig = plotActivationDistributions([fakeHistory('relu', 3, LAYERS), withHistograms('baseline', { 3: [[1, 1, 1, 1], [1, 0, 0, 0]] })]);
    assert.equal(fig.data.length, 1, 'no heatmap for a run without histograms');
    assert.equal(fig.data[0].xaxis, 'x2', 'the second run is drawn in the second panel');
    const notes = fig.layout.annotations as Array<{ text: string; x: number }>;
    const domain2 = axis(fig, 'xaxis2').domain as number[];
    const over2 = notes.filter((n) => n.x > domain2[0] && n.x < domain2[1]);
    assert.deepEqual(over2.map(panelText), ['<b>baseline (sigmoid), epoch 3</b>'], 'the second panel is titled with the second run');
  });
});

test('plotActivationDistributions: all panels on one log colour scale from 10⁻⁴ to the largest fraction, shown once', () => {
  const h1 = fakeHistory('baseline', 1, LAYERS);
  h1.epochs[0].histograms = { hidden1: { activation: { lo: 0, hi: 1, counts: [1, 1, 1, 1] } } };
  const h2 = fakeHistory('relu', 1, LAYERS);
  h2.epochs[0].histograms = { hidden1: { activation: { lo: 0, hi: 2, counts: [0, 9, 1, 0] } } };
  const fig = plotActivationDistributions([h1, h2]);
  assert.deepEqual(fig.data.map((t) => [t.zmin, t.zmax]), [[-4, Math.log10(0.9)], [-4, Math.log10(0.9)]], 'shared zmin/zmax');
  assert.deepEqual(fig.data.map((t) => t.showscale), [false, true], 'one colour bar');
  const bar = fig.data[1].colorbar as { tickvals: number[]; ticktext: string[] };
  assert.deepEqual(bar.tickvals, [-4, -3, -2, -1], 'a tick per decade up to the largest');
  assert.deepEqual(bar.ticktext, ['10<sup>-4</sup>', '10<sup>-3</sup>', '10<sup>-2</sup>', '10<sup>-1</sup>']);
});

describe('plotRawVsNormalized', () => {
  test('activationGradMeanAbs against normalizedGradMeanAbs of the hidden layers, log y', () => {
    const h = fakeHistory('grad-norm', 2, LAYERS, {
      layer: (e, li) => ({ activationGradMeanAbs: [[1e-1, 1e-2, 1e-3, 5], [1e-2, 1e-3, 1e-4, 6]][e - 1][li], normalizedGradMeanAbs: li === 3 ? null : 0.01 * e }),
    });
    const fig = plotRawVsNormalized(h);
    assert.equal(fig.data.length, 2);
    assert.deepEqual(fig.data[0].x, ['hidden1', 'hidden2', 'hidden3']);
    assert.deepEqual(fig.data[0].y, [1e-2, 1e-3, 1e-4]);
    assert.deepEqual(fig.data[1].y, [0.02, 0.02, 0.02]);
    assert.equal(axis(fig, 'yaxis').type, 'log');
    assert.match(fig.layout.title.text, /gradient normalisation.*epoch 2/);
    const first = plotRawVsNormalized(h, 'first');
    assert.deepEqual(first.data[0].y, [1e-1, 1e-2, 1e-3]);
    assert.deepEqual(first.data[1].y, [0.01, 0.01, 0.01]);
  });
});
