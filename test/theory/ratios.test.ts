import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { gradientRatio, signalRatio, weightGradientRatio } from '../../lib/theory/ratios';
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
