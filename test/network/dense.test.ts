import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { dense } from '../../lib/network/dense';
import { assertClose, f32, randn } from '../helpers';

before(async () => {
  await initBackend();
});

/** Value and gradients of L = Σ c · (y)² + Σ y with y computed by `layer`. */
function valueAndGrads(
  layer: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D,
  xv: number[], wv: number[], bv: number[], cv: number[], n: number, k: number, m: number,
) {
  return tf.tidy(() => {
    const c = tf.tensor2d(cv, [n, m]);
    const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => {
      const y = layer(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D);
      return tf.add(tf.sum(tf.mul(c, tf.square(y))), tf.sum(y));
    };
    const y = layer(tf.tensor2d(xv, [n, k]), tf.tensor2d(wv, [k, m]), tf.tensor1d(bv));
    const { grads } = tf.valueAndGrads(f)([tf.tensor2d(xv, [n, k]), tf.tensor2d(wv, [k, m]), tf.tensor1d(bv)]);
    return {
      y: Array.from(y.dataSync()),
      dx: Array.from(grads[0].dataSync()),
      dw: Array.from(grads[1].dataSync()),
      db: Array.from(grads[2].dataSync()),
    };
  });
}

const stock = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.add(tf.matMul(x, w), b) as tf.Tensor2D;

describe('dense with its hand-written backward', () => {
  for (const [n, k, m] of [[7, 5, 3], [33, 40, 17], [1, 9, 4]] as const) {
    test(`value and gradients equal stock matMul + add autodiff, shapes [${n},${k}]·[${k},${m}]`, () => {
      const xv = f32(randn(n * k, n + 1));
      const wv = f32(randn(k * m, k + 2, 0.3));
      const bv = f32(randn(m, m + 3));
      const cv = f32(randn(n * m, 99));
      const ours = valueAndGrads((x, w, b) => dense(x, w, b), xv, wv, bv, cv, n, k, m);
      const ref = valueAndGrads(stock, xv, wv, bv, cv, n, k, m);
      for (const key of ['y', 'dx', 'dw', 'db'] as const) {
        const scale = Math.max(...ref[key].map(Math.abs));
        assertClose(ours[key], ref[key], { rtol: 1e-5, atol: 1e-6 * scale, msg: key });
      }
    });
  }

  test('inputGradient = false: dx is zeros, dW and db still match', () => {
    const [n, k, m] = [12, 10, 6];
    const xv = f32(randn(n * k, 51));
    const wv = f32(randn(k * m, 52, 0.3));
    const bv = f32(randn(m, 53));
    const cv = f32(randn(n * m, 54));
    const ours = valueAndGrads((x, w, b) => dense(x, w, b, false), xv, wv, bv, cv, n, k, m);
    const ref = valueAndGrads(stock, xv, wv, bv, cv, n, k, m);
    assert.deepEqual(ours.dx, new Array(n * k).fill(0));
    assert.ok(ref.dx.some((v) => v !== 0), 'ref.dx.some((v) => v !== 0)');
    assertClose(ours.y, ref.y, { rtol: 1e-5, atol: 1e-6, msg: 'y' });
    assertClose(ours.dw, ref.dw, { rtol: 1e-5, atol: 1e-6, msg: 'dw' });
    assertClose(ours.db, ref.db, { rtol: 1e-5, atol: 1e-6, msg: 'db' });
  });

  test('works with variables under tf.variableGrads, as the training loop uses it', () => {
    const w = tf.variable(tf.tensor2d(f32(randn(12, 61)), [4, 3]));
    const b = tf.variable(tf.tensor1d(f32(randn(3, 62))));
    const xv = f32(randn(8, 63));
    const grads = (layer: typeof stock) => tf.tidy(() => {
      const x = tf.tensor2d(xv, [2, 4]);
      const { grads: g } = tf.variableGrads(() => tf.sum(tf.sigmoid(layer(x, w, b))), [w, b]);
      return [Array.from(g[w.name].dataSync()), Array.from(g[b.name].dataSync())];
    });
    const ours = grads((x, ww, bb) => dense(x, ww, bb, false));
    const ref = grads(stock);
    assertClose(ours[0], ref[0], { rtol: 1e-5, atol: 1e-7, msg: 'dW' });
    assertClose(ours[1], ref[1], { rtol: 1e-5, atol: 1e-7, msg: 'db' });
    w.dispose();
    b.dispose();
  });
});
