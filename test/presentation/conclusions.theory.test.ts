import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { comparePrediction, describeGradientFlow } from '../../lib/presentation/conclusions';
import { fakeHistory, fakeLayer } from '../helpers';

describe('comparePrediction', () => {
  test('geometric means of the measured and predicted factors, and the largest gap, per run', () => {
    const h = fakeHistory('baseline', 1, ['hidden1', 'hidden2', 'hidden3', 'output']);
    // measured factors: hidden2 1e-6/1e-5 = 0.1, hidden3 1e-5/1e-4 = 0.1, output 1e-4/1e-3 = 0.1
    h.atInit = {
      layers: [
        fakeLayer('hidden1', { activationGradRms: 1e-6 }),
        fakeLayer('hidden2', { activationGradRms: 1e-5, predictedGradFactor: 0.125 }),
        fakeLayer('hidden3', { activationGradRms: 1e-4, predictedGradFactor: 0.1 }),
        fakeLayer('output', { activationGradRms: 1e-3, predictedGradFactor: 0.08 }),
      ],
    };
    // predicted geometric mean (0.125 · 0.1 · 0.08)^(1/3) = 0.1; largest gap |0.1/0.08 - 1| = 25 % at output
    assert.equal(comparePrediction([h]), '- baseline (sigmoid), at initialisation: the gradient is multiplied by 0.10 per layer on its way down, theory predicts 0.10 (over 3 layers); the largest gap is 25 % at output.');
  });

  test('says so where the theory leaves layers out, does not apply, or nothing was measured', () => {
    const skip = fakeHistory('skip', 1, ['hidden1', 'hidden2', 'output']);
    skip.atInit = { layers: [fakeLayer('hidden1', { activationGradRms: 1 }), fakeLayer('hidden2', { activationGradRms: 2 }), fakeLayer('output', { activationGradRms: 4, predictedGradFactor: 0.5 })] };
    assert.match(comparePrediction([skip]), /over 1 layer; 1 where it does not apply left out\); the largest gap is 0 % at output/);
    const gn = fakeHistory('grad-norm', 1, ['hidden1', 'output']);
    gn.config = { ...gn.config, model: { ...gn.config.model, gradNorm: true } };
    gn.atInit = { layers: [fakeLayer('hidden1', { activationGradRms: 1 }), fakeLayer('output', { activationGradRms: 1 })] };
    assert.match(comparePrediction([gn]), /the theory does not apply here \(gradient normalisation rescales the gradient at every layer\)/);
    const skipOnly = fakeHistory('skip', 1, ['hidden1', 'output']);
    skipOnly.atInit = gn.atInit;
    assert.match(comparePrediction([skipOnly]), /the theory does not apply here \(skip connections add a second way back at every layer\)/);
    assert.match(comparePrediction([fakeHistory('adam', 1, ['hidden1', 'output'])]), /not measured at initialisation/);
    assert.equal(comparePrediction([skip, gn]).split('\n').length, 2, 'one bullet per run');
  });
});

describe('over seeds', () => {
  const seedRun = (rms: number[], predicted: number[]) => () => {
    const h = fakeHistory('baseline', 1, ['hidden1', 'hidden2', 'output']);
    h.atInit = { layers: [fakeLayer('hidden1', { activationGradRms: rms[0] }), fakeLayer('hidden2', { activationGradRms: rms[1], predictedGradFactor: predicted[0] }), fakeLayer('output', { activationGradRms: rms[2], predictedGradFactor: predicted[1] })] };
    return h;
  };
  test('comparePrediction pools every seed: geometric means over all their layers, the largest gap named with its seed', () => {
    // seed 0 measures 0.1 and 0.1 (predicted 0.1, 0.1); seed 1 measures 0.4 and 0.1 (predicted 0.2, 0.1)
    // measured geo mean (0.1 · 0.1 · 0.4 · 0.1)^(1/4) = 0.1414; predicted (0.1 · 0.1 · 0.2 · 0.1)^(1/4) = 0.1189; worst 0.4/0.2 - 1 = 100 %
    const runs = [seedRun([1e-3, 1e-2, 1e-1], [0.1, 0.1])(), { ...seedRun([4e-3, 1e-2, 1e-1], [0.2, 0.1])(), seed: 1 }];
    const set = { experiment: 'baseline', label: runs[0].label, config: runs[0].config, seeds: [0, 1], runs, storedAt: [null, null] };
    assert.equal(comparePrediction([set]), '- baseline (sigmoid), at initialisation: the gradient is multiplied by 0.14 per layer on its way down, theory predicts 0.12 (over 2 layers and 2 seeds); the largest gap is 100 % at hidden2 (seed 1).');
  });

  test('describeGradientFlow gives the first seed in full and the range of the factor over seeds', () => {
    const runs = [seedRun([1e-4, 1e-2, 1e-1], [0.1, 0.1])(), { ...seedRun([1e-3, 1e-2, 1e-1], [0.1, 0.1])(), seed: 1 }];
    const set = { experiment: 'baseline', label: runs[0].label, config: runs[0].config, seeds: [0, 1], runs, storedAt: [null, null] };
    // hidden1 over hidden2: 1e-2 in seed 0, 1e-1 in seed 1, over one layer crossed
    assert.match(describeGradientFlow(set), /multiplied by 0\.010 at each layer it crosses\. Over seeds 0, 1 the factor per layer ranges from 0\.010 to 0\.10\.$/);
  });
});
