import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { gradFactors, gradientRatio, gradientRatioAtDepth, signalRatio, weightGradientRatio } from '../../lib/theory/ratios';
import { assertClose, fakeEpoch, fakeLayer } from '../helpers';

describe('gradientRatio, signalRatio, weightGradientRatio', () => {
  test('RMS dL/dh at hidden1 over the deepest hidden layer that has it; signal spread the other way round', () => {
    const layers = [
      fakeLayer('hidden1', { activationGradRms: 3e-8, signalSpread: 0.2, weightGradMeanAbs: 1 }),
      fakeLayer('hidden2', { activationGradRms: 4e-5, signalSpread: 2e-3 }),
      fakeLayer('hidden3', { activationGradRms: null, signalSpread: null }),
      fakeLayer('output', { activationGradRms: 1, signalSpread: null, weightGradMeanAbs: 1e-3 }),
    ];
    // log10(3e-8 / 4e-5) = -3.1249: hidden3 (not in use) and the output layer are left out
    assertClose(gradientRatio({ layers }) as number, Math.log10(3e-8 / 4e-5), { atol: 1e-12, msg: 'dL/dh ratio' });
    assertClose(signalRatio({ layers }) as number, -2, { atol: 1e-12, msg: 'log10(2e-3 / 0.2)' });
    assertClose(weightGradientRatio(fakeEpoch(1, layers)) as number, 3, { atol: 1e-12, msg: 'dL/dW: hidden1 over output' });
  });

  test('null without hidden1, without a deeper hidden layer, or with zeros', () => {
    const two = (a: number | null, b: number | null) => ({ layers: [fakeLayer('hidden1', { activationGradRms: a, signalSpread: a }), fakeLayer('hidden2', { activationGradRms: b, signalSpread: b }), fakeLayer('output', { activationGradRms: 1 })] });
    assert.equal(gradientRatio(two(null, 1e-2)), null, 'hidden1 frozen');
    assert.equal(gradientRatio(two(1e-6, null)), null, 'one hidden layer in use');
    assert.equal(gradientRatio(two(0, 1e-2)), null);
    assert.equal(signalRatio(two(1e-6, 0)), null);
    assert.equal(gradientRatio({ layers: [] }), null);
  });
});

describe('gradientRatioAtDepth', () => {
  test("gradientRatio, and 0 for one hidden layer, which loses nothing", () => {
    const one = [fakeLayer('hidden1', { activationGradRms: 1e-3 }), fakeLayer('output', { activationGradRms: 1 })];
    assert.equal(gradientRatio({ layers: one }), null);
    assert.equal(gradientRatioAtDepth(one), 0);
    const two = [fakeLayer('hidden1', { activationGradRms: 1e-3 }), fakeLayer('hidden2', { activationGradRms: 1e-1 }), fakeLayer('output', { activationGradRms: 1 })];
    assert.equal(gradientRatioAtDepth(two), gradientRatio({ layers: two }));
  });
});

describe('gradFactors', () => {
  test("gradFactors up to the last hidden layer: RMS dL/dh of the layer below over the layer, beside its prediction, hidden layers 2 … L", () => {
    const layers = [
      fakeLayer('hidden1', { activationGradRms: 1e-3 }),
      fakeLayer('hidden2', { activationGradRms: 1e-2, predictedGradFactor: 0.09 }),
      fakeLayer('hidden3', { activationGradRms: 5e-2, predictedGradFactor: 0.21 }),
      fakeLayer('output', { activationGradRms: 1, predictedGradFactor: 0.5 }),
    ];
    const factors = gradFactors(layers, 'last hidden');
    assert.deepEqual(factors.map((f) => f.name), ['hidden2', 'hidden3']);
    assertClose(factors.map((f) => f.measured as number), [0.1, 0.2], { rtol: 1e-12, msg: 'measured' });
    assert.deepEqual(factors.map((f) => f.predicted), [0.09, 0.21]);
  });

  test("up to the output: the output layer's pair too, from the logits to the last hidden layer", () => {
    const layers = [
      fakeLayer('hidden1', { activationGradRms: 1e-3 }),
      fakeLayer('hidden2', { activationGradRms: 1e-2, predictedGradFactor: 0.09 }),
      fakeLayer('output', { activationGradRms: 0, predictedGradFactor: 0.5 }),
    ];
    assert.deepEqual(gradFactors(layers, 'output').map((f) => [f.name, f.predicted]), [['hidden2', 0.09], ['output', 0.5]]);
    assert.equal(gradFactors(layers, 'output')[1].measured, null, 'no gradient at the logits: nothing measured');
  });
});
