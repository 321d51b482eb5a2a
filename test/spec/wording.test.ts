import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { describeChanges } from '../../lib/spec/wording';
import { STUDY_MODEL, studySpec } from '../helpers';

describe('describeChanges', () => {
  test('names each change to the model, optimizer, schedule and batch size, and nothing else', () => {
    const base = studySpec();
    assert.deepEqual(describeChanges(base, studySpec({ seed: 9, limit: 100, schedule: { kind: 'plain', epochs: 50 } })), []);
    const changed = studySpec({
      model: { ...STUDY_MODEL, activation: 'tanh', init: { kind: 'normal', std: 0.2 }, width: 64, normalization: 'batchnorm', skip: 'residual', gradNorm: true },
      optimizer: { kind: 'adam', lr: 3e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      batchSize: 64,
    });
    assert.deepEqual(describeChanges(base, changed), [
      'tanh', 'N(0, 0.2²) init', 'width 64', 'BatchNorm', 'residual skips', 'gradient normalisation', 'Adam lr 0.0003', 'batch 64',
    ]);
    assert.deepEqual(describeChanges(base, studySpec({ model: { ...STUDY_MODEL, skip: [[2, 5]] } })), ['skips 2→5']);
  });
});
