import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { gradNorm, normalizeGradient } from '../../lib/network/gradnorm';
import { assertClose, f32, mean, randn, std } from '../helpers';

before(async () => {
  await initBackend();
});

/** (g - mean(g)) / (unbiased std(g) + 1e-6) over the whole tensor, float64. */
function normalized64(g: number[]): number[] {
  const m = mean(g);
  const s = std(g, true);
  return g.map((v) => (v - m) / (s + 1e-6));
}

describe('gradNorm', () => {
  const shape: [number, number] = [6, 7];
  const x = f32(randn(42, 31, 2));

  test('forward is the identity', () => {
    const y = tf.tidy(() => Array.from(gradNorm(tf.tensor2d(x, shape)).dataSync()));
    assert.deepEqual(y, x);
  });

  test('backward of sum(gradNorm(x) · c) is (c - mean c) / (unbiased std c + 1e-6)', () => {
    const c = f32(randn(42, 32, 0.01, 0.003));
    const g = tf.tidy(() => {
      const ct = tf.tensor2d(c, shape);
      return Array.from(tf.grad((xt: tf.Tensor) => tf.sum(tf.mul(gradNorm(xt), ct)))(tf.tensor2d(x, shape)).dataSync());
    });
    assertClose(g, normalized64(c), { atol: 1e-5, msg: 'normalised gradient' });
    // the unbiased std, not the biased one: with 42 elements they differ by 1.2 %
    const biased = c.map((v) => (v - mean(c)) / (std(c, false) + 1e-6));
    assert.ok(g.some((v, i) => Math.abs(v - biased[i]) > 1e-3), 'matches the biased std instead');
  });

  test('ε = 1e-6 is added to the std: a tiny gradient is not blown up to unit spread', () => {
    // alternating ±1e-6: unbiased std ≈ 1.01e-6, so the result is ≈ ±0.5, not ±1
    const c = Array.from({ length: 42 }, (_, i) => (i % 2 ? 1e-6 : -1e-6));
    const g = tf.tidy(() => {
      const ct = tf.tensor2d(c, shape);
      return Array.from(tf.grad((xt: tf.Tensor) => tf.sum(tf.mul(gradNorm(xt), ct)))(tf.tensor2d(x, shape)).dataSync());
    });
    assertClose(g, normalized64(c), { atol: 1e-4, msg: 'tiny gradient' });
    assert.ok(Math.abs(g[0]) < 0.6 && Math.abs(g[0]) > 0.4, 'Math.abs(g[0]) < 0.6 && Math.abs(g[0]) > 0.4');
  });

  test('normalises the gradient arriving from above, then the chain rule continues below', () => {
    // d/dx sum(c · gradNorm(x²)) = 2x · normalised(c)
    const c = f32(randn(42, 33));
    const g = tf.tidy(() => {
      const ct = tf.tensor2d(c, shape);
      return Array.from(tf.grad((xt: tf.Tensor) => tf.sum(tf.mul(gradNorm(tf.square(xt)), ct)))(tf.tensor2d(x, shape)).dataSync());
    });
    const nc = normalized64(c);
    assertClose(g, x.map((v, i) => 2 * v * nc[i]), { atol: 1e-4, rtol: 1e-4, msg: 'chain rule' });
  });

  test('normalizeGradient is the same formula', () => {
    const c = f32(randn(42, 34, 5, 1));
    const out = tf.tidy(() => Array.from(normalizeGradient(tf.tensor2d(c, shape)).dataSync()));
    assertClose(out, normalized64(c), { atol: 1e-5, msg: 'normalizeGradient' });
  });
});
