/**
 * The hidden layers' Jacobian against central finite differences of the same layers written out here in
 * float64 (with a normalisation's batch statistics held fixed, the approximation the library states),
 * its singular values against a product whose singular values are known, and the spectra of real-sized
 * networks against mean-field theory, without leaking tensors.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Matrix } from 'ml-matrix';
import { initBackend } from '../../lib/runtime/backend';
import { Activation } from '../../lib/network/activations';
import { MLP, Normalization, buildMLP } from '../../lib/network/models';
import { hiddenJacobians, jacobianSpectra, singularValues } from '../../lib/theory/jacobian';
import { assertClose, mlpSpec, randn, sigmoid, syntheticData } from '../helpers';

before(async () => {
  await initBackend();
});

const PHI: Record<Activation, (z: number) => number> = { sigmoid, tanh: Math.tanh, relu: (z) => Math.max(0, z) };
const EPS = 1e-5; // BatchNorm's ε, PyTorch's

/** The model's parameters as float64 arrays, read once. */
function parameters(model: MLP) {
  return model.hidden.map((l) => ({
    w: Array.from(l.kernel.dataSync()), b: Array.from(l.bias.dataSync()),
    gamma: l.bn ? Array.from(l.bn.gamma.dataSync()) : undefined, beta: l.bn ? Array.from(l.bn.beta.dataSync()) : undefined,
  }));
}

/**
 * The hidden layers in float64, written out: each row of `h` [batch][n] through layers from..to (0-based).
 * With a normalisation, its statistics come from `stats` when given (held fixed) and are returned.
 */
function forward(model: MLP, h: number[][], from: number, to: number, stats?: Array<{ mean: number[]; scale: number[] }>) {
  const { width, activation, normalization } = model.spec;
  const params = parameters(model);
  const used: Array<{ mean: number[]; scale: number[] }> = [];
  let x = h;
  for (let l = from; l <= to; l++) {
    const { w, b, gamma, beta } = params[l];
    const z = x.map((row) => Array.from({ length: width }, (_, k) => row.reduce((a, v, j) => a + v * w[j * width + k], b[k])));
    let s = stats?.[l];
    if (!s && normalization === 'batchnorm') {
      const mean = Array.from({ length: width }, (_, k) => z.reduce((a, r) => a + r[k], 0) / z.length);
      const variance = mean.map((m, k) => z.reduce((a, r) => a + (r[k] - m) ** 2, 0) / z.length);
      s = { mean, scale: variance.map((v, k) => (gamma as number[])[k] / Math.sqrt(v + EPS)) };
    } else if (!s && normalization === 'whole-tensor') {
      const all = z.flat();
      const m = all.reduce((a, v) => a + v, 0) / all.length;
      const std = Math.sqrt(all.reduce((a, v) => a + (v - m) ** 2, 0) / (all.length - 1));
      s = { mean: new Array(width).fill(m), scale: new Array(width).fill(1 / std) };
    }
    used[l] = s ?? { mean: new Array(width).fill(0), scale: new Array(width).fill(1) };
    x = z.map((row) => row.map((v, k) => PHI[activation]((v - used[l].mean[k]) * used[l].scale[k] + (beta ? beta[k] : 0))));
  }
  return { h: x, stats: used };
}

/** ∂h_L/∂h_1 of one example by central differences, the normalisation's statistics those of the whole batch, held fixed. */
function finiteDifferenceJacobian(model: MLP, x: number[][], row: number, step = 1e-6): number[][] {
  const depth = model.spec.depth;
  const h1 = forward(model, x, 0, 0).h;
  const { stats } = forward(model, h1, 1, depth - 1);
  const top = (v: number[]) => forward(model, [v], 1, depth - 1, stats).h[0];
  const n = h1[row].length;
  const columns = Array.from({ length: n }, (_, j) => {
    const up = [...h1[row]];
    const down = [...h1[row]];
    up[j] += step;
    down[j] -= step;
    const [a, b] = [top(up), top(down)];
    return a.map((v, k) => (v - b[k]) / (2 * step));
  });
  return columns[0].map((_, k) => columns.map((c) => c[k]));
}

