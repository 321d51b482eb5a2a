/**
 * Sweeps at initialisation: the small numeric helpers on known inputs, the init-scale sweep against the
 * mean-field theory and the network's own prediction, the depth sweep's slope against the per-layer
 * factor, and no tensor left behind by either.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { criticalWeightStd } from '../../lib/theory/meanfield';
import { geometricMean } from '../../lib/runs/seeds';
import { gradFactors } from '../../lib/theory/ratios';
import { crossingOfOne, leastSquaresSlope, logSpace, meanSquaredNorm, measureInit, sweepDepth, sweepInitScale } from '../../lib/theory/sweeps';
import { assertClose, syntheticData } from '../helpers';

before(async () => {
  await initBackend();
});

const ctx = { data: syntheticData(600, 10), seed: 0 };

describe('helpers', () => {
  test('logSpace: evenly spaced in log, ends included', () => {
    assertClose(logSpace(0.01, 10, 4), [0.01, 0.1, 1, 10], { rtol: 1e-12, msg: 'decades' });
  });

  test('crossingOfOne: exact for a power law, the first crossing, null without one', () => {
    // y = √x crosses 1 at x = 1, a straight line in log-log
    assertClose(crossingOfOne([{ x: 0.01, y: 0.1 }, { x: 0.25, y: 0.5 }, { x: 4, y: 2 }, { x: 0.5, y: 0.2 }]) as number, 1, { rtol: 1e-12, msg: 'crossing' });
    assert.equal(crossingOfOne([{ x: 1, y: 0.5 }, { x: 2, y: 0.9 }, { x: 3, y: null }]), null);
  });

  test('leastSquaresSlope: exact on a line, unknown points left out', () => {
    assertClose(leastSquaresSlope([1, 2, 4, 8].map((x) => ({ x, y: 3 - 0.85 * x }))) as number, -0.85, { rtol: 1e-12, msg: 'slope' });
    assertClose(leastSquaresSlope([{ x: 1, y: 1 }, { x: 2, y: null }, { x: 3, y: 5 }]) as number, 2, { rtol: 1e-12, msg: 'with a gap' });
    assert.equal(leastSquaresSlope([{ x: 1, y: 1 }]), null);
  });

  test("meanSquaredNorm: the batch's mean ‖x‖², pixels / 255", () => {
    const split = ctx.data.train;
    let sum = 0;
    for (let i = 0; i < 3 * 784; i++) sum += (split.images[i] / 255) ** 2;
    assertClose(meanSquaredNorm(split, 3), sum / 3, { rtol: 1e-6, msg: 'mean ‖x‖²' });
  });
});

describe('sweepInitScale', () => {
  test('measured factors follow the prediction and the mean-field theory, the critical std is the theory\'s, nothing leaks', () => {
    const stds = [0.03, 0.3, 3];
    const start = tf.memory().numTensors;
    const sweep = sweepInitScale(ctx, { stds, theoryStds: stds });
    assert.equal(tf.memory().numTensors, start, 'tensors leaked');
    assert.equal(sweep.criticalStd, criticalWeightStd('sigmoid', 128));
    sweep.points.forEach((p, i) => {
      assert.equal(p.std, stds[i]);
      const measured = p.measuredFactor as number;
      assert.ok(Math.abs(measured / (p.predictedFactor as number) - 1) < 0.1, `σ_w ${p.std}: measured ${measured} vs predicted ${p.predictedFactor}`);
      assert.ok(Math.abs(measured / sweep.theory[i].factor - 1) < 0.15, `σ_w ${p.std}: measured ${measured} vs theory ${sweep.theory[i].factor}`);
      assert.ok(Math.abs((p.saturation as number) - sweep.theory[i].saturation) < 0.1, `σ_w ${p.std}: saturation`);
    });
    const crossing = sweep.measuredCrossing as number;
    assert.ok(crossing > 0.3 && crossing < 3, `the measured factor crosses 1 between the scales around it: ${crossing}`);
    assert.ok(Math.abs(Math.log(crossing / (sweep.theoryCrossing as number))) < Math.log(1.5), 'near the theory\'s crossing');
  });

  test('refuses a network the theory does not describe', () => {
    assert.throws(() => sweepInitScale(ctx, { network: { from: 'batchnorm' }, stds: [0.1] }), /normalisation/);
  });
});

describe('sweepDepth', () => {
  test('log10 of the gradient ratio is linear in depth, with the slope of the per-layer factor; nothing leaks', () => {
    const start = tf.memory().numTensors;
    const [series] = sweepDepth(ctx, { depths: [1, 2, 4, 8], networks: [{ from: 'baseline' }] });
    assert.equal(tf.memory().numTensors, start, 'tensors leaked');
    assert.equal(series.spec.label, 'baseline (sigmoid)');
    assert.deepEqual(series.points.map((p) => p.depth), [1, 2, 4, 8]);
    assert.deepEqual([series.points[0].measured, series.points[0].predicted], [0, 0], 'one hidden layer: nothing to lose');
    const deep = gradFactors(measureInit({ from: 'baseline', model: { depth: 8 } }, ctx).layers, 'last hidden');
    const perLayer = geometricMean(deep.map((f) => f.measured)) as number;
    assertClose(10 ** (series.measuredSlope as number), perLayer, { rtol: 0.05, msg: 'slope vs the measured factor per layer' });
    assertClose(10 ** (series.predictedSlope as number), geometricMean(deep.map((f) => f.predicted)) as number, { rtol: 0.05, msg: 'predicted slope' });
    assert.ok(perLayer < 0.2, `the baseline loses most of the gradient at every layer: ${perLayer}`);
  });
});
