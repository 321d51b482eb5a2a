import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { chainedPrediction } from '../../lib/presentation/plots';
import { assertClose } from '../helpers';
import { atInit } from './plots.fixtures';

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
