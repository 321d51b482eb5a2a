import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { batchNorm, createBatchNorm, updateRunningStats, wholeMoments, wholeTensorNorm } from '../../lib/network/normalization';
import { assertClose, f32, mean, randn, variance } from '../helpers';

before(async () => {
  await initBackend();
});

/** The study's custom normalisation in float64: (x - mean) / unbiased std over every element. */
function wholeNorm64(x: number[]): number[] {
  const m = mean(x);
  const s = Math.sqrt(variance(x, true));
  return x.map((v) => (v - m) / s);
}

describe('wholeTensorNorm', () => {
  test('matches (x - mean) / unbiased std over all elements, computed by hand', () => {
    const x = f32(randn(8 * 5, 1, 3, 2));
    const y = tf.tidy(() => Array.from(wholeTensorNorm(tf.tensor2d(x, [8, 5])).dataSync()));
    assertClose(y, wholeNorm64(x), { atol: 2e-6, msg: 'wholeTensorNorm' });
    // not per feature: columns do not each have zero mean, the whole tensor does
    const col0 = y.filter((_, i) => i % 5 === 0);
    assert.ok(Math.abs(mean(col0)) > 1e-3, 'looks per-column normalised');
    assertClose(mean(y), 0, { atol: 1e-6, msg: 'mean' });
    assertClose(variance(y, true), 1, { atol: 1e-5, msg: 'unbiased variance' });
  });

  test('wholeMoments: the mean and the std dividing by N - 1, also far from zero', () => {
    const x = [1, 2, 3, 4, 10];
    const m = tf.tidy(() => wholeMoments(tf.tensor1d(x)));
    assertClose(m.mean, 4, { rtol: 1e-12, msg: 'mean' });
    assertClose(m.std, Math.sqrt(variance(x, true)), { rtol: 1e-12, msg: 'unbiased std' });
    // a mean 10⁴ times the spread: one pass of float64 sums still gives the spread to 1e-6 (float32 arithmetic would not)
    const far = f32(randn(4096, 12, 0.5, 5000));
    const t = tf.tensor2d(far, [64, 64]);
    const mf = wholeMoments(t);
    t.dispose();
    assertClose(mf.mean, mean(far), { rtol: 1e-12, msg: 'mean far from 0' });
    assertClose(mf.std, Math.sqrt(variance(far, true)), { rtol: 1e-6, msg: 'std far from 0' });
  });

  test('its gradient matches a float64 central finite difference', () => {
    const shape: [number, number] = [4, 3];
    const n = 12;
    const x = f32(randn(n, 2, 1.5, 0.3));
    const c = f32(randn(n, 3));
    const d = f32(randn(n, 4));
    // a scalar function that is not linear in the output: f = Σ c·y + 0.3 Σ d·y³
    const f64 = (xs: number[]) => wholeNorm64(xs).reduce((s, y, i) => s + c[i] * y + 0.3 * d[i] * y ** 3, 0);
    const grad = tf.tidy(() => {
      const ct = tf.tensor2d(c, shape);
      const dt = tf.tensor2d(d, shape);
      const g = tf.grad((xt: tf.Tensor) => {
        const y = wholeTensorNorm(xt as tf.Tensor2D);
        return tf.add(tf.sum(tf.mul(ct, y)), tf.mul(0.3, tf.sum(tf.mul(dt, tf.pow(y, 3)))));
      })(tf.tensor2d(x, shape));
      return Array.from(g.dataSync());
    });
    const h = 1e-6;
    const fd = x.map((_, i) => {
      const plus = [...x];
      const minus = [...x];
      plus[i] += h;
      minus[i] -= h;
      return (f64(plus) - f64(minus)) / (2 * h);
    });
    const scale = Math.max(...fd.map(Math.abs));
    assertClose(grad, fd, { atol: 1e-4 * scale, msg: 'd f / d x' });
  });
});

/** BatchNorm1d training forward in float64: per feature, batch mean and biased variance. */
function batchNorm64(x: number[], n: number, w: number, gamma: number[], beta: number[], eps = 1e-5) {
  const y = new Array<number>(n * w);
  const means: number[] = [];
  const vars: number[] = [];
  for (let j = 0; j < w; j++) {
    const col = Array.from({ length: n }, (_, i) => x[i * w + j]);
    const m = mean(col);
    const v = variance(col, false);
    means.push(m);
    vars.push(v);
    for (let i = 0; i < n; i++) y[i * w + j] = ((x[i * w + j] - m) / Math.sqrt(v + eps)) * gamma[j] + beta[j];
  }
  return { y, means, vars };
}

