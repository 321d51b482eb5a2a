import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { comparePrediction } from '../../lib/presentation/conclusions';
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
