import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { AdamSpec, createOptimizer, describeOptimizer } from '../../lib/network/optimizers';
import { OPTIMIZER_DEFAULTS } from '../../lib/spec/spec';
import { assertClose, f32, randn } from '../helpers';

before(async () => {
  await initBackend();
});

describe('SGD', () => {
  test('subtracts exactly lr · g and returns that update', () => {
    const lr = 0.037;
    const w0 = f32(randn(20, 1));
    const g = f32(randn(20, 2, 0.5));
    const v = tf.variable(tf.tensor1d(w0));
    const opt = createOptimizer({ kind: 'sgd', lr });
    const update = tf.tidy(() => Array.from(opt.apply([v], [tf.tensor1d(g)])[0].dataSync()));
    // float32 arithmetic done by hand: fround(fround(g) · fround(lr)), then fround(w - update)
    const expectedUpdate = g.map((gi) => Math.fround(gi * Math.fround(lr)));
    assert.deepEqual(update, expectedUpdate);
    assert.deepEqual(Array.from(v.dataSync()), w0.map((w, i) => Math.fround(w - expectedUpdate[i])));
    opt.dispose();
    v.dispose();
  });

  test('updates several variables, each from its own gradient', () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor2d([[3]]));
    const opt = createOptimizer({ kind: 'sgd', lr: 0.5 });
    tf.tidy(() => {
      opt.apply([a, b], [tf.tensor1d([2, -4]), tf.tensor2d([[1]])]);
    });
    assert.deepEqual(Array.from(a.dataSync()), [0, 4]);
    assert.deepEqual(Array.from(b.dataSync()), [2.5]);
    a.dispose();
    b.dispose();
  });
});

/** Kingma & Ba 2015 in float64 with PyTorch's defaults. */
function adam64(w0: number[], grads: number[][], lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8) {
  const w = [...w0];
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  const updates: number[][] = [];
  grads.forEach((g, step) => {
    const t = step + 1;
    const u = w.map((_, i) => {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2;
      const mHat = m[i] / (1 - b1 ** t);
      const vHat = v[i] / (1 - b2 ** t);
      return (lr * mHat) / (Math.sqrt(vHat) + eps);
    });
    u.forEach((ui, i) => (w[i] -= ui));
    updates.push(u);
  });
  return { w, updates };
}

/** Adam at `lr` with the defaults a run spec fills in (spec.ts), which must be PyTorch's. */
const adam = (lr: number): AdamSpec => ({ ...OPTIMIZER_DEFAULTS.adam, lr });

describe('Adam', () => {
  const lr = 0.01;
  const w0 = f32(randn(30, 3));
  // three different gradients, one component zero at every step and one tiny
  const grads = [0, 1, 2].map((s) => f32(randn(30, 10 + s, 1 + s)).map((g, i) => (i === 0 ? 0 : i === 1 ? g * 1e-7 : g)));

  test('three steps match a float64 implementation of Kingma & Ba with PyTorch defaults', () => {
    const v = tf.variable(tf.tensor1d(w0));
    const opt = createOptimizer(adam(lr));
    const ref = adam64(w0, grads, lr);
    grads.forEach((g, step) => {
      const before = Array.from(v.dataSync());
      const update = tf.tidy(() => Array.from(opt.apply([v], [tf.tensor1d(g)])[0].dataSync()));
      const after = Array.from(v.dataSync());
      assertClose(update, ref.updates[step], { atol: 1e-6, msg: `update, step ${step + 1}` });
      // the returned update is what was subtracted
      assertClose(before.map((b, i) => b - after[i]), update, { atol: 1e-6, msg: `subtracted, step ${step + 1}` });
    });
    assertClose(Array.from(v.dataSync()), ref.w, { atol: 1e-6, msg: 'weights after 3 steps' });
    // the first step of Adam moves every weight with a non-zero gradient by ≈ lr
    assertClose(Math.abs(ref.updates[0][5]), lr, { rtol: 1e-3, msg: 'first step size' });
    opt.dispose();
    v.dispose();
  });

  test('agrees with tf.train.adam(lr, 0.9, 0.999, 1e-8)', () => {
    const ours = tf.variable(tf.tensor1d(w0));
    const theirs = tf.variable(tf.tensor1d(w0));
    const opt = createOptimizer(adam(lr));
    const ref = tf.train.adam(lr, 0.9, 0.999, 1e-8);
    for (const g of grads) {
      tf.tidy(() => {
        opt.apply([ours], [tf.tensor1d(g)]);
        ref.applyGradients([{ name: theirs.name, tensor: tf.tensor1d(g) }]);
      });
    }
    assertClose(Array.from(ours.dataSync()), Array.from(theirs.dataSync()), { atol: 1e-6, msg: 'vs tf.train.adam' });
    opt.dispose();
    ref.dispose();
    ours.dispose();
    theirs.dispose();
  });

  test('keeps separate moments per variable and honours custom betas', () => {
    const a = tf.variable(tf.tensor1d(w0.slice(0, 10)));
    const b = tf.variable(tf.tensor1d(w0.slice(10, 20)));
    const opt = createOptimizer({ kind: 'adam', lr: 0.1, beta1: 0.5, beta2: 0.9, epsilon: 1e-3 });
    for (const g of grads) {
      tf.tidy(() => {
        opt.apply([a, b], [tf.tensor1d(g.slice(0, 10)), tf.tensor1d(g.slice(10, 20))]);
      });
    }
    const refA = adam64(w0.slice(0, 10), grads.map((g) => g.slice(0, 10)), 0.1, 0.5, 0.9, 1e-3);
    const refB = adam64(w0.slice(10, 20), grads.map((g) => g.slice(10, 20)), 0.1, 0.5, 0.9, 1e-3);
    assertClose(Array.from(a.dataSync()), refA.w, { atol: 1e-6, msg: 'a' });
    assertClose(Array.from(b.dataSync()), refB.w, { atol: 1e-6, msg: 'b' });
    opt.dispose();
    a.dispose();
    b.dispose();
  });

  test('dispose frees its moment estimates', () => {
    const before = tf.memory().numTensors;
    const v = tf.tidy(() => tf.variable(tf.tensor1d([1, 2, 3])));
    const opt = createOptimizer(adam(1e-3));
    tf.tidy(() => {
      opt.apply([v], [tf.tensor1d([1, 1, 1])]);
    });
    assert.equal(tf.memory().numTensors, before + 3, 'the variable and its two moments');
    opt.dispose();
    v.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('optimizer specs', () => {
  test('describeOptimizer names the kind and the learning rate', () => {
    assert.equal(describeOptimizer(adam(0.001)), 'Adam lr 0.001');
  });
});