describe('batchNorm (PyTorch BatchNorm1d semantics)', () => {
  const N = 16;
  const W = 6;
  // column 0 has a variance of ~1e-5, where ε = 1e-5 matters
  const x = f32(randn(N * W, 5, 2, 0.5).map((v, i) => (i % W === 0 ? v * 0.0016 : v)));
  const gamma = f32(randn(W, 6, 0.5, 1));
  const beta = f32(randn(W, 7, 0.5));

  test('training mode: batch mean, biased variance, ε, gamma and beta', () => {
    const bn = createBatchNorm(W, 'bn-train');
    bn.gamma.assign(tf.tensor1d(gamma));
    bn.beta.assign(tf.tensor1d(beta));
    const out = tf.tidy(() => {
      const r = batchNorm(tf.tensor2d(x, [N, W]), bn, true);
      assert.ok(r.moments, 'the batch moments in training mode');
      return { y: Array.from(r.y.dataSync()), m: Array.from(r.moments.mean), v: Array.from(r.moments.variance) };
    });
    const ref = batchNorm64(x, N, W, gamma, beta);
    assertClose(out.y, ref.y, { atol: 2e-5, rtol: 1e-4, msg: 'y' });
    assertClose(out.m, ref.means, { atol: 1e-6, rtol: 1e-5, msg: 'batch mean' });
    assertClose(out.v, ref.vars, { atol: 1e-9, rtol: 1e-4, msg: 'biased batch variance' });
    // ε really is 1e-5: with ε = 0 column 0 would come out ~1.4 times larger
    const noEps = batchNorm64(x, N, W, gamma, beta, 0);
    assert.ok(Math.abs(noEps.y[0] - out.y[0]) > 0.05, 'ε does not matter in this test');
    // the running statistics are untouched by the forward pass
    assert.deepEqual(Array.from(bn.runningMean.dataSync()), new Array(W).fill(0));
    Object.values(bn).forEach((v) => v.dispose());
  });

  test("training mode's closed-form gradient equals autodiff of the formula, for x, gamma and beta", () => {
    const N = 64;
    const W = 12;
    const x = f32(randn(N * W, 91, 3, 1));
    const c = f32(randn(N * W, 92));
    const bn = createBatchNorm(W, 'grad-test');
    bn.gamma.assign(tf.tensor1d(f32(randn(W, 93, 0.5, 1))));
    bn.beta.assign(tf.tensor1d(f32(randn(W, 94, 0.5))));
    const [ours, autodiff] = tf.tidy(() => {
      const xt = tf.tensor2d(x, [N, W]);
      const ct = tf.tensor2d(c, [N, W]);
      const plain = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean: m, variance: v } = tf.moments(xx, 0);
        return tf.add(tf.mul(tf.div(tf.sub(xx, m), tf.sqrt(tf.add(v, 1e-5 /* PyTorch's BatchNorm1d eps */))), g), b);
      };
      const lossOurs = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        return tf.sum(tf.mul(batchNorm(xx as tf.Tensor2D, { ...bn, gamma: g as tf.Variable, beta: b as tf.Variable }, true).y, ct));
      };
      const lossPlain = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(plain(xx, g, b), ct));
      return [
        tf.grads(lossOurs)([xt, bn.gamma, bn.beta]).map((t) => Array.from(t.dataSync())),
        tf.grads(lossPlain)([xt, bn.gamma, bn.beta]).map((t) => Array.from(t.dataSync())),
      ];
    });
    ['dx', 'dgamma', 'dbeta'].forEach((name, i) => {
      const scale = Math.max(...autodiff[i].map(Math.abs));
      assertClose(ours[i], autodiff[i], { atol: 1e-5 * scale, msg: name });
    });
    for (const v of Object.values(bn)) (v as tf.Variable).dispose();
  });

  test('evaluation mode uses the running statistics', () => {
    const bn = createBatchNorm(W, 'bn-eval');
    const rm = f32(randn(W, 8, 0.3));
    const rv = f32(randn(W, 9).map((v) => 0.5 + Math.abs(v)));
    bn.gamma.assign(tf.tensor1d(gamma));
    bn.beta.assign(tf.tensor1d(beta));
    bn.runningMean.assign(tf.tensor1d(rm));
    bn.runningVar.assign(tf.tensor1d(rv));
    const y = tf.tidy(() => {
      const r = batchNorm(tf.tensor2d(x, [N, W]), bn, false);
      assert.equal(r.moments, undefined);
      return Array.from(r.y.dataSync());
    });
    const expected = x.map((v, k) => {
      const j = k % W;
      return ((v - rm[j]) / Math.sqrt(rv[j] + 1e-5)) * gamma[j] + beta[j];
    });
    assertClose(y, expected, { atol: 1e-5, rtol: 1e-5, msg: 'eval y' });
    // one example alone gives the same output as inside the batch
    const single = tf.tidy(() => Array.from(batchNorm(tf.tensor2d(x.slice(0, W), [1, W]), bn, false).y.dataSync()));
    assertClose(single, y.slice(0, W), { atol: 1e-6, msg: 'single example' });
    Object.values(bn).forEach((v) => v.dispose());
  });

  test('updateRunningStats: 0.9·old + 0.1·batch, with the unbiased batch variance', () => {
    const n = 4; // n / (n - 1) = 4/3: the biased variance would be visibly off
    const xs = f32(randn(n * W, 10, 1.7, 0.4));
    const bn = createBatchNorm(W, 'bn-run');
    const rm0 = f32(randn(W, 11));
    const rv0 = f32(randn(W, 12).map((v) => 1 + Math.abs(v)));
    bn.runningMean.assign(tf.tensor1d(rm0));
    bn.runningVar.assign(tf.tensor1d(rv0));
    let expMean = rm0;
    let expVar = rv0;
    for (let step = 0; step < 2; step++) {
      const batch = step === 0 ? xs : xs.map((v) => v * 2 - 1);
      tf.tidy(() => {
        const r = batchNorm(tf.tensor2d(batch, [n, W]), bn, true);
        assert.ok(r.moments, 'the batch moments in training mode');
        updateRunningStats(bn, r.moments, n);
      });
      const cols = Array.from({ length: W }, (_, j) => Array.from({ length: n }, (_, i) => batch[i * W + j]));
      expMean = expMean.map((m, j) => 0.9 * m + 0.1 * mean(cols[j]));
      expVar = expVar.map((v, j) => 0.9 * v + 0.1 * variance(cols[j], true));
      assertClose(Array.from(bn.runningMean.dataSync()), expMean, { atol: 1e-6, rtol: 1e-5, msg: `running mean, step ${step + 1}` });
      assertClose(Array.from(bn.runningVar.dataSync()), expVar, { atol: 1e-6, rtol: 1e-5, msg: `running var, step ${step + 1}` });
    }
    Object.values(bn).forEach((v) => v.dispose());
  });

  test('createBatchNorm starts at gamma 1, beta 0, running mean 0, running var 1, and frees what it made', () => {
    const before = tf.memory().numTensors;
    const bn = createBatchNorm(3, 'bn-init');
    assert.deepEqual(Array.from(bn.gamma.dataSync()), [1, 1, 1]);
    assert.deepEqual(Array.from(bn.beta.dataSync()), [0, 0, 0]);
    assert.deepEqual(Array.from(bn.runningMean.dataSync()), [0, 0, 0]);
    assert.deepEqual(Array.from(bn.runningVar.dataSync()), [1, 1, 1]);
    assert.equal(bn.gamma.trainable, true);
    assert.equal(bn.runningMean.trainable, false);
    assert.equal(tf.memory().numTensors, before + 4);
    Object.values(bn).forEach((v) => v.dispose());
    assert.equal(tf.memory().numTensors, before);
  });
});

