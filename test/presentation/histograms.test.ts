import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { History } from '../../lib/runs/run';
import { Histogram, LayerHistograms } from '../../lib/training/stats';
import {
  binCentres, describeGradientHistograms, histogramQuantile, plotGradientHistograms, rebin,
} from '../../lib/presentation/histograms';
import { layerColor } from '../../lib/presentation/plots';
import { assertClose, fakeHistory, fakeRunSet } from '../helpers';

const LAYERS = ['hidden1', 'hidden2', 'hidden3', 'output'];

/**
 * Gradient histograms at epochs 1 and 3: hidden layer li (from 0) has 4 bins over its own range
 * [-9 + 2 li, -7 + 2 li] (epoch 3: shifted right by 1), counts [1, 3, 3, 1] (epoch 3: [0, 2, 2, 0]);
 * the output layer's histogram must not be drawn.
 */
function withHistograms(experiment = 'baseline'): History {
  const hist = (e: number, li: number): Histogram => {
    const shift = e === 3 ? 1 : 0;
    return { lo: -9 + 2 * li + shift, hi: -7 + 2 * li + shift, counts: e === 3 ? [0, 2, 2, 0] : [1, 3, 3, 1] };
  };
  const records = (e: number): Record<string, LayerHistograms> =>
    Object.fromEntries(LAYERS.map((n, li) => [n, { logGradient: hist(e, li), activation: { lo: 0, hi: 1, counts: [5, 5] } }]));
  return fakeHistory(experiment, 3, LAYERS, { epoch: (e) => (e !== 2 ? { histograms: records(e) } : {}) });
}

describe('histogram helpers', () => {
  test('bin centres from the histogram\'s own edges; quantiles interpolated inside the bin', () => {
    assert.deepEqual(binCentres({ lo: -3, hi: 1, counts: [0, 0, 0, 0] }), { centres: [-2.5, -1.5, -0.5, 0.5], width: 1 });
    const h: Histogram = { lo: 0, hi: 4, counts: [1, 3, 3, 1] };
    assert.equal(histogramQuantile(h, 0.5), 2);
    assert.equal(histogramQuantile(h, 0.25), 1 + 1 / 3); // 2 of 8 reached a third into bin 1
    assert.equal(histogramQuantile({ lo: 0, hi: 2, counts: [0, 4] }, 0.5), 1.5);
    assert.equal(histogramQuantile({ lo: 0, hi: 2, counts: [0, 0] }, 0.5), null);
    assert.notEqual(layerColor(0, 7), layerColor(6, 7));
  });
});

describe('plotGradientHistograms', () => {
  test('one line per hidden layer at its own bins, as a density per decade; the first or the last epoch', () => {
    const fig = plotGradientHistograms([withHistograms()]);
    assert.deepEqual(fig.data.map((t) => t.name), ['hidden1', 'hidden2', 'hidden3'], 'hidden layers only');
    fig.data.forEach((t, li) => {
      const lo = -9 + 2 * li;
      assertClose(t.x as number[], [lo + 0.25, lo + 0.75, lo + 1.25, lo + 1.75], { rtol: 1e-12, msg: `${t.name}'s own bin centres` });
      // counts / total / bin width: [1, 3, 3, 1] / 8 / 0.5
      assertClose(t.y as number[], [0.25, 0.75, 0.75, 0.25], { rtol: 1e-12, msg: `${t.name} per decade` });
    });
    assert.equal(new Set(fig.data.map((t) => (t.line as { color: string }).color)).size, 3, 'a colour per layer');
    assert.match(fig.layout.title.text, /seed 0/);
    const last = plotGradientHistograms([withHistograms()], 'last');
    assertClose(last.data[0].x as number[], [-8 + 0.25, -8 + 0.75, -8 + 1.25, -8 + 1.75], { rtol: 1e-12, msg: "epoch 3's bins" });
    assertClose(last.data[0].y as number[], [0, 1, 1, 0], { rtol: 1e-12 });
    assert.match(String((last.layout.annotations as Array<{ text: string }>)[0].text), /epoch 3/);
  });

  test("a panel per run on one x axis, a layer's legend entry once; a run's first seed; none with histograms throws", () => {
    const set = fakeRunSet(() => withHistograms('adam'), [4, 5]);
    set.runs[1].epochs[0].histograms!.hidden1.logGradient = { lo: 100, hi: 101, counts: [1] };
    const fig = plotGradientHistograms([withHistograms(), set]);
    assert.equal(fig.data.length, 6);
    assert.deepEqual(fig.data.map((t) => t.xaxis), ['x', 'x', 'x', 'x2', 'x2', 'x2']);
    assert.equal(fig.data.filter((t) => t.showlegend).length, 3);
    assert.ok((fig.data[3].x as number[]).every((v) => v < 0), "seed 4's histogram, not seed 5's");
    assert.equal((fig.layout.xaxis2 as { matches?: string }).matches, 'x');
    assert.match(fig.layout.title.text, /seed 0, 4/);
    assert.throws(() => plotGradientHistograms([fakeHistory('baseline', 2, LAYERS)]), /no run has gradient histograms/);
  });
});

describe('describeGradientHistograms', () => {
  test('the medians at the first and last hidden layer, the decades per layer, the middle half\'s width', () => {
    // medians -8, -6, -4 (the middle of each range): 2 decades per layer; quartiles 1/3 of a decade either side
    const text = describeGradientHistograms(withHistograms());
    assert.match(text, /median \|dL\/dh\| is 10⁻⁴·⁰ at hidden3 and 10⁻⁸·⁰ at hidden1, 2\.00 decades lower per layer towards the input \(×0\.010 a layer\)/);
    assert.match(text, /spans 0\.7 decades at hidden3 and 0\.7 at hidden1: the whole distribution moves/);
    assert.match(describeGradientHistograms(fakeHistory('baseline', 1, LAYERS)), /no gradient histograms/);
  });
});

describe('rebin', () => {
  test('the same bins give the same counts; other bins share each count by overlap, and the total is kept', () => {
    const h: Histogram = { lo: 0, hi: 4, counts: [4, 0, 2, 6] };
    assert.deepEqual(rebin(h, 0, 4, 4), [4, 0, 2, 6]);
    assertClose(rebin(h, 0, 4, 2), [4, 8], { atol: 1e-12, msg: 'two bins of width 2' });
    assertClose(rebin(h, 0, 8, 4), [4, 8, 0, 0], { atol: 1e-12, msg: 'a wider range: the mass stays where it was' });
    assertClose(rebin(h, 0, 4, 8), [2, 2, 0, 0, 1, 1, 3, 3], { atol: 1e-12, msg: 'finer bins split each count evenly' });
    assertClose(rebin({ lo: 0.5, hi: 1.5, counts: [3] }, 0, 2, 2), [1.5, 1.5], { atol: 1e-12, msg: 'a bin across two bins, by overlap' });
    const moved = rebin({ lo: 0, hi: 0.012, counts: [5, 3, 1, 1] }, 0, 3.4, 40);
    assertClose(moved.reduce((a, b) => a + b, 0), 10, { atol: 1e-9, msg: 'total kept' });
    assert.equal(moved[0], 10, 'a narrow histogram lands in the first common bin');
    assert.deepEqual(rebin({ lo: 2, hi: 2, counts: [7] }, 0, 4, 4), [0, 0, 7, 0], 'zero width: the bin holding its edge');
  });
});
