import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { activate, saturationFraction } from '../../lib/network/activations';
import { EpochAccumulator, LAYER_METRICS, STEP_DIGITS, StepRecorder, StepSeriesRecorder, activationPass, columnSpread, histogram, tensorStats } from '../../lib/training/stats';
import { assertClose, f32, mean, randn, std } from '../helpers';

before(async () => {
  await initBackend();
});

describe('saturation rules', () => {
  test('sigmoid: output < 0.01 or > 0.99; tanh: |output| > 0.99; relu: output exactly 0', () => {
    // exact counts, as float32 fractions
    const frac = (kind: 'sigmoid' | 'tanh' | 'relu', values: number[]) =>
      tf.tidy(() => saturationFraction(kind, tf.tensor1d(values)).dataSync()[0]);
    assert.equal(frac('sigmoid', [0.005, 0.5, 0.995, 0.02, 0.98, 0.0099, 0.9901, 0.3]), Math.fround(4 / 8));
    assert.equal(frac('tanh', [-0.995, -0.5, 0, 0.98, 0.999, 0.7]), Math.fround(2 / 6));
    assert.equal(frac('relu', [0, 0, 1e-9, 3, 0, 2]), Math.fround(3 / 6));
  });

  test('activate applies the named function', () => {
    const z = [-3, -0.5, 0, 0.5, 3];
    const run = (kind: 'sigmoid' | 'tanh' | 'relu') => tf.tidy(() => Array.from(activate(kind, tf.tensor1d(z)).dataSync()));
    assertClose(run('sigmoid'), z.map((v) => 1 / (1 + Math.exp(-v))), { atol: 1e-6, msg: 'sigmoid' });
    assertClose(run('tanh'), z.map(Math.tanh), { atol: 1e-6, msg: 'tanh' });
    assert.deepEqual(run('relu'), [0, 0, 0, 0.5, 3]);
  });
});

describe('histogram', () => {
  test('equal bins, outside values to the end bins, NaN skipped', () => {
    const h = histogram([0, 0.1, 0.26, 0.5, 0.74, 0.99, 1, -5, 7, NaN], 0, 1, 4);
    assert.deepEqual(h, { lo: 0, hi: 1, counts: [3, 1, 2, 3] });
  });
});

describe('StepRecorder and EpochAccumulator', () => {
  test('weights(): mean |g|, ‖g‖₂ and std(update) / std(W) by hand', () => {
    const g = f32(randn(60, 1, 0.01));
    const u = f32(randn(60, 2, 0.001));
    const w = f32(randn(60, 3, 0.2));
    const start = tf.memory().numTensors;
    const rec = new StepRecorder(['hidden1', 'output'], 'sigmoid');
    tf.tidy(() => {
      rec.beforeUpdate('hidden1', tf.tensor1d(w));
      rec.weights('hidden1', tf.tensor1d(g), tf.tensor1d(u));
    });
    const values = Array.from(rec.vector());
    assert.equal(tf.memory().numTensors, start, 'the recorder keeps no tensor');
    const at = (layer: number, metric: (typeof LAYER_METRICS)[number]) => values[layer * LAYER_METRICS.length + LAYER_METRICS.indexOf(metric)];
    assertClose(at(0, 'weightGradMeanAbs'), mean(g.map(Math.abs)), { rtol: 1e-5, msg: 'mean |g|' });
    assertClose(at(0, 'weightGradNorm'), Math.sqrt(g.reduce((s, x) => s + x * x, 0)), { rtol: 1e-5, msg: '‖g‖' });
    assertClose(at(0, 'updateRatio'), std(u) / std(w), { rtol: 1e-4, msg: 'update ratio' });
    assert.ok(Number.isNaN(at(0, 'activationMean')), 'not measured must be NaN');
    assert.ok(Number.isNaN(at(1, 'weightGradMeanAbs')), 'Number.isNaN(at(1, weightGradMeanAbs))');
  });

  test('the accumulator averages each metric over the steps that measured it', () => {
    const acc = new EpochAccumulator();
    const width = LAYER_METRICS.length * 2;
    const step = (fill: (i: number) => number) => acc.add(Array.from({ length: width }, (_, i) => fill(i)));
    step((i) => i);
    step((i) => (i === 0 ? NaN : 3 * i));
    step((i) => (i < LAYER_METRICS.length ? NaN : i + 1));
    const stats = acc.read(['hidden1', 'output']);
    assert.equal(stats[0].name, 'hidden1');
    assert.equal(stats[0][LAYER_METRICS[0]], 0); // only step 1 measured it: 0
    assert.equal(stats[0][LAYER_METRICS[1]], (1 + 3) / 2); // steps 1 and 2
    const k = LAYER_METRICS.length + 2;
    assert.equal(stats[1][LAYER_METRICS[2]], (k + 3 * k + k + 1) / 3);
    // nothing measured → null
    const empty = new EpochAccumulator();
    empty.add(new Array(width).fill(NaN));
    assert.ok(empty.read(['hidden1', 'output']).every((l) => LAYER_METRICS.every((m) => l[m] === null)), 'a metric no step measured reads null');
    // read() resets: the next epoch starts from nothing
    acc.add(Array.from({ length: width }, (_, i) => 10 * i));
    assert.equal(acc.read(['hidden1', 'output'])[0][LAYER_METRICS[1]], 10);
  });
});