function smallModel(activation: Activation, normalization: Normalization): MLP {
  const model = buildMLP(mlpSpec({ inputSize: 6, width: 5, depth: 4, classes: 3, activation, normalization, init: { kind: 'normal', std: 0.9 } }));
  // γ away from 1, so that a wrong per-unit scale would show
  for (const l of model.hidden) l.bn?.gamma.assign(tf.tensor1d([0.5, 2, 1.5, 0.8, 1.2]));
  return model;
}

describe('hiddenJacobians', () => {
  const batch = 12;
  const xs = randn(batch * 6, 3, 1.2);
  const x = Array.from({ length: batch }, (_, r) => xs.slice(r * 6, r * 6 + 6));
  const cases: Array<[Activation, Normalization]> = [
    ['sigmoid', 'none'], ['tanh', 'none'], ['relu', 'none'], ['sigmoid', 'batchnorm'], ['sigmoid', 'whole-tensor'],
  ];
  for (const [activation, normalization] of cases) {
    test(`${activation}, normalisation ${normalization}: ∂h4/∂h1 is the finite-difference Jacobian of the layers in float64`, () => {
      const model = smallModel(activation, normalization);
      const rows = [0, 7];
      const input = tf.tensor2d(xs, [batch, 6]);
      const jacobians = hiddenJacobians(model, input, rows);
      input.dispose();
      rows.forEach((row, i) => {
        const expected = finiteDifferenceJacobian(model, x, row).flat();
        const scale = Math.max(...expected.map(Math.abs));
        assert.deepEqual([jacobians[i].rows, jacobians[i].columns], [5, 5]);
        assertClose(jacobians[i].to1DArray(), expected, { rtol: 1e-4, atol: 1e-5 * scale, msg: `example ${row}` });
      });
      model.dispose();
    });
  }

  test('refuses a network that is not a plain chain', () => {
    const model = buildMLP(mlpSpec({ inputSize: 6, width: 5, depth: 3, classes: 3, skip: [[1, 3]] }));
    const input = tf.ones([2, 6]) as tf.Tensor2D;
    assert.throws(() => hiddenJacobians(model, input, [0]), /chained/);
    input.dispose();
    model.dispose();
  });
});

describe('singularValues', () => {
  test('of D · (c Q₁) · Q₂ with Q orthogonal: c |d| in decreasing order, a zero in d lowering the rank', () => {
    const n = 6;
    const householder = (v: number[]) => {
      const norm2 = v.reduce((a, x) => a + x * x, 0);
      return new Matrix(v.map((vi, i) => v.map((vj, j) => (i === j ? 1 : 0) - (2 * vi * vj) / norm2)));
    };
    const d = [3, -2, 0.5, 0, 1, 4];
    const c = 0.7;
    const m = Matrix.diag(d).mmul(householder([1, 2, -1, 0.5, 3, -2]).mul(c)).mmul(householder([0.3, -1, 2, 2, -0.5, 1]));
    const { values, rank } = singularValues(m);
    assertClose(values, d.map((x) => c * Math.abs(x)).sort((a, b) => b - a), { atol: 1e-12, msg: 'σ' });
    assert.equal(rank, n - 1);
  });
});

describe('jacobianSpectra', () => {
  test('on the study-sized networks: RMS singular value near the product of predicted factors, ReLU rank-deficient, no tensor leaked', () => {
    const ctx = { data: syntheticData(600, 10), seed: 0 };
    const start = tf.memory().numTensors;
    const spectra = jacobianSpectra(ctx, { examples: 2 });
    assert.equal(tf.memory().numTensors, start, 'tensors leaked');
    assert.deepEqual(spectra.map((s) => s.spec.model.depth), [7, 7, 7]);
    for (const s of spectra) {
      assert.ok(s.predictedRms !== null && Math.abs(s.rms / s.predictedRms - 1) < 0.25, `${s.spec.label}: RMS ${s.rms} vs predicted ${s.predictedRms}`);
      assert.ok(s.nonzero.every((v, i) => i === 0 || v <= s.nonzero[i - 1]), 'largest first');
    }
    const [baseline, relu, bn] = spectra;
    assert.equal(baseline.zeroFraction, 0);
    assert.equal(bn.zeroFraction, 0);
    // an inactive unit zeroes its row of D: about half per layer, and J's rank is at most the fewest active units of any layer
    assert.ok(relu.zeroFraction > 0.3, `ReLU zero fraction ${relu.zeroFraction}`);
    assert.ok(baseline.median < 1e-3, 'the baseline loses the gradient in every direction');
  });
});