const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

describe('batchNorm against torch.nn.BatchNorm1d', { skip: hasTorch ? false : 'python3 with torch is not installed' }, () => {
  test('training output, running statistics after one step, evaluation output', () => {
    const N = 10;
    const W = 5;
    const x = f32(randn(N * W, 21, 2, 1));
    const gamma = f32(randn(W, 22, 0.3, 1));
    const beta = f32(randn(W, 23, 0.3));
    const script = `
import json, sys, torch
d = json.load(sys.stdin)
bn = torch.nn.BatchNorm1d(${W})
with torch.no_grad():
    bn.weight.copy_(torch.tensor(d['gamma']))
    bn.bias.copy_(torch.tensor(d['beta']))
x = torch.tensor(d['x'], dtype=torch.float32).reshape(${N}, ${W})
bn.train()
y = bn(x)
bn.eval()
ye = bn(x)
print(json.dumps({'y': y.detach().flatten().tolist(), 'rm': bn.running_mean.tolist(), 'rv': bn.running_var.tolist(),
                  'ye': ye.detach().flatten().tolist()}))
`;
    const run = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ x, gamma, beta }), encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const ref = JSON.parse(run.stdout) as { y: number[]; rm: number[]; rv: number[]; ye: number[] };
    const bn = createBatchNorm(W, 'bn-torch');
    bn.gamma.assign(tf.tensor1d(gamma));
    bn.beta.assign(tf.tensor1d(beta));
    const y = tf.tidy(() => {
      const r = batchNorm(tf.tensor2d(x, [N, W]), bn, true);
      assert.ok(r.moments, 'the batch moments in training mode');
      updateRunningStats(bn, r.moments, N);
      return Array.from(r.y.dataSync());
    });
    assertClose(y, ref.y, { atol: 1e-5, rtol: 1e-5, msg: 'train y vs torch' });
    assertClose(Array.from(bn.runningMean.dataSync()), ref.rm, { atol: 1e-6, rtol: 1e-5, msg: 'running mean vs torch' });
    assertClose(Array.from(bn.runningVar.dataSync()), ref.rv, { atol: 1e-6, rtol: 1e-5, msg: 'running var vs torch' });
    const ye = tf.tidy(() => Array.from(batchNorm(tf.tensor2d(x, [N, W]), bn, false).y.dataSync()));
    assertClose(ye, ref.ye, { atol: 1e-5, rtol: 1e-5, msg: 'eval y vs torch' });
    Object.values(bn).forEach((v) => v.dispose());
  });
});