describe('StepSeriesRecorder: every step as columns', () => {
  test('picks RMS dL/dh and the update ratio of each layer from the step vectors, rounded, NaN as null', () => {
    const M = LAYER_METRICS.length;
    const rms = LAYER_METRICS.indexOf('activationGradRms');
    const ratio = LAYER_METRICS.indexOf('updateRatio');
    // two layers, two steps; every other entry a value that must not be picked
    const vector = (values: { rms: [number, number]; ratio: [number, number] }) => {
      const v = new Float64Array(2 * M).fill(-1);
      values.rms.forEach((x, li) => (v[li * M + rms] = x));
      values.ratio.forEach((x, li) => (v[li * M + ratio] = x));
      return v;
    };
    const rec = new StepSeriesRecorder(2);
    rec.add(vector({ rms: [1.234567e-9, 0.000123456], ratio: [NaN, 2.5e-3] }), 2.302585093);
    rec.add(vector({ rms: [9.87654321, Infinity], ratio: [1e-4, 7.77777e-3] }), NaN);
    assert.equal(STEP_DIGITS, 4);
    assert.deepEqual(rec.read(), {
      loss: [2.303, null],
      activationGradRms: [[1.235e-9, 9.877], [0.0001235, null]],
      updateRatio: [[null, 0.0001], [0.0025, 0.007778]],
    });
  });
});

/** `tensorStats` of a tensor made of `values`, the tensor freed. */
function summarizeValues(values: ArrayLike<number>, kind?: 'sigmoid' | 'tanh' | 'relu'): number[] {
  const t = tf.tensor1d(values as number[]);
  try {
    return tensorStats(t, kind);
  } finally {
    t.dispose();
  }
}

describe('tensorStats: one pass over the data', () => {
  test('mean, std, mean |x|, ‖x‖₂ and the saturated fraction against plain JS and tfjs reductions', () => {
    const cases: Array<['sigmoid' | 'tanh' | 'relu', (z: number) => number]> = [
      ['sigmoid', (z) => 1 / (1 + Math.exp(-z))],
      ['tanh', Math.tanh],
      ['relu', (z) => Math.max(0, z)],
    ];
    for (const [kind, f] of cases) {
      const x = f32(randn(5000, 17, 4).map(f));
      const got = summarizeValues(x, kind);
      const m = mean(x);
      assertClose(got[0], m, { rtol: 1e-5, atol: 1e-7, msg: `${kind} mean` });
      assertClose(got[1], std(x), { rtol: 1e-4, msg: `${kind} std` });
      assertClose(got[2], mean(x.map(Math.abs)), { rtol: 1e-5, msg: `${kind} mean |x|` });
      assertClose(got[3], Math.sqrt(x.reduce((s, v) => s + v * v, 0)), { rtol: 1e-5, msg: `${kind} norm` });
      // the documented rule counted in plain JS, then the tensor version of the same rule
      const saturated = { sigmoid: (v: number) => v < 0.01 || v > 0.99, tanh: (v: number) => Math.abs(v) > 0.99, relu: (v: number) => v === 0 }[kind];
      const byHand = x.filter(saturated).length / x.length;
      assert.ok(byHand > 0.05 && byHand < 0.95, `${kind}: a saturated fraction of ${byHand} cannot tell the rule from its negation`);
      assertClose(got[4], byHand, { atol: 1e-6, msg: `${kind} saturation by the rule` });
      const reference = tf.tidy(() => saturationFraction(kind, tf.tensor1d(x)).dataSync()[0]);
      assertClose(got[4], reference, { atol: 1e-6, msg: `${kind} saturation against saturationFraction` });
    }
    const none = summarizeValues([1, 2]);
    assert.ok(Number.isNaN(none[4]), 'no activation kind, no saturation');
  });
});

describe('activationPass: the three readings of a layer in one pass', () => {
  test("tensorStats's six numbers, columnSpread, and each unit's mean φ'² from its own outputs, for every activation", () => {
    const [rows, cols] = [37, 11];
    const z = f32(randn(rows * cols, 5, 3)); // N(0, 3²): saturated, inactive and middle units alike
    for (const kind of ['sigmoid', 'tanh', 'relu'] as const) {
      const a = tf.tidy(() => activate(kind, tf.tensor2d(z, [rows, cols])));
      try {
        const pass = activationPass(a, kind);
        const expected = tensorStats(a, kind);
        pass.summary.forEach((x, i) => assertClose(x, expected[i], { rtol: 1e-6, atol: 1e-12, msg: `${kind} summary[${i}]` }));
        assertClose(pass.spread, columnSpread(a), { rtol: 1e-12, msg: `${kind} spread` });
        const h = a.dataSync();
        const slope = (y: number) => (kind === 'sigmoid' ? y * (1 - y) : kind === 'tanh' ? 1 - y * y : Number(y > 0));
        for (let c = 0; c < cols; c++) {
          const byHand = mean(Array.from({ length: rows }, (_, r) => slope(h[r * cols + c]) ** 2));
          assertClose(pass.slopeSq[c], byHand, { rtol: 1e-9, atol: 1e-15, msg: `${kind} unit ${c}` });
        }
      } finally {
        a.dispose();
      }
    }
  });
});
