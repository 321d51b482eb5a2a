/**
 * The measurements of the untrained network and the mean-field prediction beside them: the formula
 * against a float64 computation of its own, the prediction against an explicit backward pass through
 * a wide random layer (Monte Carlo), and against the measured dL/dh at initialisation of real networks.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { loadFashionMNIST } from '../../lib/dataset/fashionmnist';
import { resolveSpec } from '../../lib/spec/experiments';
import { buildModel } from '../../lib/runs/run';
import { RunSpecInput } from '../../lib/spec/spec';
import { columnSpread, predictedGradFactor } from '../../lib/training/stats';
import { measureAtInit } from '../../lib/training/train';
import { REAL_DATA_DIR, assertClose, f32, hasRealData, mean, randn, rng, sigmoid, std } from '../helpers';

before(async () => {
  await initBackend();
});

describe('predictedGradFactor', () => {
  test('is sqrt(n · Var(W) · mean of s² φ\'²), in float64, for each activation and scale', () => {
    const [fanIn, n, batch] = [6, 4, 5];
    const w = f32(randn(fanIn * n, 11, 0.3, 0.05));
    const z = randn(batch * n, 12, 1.5);
    const s2 = [0.5, 2, 1, 3];
    const varW = std(w) ** 2;
    const cases: Array<['sigmoid' | 'tanh' | 'relu', (x: number) => number, (h: number) => number]> = [
      ['sigmoid', sigmoid, (h) => h * (1 - h)],
      ['tanh', Math.tanh, (h) => 1 - h * h],
      ['relu', (x) => Math.max(0, x), (h) => (h > 0 ? 1 : 0)],
    ];
    for (const [kind, phi, slope] of cases) {
      const h = f32(z.map(phi));
      const perUnit = Math.sqrt(n * varW * mean(h.map((v, i) => slope(v) ** 2 * s2[i % n])));
      const oneScale = Math.sqrt(n * varW * 0.25 * mean(h.map((v) => slope(v) ** 2)));
      const plain = Math.sqrt(n * varW * mean(h.map((v) => slope(v) ** 2)));
      const [a, b, c] = tf.tidy(() => {
        const kernel = tf.tensor2d(w, [fanIn, n]);
        const out = tf.tensor2d(h, [batch, n]);
        return [
          predictedGradFactor(kernel, kind, out, s2),
          predictedGradFactor(kernel, kind, out, [0.25]),
          predictedGradFactor(kernel, kind, out),
        ];
      });
      assertClose([a, b, c], [perUnit, oneScale, plain], { rtol: 1e-5, msg: kind });
    }
    // the output layer: no activation, φ' = 1
    const out = tf.tidy(() => predictedGradFactor(tf.tensor2d(w, [fanIn, n])));
    assertClose(out, Math.sqrt(n * varW), { rtol: 1e-5, msg: 'output layer' });
  });

  test('predicts the RMS of an explicit backward pass through a wide random sigmoid layer (Monte Carlo)', () => {
    // dL/dh_below = W (σ'(z) ⊙ g) for random W [m, n], pre-activations z and gradients g from above, in float64.
    const [m, n, batch] = [256, 256, 64];
    const r = rng(5);
    const w = f32(randn(m * n, 21, 1 / Math.sqrt(m)));
    const z = randn(batch * n, 22, 2);
    const g = randn(batch * n, 23, 1e-3).map((v) => v * (0.5 + r()));
    const h = f32(z.map(sigmoid));
    const local = h.map((v, i) => v * (1 - v) * g[i]);
    let sqBelow = 0;
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += w[j * n + k] * local[b * n + k];
        sqBelow += s * s;
      }
    }
    const measured = Math.sqrt(sqBelow / (batch * m)) / Math.sqrt(mean(g.map((v) => v * v)));
    const predicted = tf.tidy(() => predictedGradFactor(tf.tensor2d(w, [m, n]), 'sigmoid', tf.tensor2d(h, [batch, n])));
    assertClose(predicted, measured, { rtol: 0.05, msg: 'mean-field factor vs explicit backward pass' });
  });
});

describe('columnSpread', () => {
  test("each column's std across the rows, averaged over the columns, as float64 computes it", () => {
    const [rows, cols] = [7, 3];
    const x = f32(randn(rows * cols, 31, 2, 1));
    const expected = mean(Array.from({ length: cols }, (_, c) => std(Array.from({ length: rows }, (_, r) => x[r * cols + c]))));
    assertClose(tf.tidy(() => columnSpread(tf.tensor2d(x, [rows, cols]))), expected, { rtol: 1e-6, msg: 'spread' });
    // a signal that is the same for every example has no spread, whatever its size
    assert.equal(tf.tidy(() => columnSpread(tf.tensor2d([5, -2, 5, -2, 5, -2], [3, 2]))), 0);
  });
});

describe('at initialisation, on real data', { skip: hasRealData ? false : `${REAL_DATA_DIR} is absent` }, () => {
  const NETWORKS: Array<[string, RunSpecInput]> = [
    ['baseline', {}],
    ['weights N(0, 1)', { from: 'weight-std-1' }],
    ['ReLU, He init', { from: 'relu', model: { init: { kind: 'he' } } }],
    ['sigmoid, Glorot init', { model: { init: { kind: 'glorot' } } }],
    ['BatchNorm', { from: 'batchnorm' }],
    ['whole-tensor norm', { from: 'custom-norm' }],
  ];
  for (const [name, input] of NETWORKS) {
    test(`${name}: the measured dL/dh factor of every layer is within 20 % of the prediction`, () => {
      const spec = resolveSpec(input, { preset: 'smoke' });
      const data = loadFashionMNIST({ limit: 2000, seed: 0 });
      const model = buildModel(spec);
      const before = model.layers.map((l) => Array.from(l.kernel.dataSync()));
      const start = tf.memory().numTensors;
      const layers = measureAtInit(model, data.train, spec);
      assert.equal(tf.memory().numTensors, start, 'measureAtInit leaks no tensor');
      assert.deepEqual(model.layers.map((l) => Array.from(l.kernel.dataSync())), before, 'nothing is updated');
      model.dispose();
      assert.equal(layers[0].predictedGradFactor, null, 'no prediction for the first layer (its input gradient is not measured)');
      for (let i = 1; i < layers.length; i++) {
        const measured = (layers[i - 1].activationGradRms as number) / (layers[i].activationGradRms as number);
        const predicted = layers[i].predictedGradFactor as number;
        assert.ok(Math.abs(measured / predicted - 1) < 0.2, `${name}, ${layers[i].name}: measured ${measured.toFixed(3)}, predicted ${predicted.toFixed(3)}`);
      }
      for (const l of layers) assert.equal(l.updateRatio, null, 'no update at initialisation');
    });
  }

  test("the baseline's signal collapses forward: each unit's spread across images falls several-fold per layer", () => {
    const spec = resolveSpec('baseline', { preset: 'smoke' });
    const model = buildModel(spec);
    const layers = measureAtInit(model, loadFashionMNIST({ limit: 2000, seed: 0 }).train, spec);
    model.dispose();
    const spreads = layers.filter((l) => l.name !== 'output').map((l) => l.signalSpread as number);
    for (let i = 1; i < spreads.length; i++) assert.ok(spreads[i] < spreads[i - 1] / 3, `hidden${i + 1}: ${spreads[i]} vs ${spreads[i - 1]}`);
    assert.equal(layers[layers.length - 1].signalSpread, null, 'no spread for the output layer');
  });

  test('with skip connections the spread is taken on what the next layer reads: h₃ = σ(z₃) + h₁, h₇ = σ(z₇) + h₄', () => {
    const spec = resolveSpec('skip', { preset: 'smoke' });
    const model = buildModel(spec);
    const layers = measureAtInit(model, loadFashionMNIST({ limit: 600, seed: 0 }).train, spec);
    model.dispose();
    const spread = (name: string) => layers.find((l) => l.name === name)?.signalSpread as number;
    // σ(z₃)'s own spread is two layers' collapse (~0.14²) below h₁'s, so the sum carries h₁'s almost unchanged
    assertClose(spread('hidden3'), spread('hidden1'), { rtol: 0.05, msg: 'hidden3 reads on hidden1' });
    assertClose(spread('hidden7'), spread('hidden4'), { rtol: 0.05, msg: 'hidden7 passes hidden4 on' });
    assert.ok(spread('hidden2') < spread('hidden1') / 3, 'an unbypassed layer still collapses the signal');
  });

  test('skip connections and gradient normalisation get no prediction where the theory does not apply', () => {
    for (const [id, expected] of [['skip', ['hidden2', 'hidden5']], ['grad-norm', ['hidden2', 'hidden3', 'hidden4', 'hidden5', 'hidden6', 'hidden7', 'output']]] as const) {
      const spec = resolveSpec(id, { preset: 'smoke' });
      const model = buildModel(spec);
      const layers = measureAtInit(model, loadFashionMNIST({ limit: 600, seed: 0 }).train, spec);
      model.dispose();
      const missing = layers.filter((l, i) => i > 0 && l.predictedGradFactor === null).map((l) => l.name);
      assert.deepEqual(missing, expected, `${id}: layers whose input feeds a skip (or all, with gradient normalisation)`);
    }
  });
});
