/** Histograms of sampled values. */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../../lib/runtime/backend';
import { plotDistributions, plotInitialWeights } from '../../../lib/presentation/figures/distributions';
import { BASELINE_COLOR } from '../../../lib/presentation/plots';
import { resolveSpec } from '../../../lib/spec/experiments';
import { assertClose, fakeHistory, std } from '../../helpers';
import { panelText, title } from '../plots.fixtures';

describe('plotDistributions', () => {
  test('one histogram per sample, each in its own panel with its label', () => {
    const fig = plotDistributions(
      [{ label: 'N(0, 1)', values: new Float32Array([0.5, -1, 2]) }, { label: 'N(0, 10²)', values: [10, -20] }],
      'Initial weights',
      'weight',
    );
    assert.equal(fig.data.length, 2);
    assert.ok(fig.data.every((t) => t.type === 'bar'), 'histograms, binned before plotting');
    const counts = (t: (typeof fig.data)[number]) => t.y as number[];
    assert.equal(counts(fig.data[0]).length, 60);
    assert.equal(counts(fig.data[0]).reduce((a, b) => a + b, 0), 3, 'every value counted once');
    assert.equal(counts(fig.data[0])[0], 1, '-1, the smallest, in the first bin');
    assert.equal(counts(fig.data[0])[59], 1, '2, the largest, in the last bin');
    assert.equal(counts(fig.data[0])[30], 1, '0.5 in the bin [0.5, 0.55)');
    assertClose((fig.data[0].x as number[])[0], -1 + 3 / 120, { atol: 1e-12, msg: 'bins centred' });
    assertClose(fig.data[0].width as number, 0.05, { atol: 1e-12, msg: 'bin width' });
    assert.equal(counts(fig.data[1]).reduce((a, b) => a + b, 0), 2);
    assert.deepEqual(fig.data.map((t) => [t.xaxis, t.yaxis]), [['x', 'y'], ['x2', 'y2']]);
    assert.equal(fig.layout.title.text, 'Initial weights');
    assert.equal(title(fig, 'xaxis'), 'weight');
    assert.equal(title(fig, 'xaxis2'), 'weight');
    assert.deepEqual((fig.layout.annotations as Array<{ text: string }>).map(panelText), ['<b>N(0, 1)</b>', '<b>N(0, 10²)</b>']);
  });
});

describe('plotInitialWeights', () => {
  before(async () => {
    await initBackend();
  });

  test("each run's hidden2 at initialisation, from its own spec and seed, in the run's colour", () => {
    const run = (id: string, seed: number) => fakeHistory(id, 1, ['hidden1', 'output'], { history: { config: resolveSpec(id, { preset: 'smoke', seed }), seed } });
    const fig = plotInitialWeights([run('baseline', 0), run('weight-std-1', 3)]);
    assert.equal(fig.layout.title.text, 'Initial weights of hidden2 (128 × 128)');
    const total = (i: number) => (fig.data[i].y as number[]).reduce((a, b) => a + b, 0);
    assert.deepEqual([total(0), total(1)], [128 * 128, 128 * 128], 'every weight counted');
    // PyTorch's default: U(±1/√128), so every weight within ±0.0884; N(0, 1): std 1
    const edges = (i: number) => (fig.data[i].x as number[]).map((x) => Math.abs(x) + (fig.data[i].width as number) / 2);
    assert.ok(Math.max(...edges(0)) <= 1 / Math.sqrt(128) + 1e-6, 'the default init stays within 1/√fan_in');
    const x = fig.data[1].x as number[];
    const counts = fig.data[1].y as number[];
    const samples = counts.flatMap((c, k) => new Array<number>(c).fill(x[k]));
    assertClose(std(samples), 1, { atol: 0.03, msg: 'N(0, 1): the binned weights\' std' });
    assert.deepEqual(fig.data.map((t) => (t.marker as { color: string }).color === BASELINE_COLOR), [true, false], 'the baseline grey, the remedy in its colour');
  });
});
