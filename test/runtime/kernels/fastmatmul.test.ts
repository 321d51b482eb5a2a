/**
 * The fast path computes what the stock one does: OpenBLAS matrix products against the wasm
 * backend's own kernel, the dense layer's gradients with either engine against plain autodiff, and
 * a whole training step's gradients and statistics with the fast path against the stock one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../lib/runtime/backend';
import { disableNativeMatMul, enableNativeMatMul, nativeMatMulActive, nativeMatMulAvailable } from '../../../lib/runtime/kernels/fastmatmul';
import { dense } from '../../../lib/network/dense';
import { sigmoid } from '../../../lib/network/activations';
import { crossEntropy } from '../../../lib/network/loss';
import { buildMLP } from '../../../lib/network/models';
import { mlpSpec } from '../../helpers';

/** Largest |a - b| relative to the largest |b|: float32 products of different summation order. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** Runs `f` once with the stock kernel and once with OpenBLAS; returns both results as arrays. */
function bothWays(f: () => tf.Tensor[]): { stock: Float32Array[]; fast: Float32Array[] } {
  disableNativeMatMul();
  const stock = tf.tidy(() => f().map((t) => t.dataSync() as Float32Array));
  assert.ok(enableNativeMatMul());
  const fast = tf.tidy(() => f().map((t) => t.dataSync() as Float32Array));
  return { stock, fast };
}

describe('OpenBLAS matrix products on the wasm backend', () => {
  let available = false;
  before(async () => {
    await initBackend();
    available = nativeMatMulAvailable();
    if (!available && process.env.CI) assert.fail('nblas (OpenBLAS bindings) did not build: is libopenblas-dev installed before npm ci?');
  });
  after(() => {
    if (available) enableNativeMatMul();
  });

  it('is active by default where it is available', (t) => {
    if (!available) return t.skip('nblas is not installed here');
    assert.equal(nativeMatMulActive(), tf.getBackend() === 'wasm');
  });

  it('matches the stock kernel for every transpose combination and batched products', (t) => {
    if (!available) return t.skip('nblas is not installed here');
    const cases: Array<[number[], number[], boolean, boolean]> = [
      [[37, 19], [19, 23], false, false],
      [[19, 37], [19, 23], true, false],
      [[37, 19], [23, 19], false, true],
      [[19, 37], [23, 19], true, true],
      [[3, 8, 5], [3, 5, 7], false, false],
      [[512, 784], [784, 128], false, false],
      [[512, 784], [512, 128], true, false],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const { stock, fast } = bothWays(() => [tf.matMul(rand(sa, 1), rand(sb, 2), ta, tb)]);
      assert.ok(relErr(fast[0], stock[0]) < 1e-5, `[${sa}]${ta ? 'ᵀ' : ''} x [${sb}]${tb ? 'ᵀ' : ''}: ${relErr(fast[0], stock[0])}`);
    }
  });

  it('falls back to the stock kernel for broadcast batch dimensions', (t) => {
    if (!available) return t.skip('nblas is not installed here');
    const { stock, fast } = bothWays(() => [tf.matMul(rand([4, 6, 5], 3), rand([1, 5, 2], 4))]);
    assert.ok(relErr(fast[0], stock[0]) < 1e-6);
  });

  it('gives the dense layer the gradients of plain autodiff, with either engine', (t) => {
    if (!available) return t.skip('nblas is not installed here');
    const loss = (f: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor) => () => {
      const x = rand([64, 30], 5) as tf.Tensor2D;
      const w = rand([30, 20], 6) as tf.Tensor2D;
      const b = rand([20], 7) as tf.Tensor1D;
      const c = rand([64, 20], 8);
      const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D), c)));
      return g([x, w, b]);
    };
    disableNativeMatMul();
    const reference = tf.tidy(() => loss((x, w, b) => tf.add(tf.matMul(x, w), b))().map((g) => g.dataSync() as Float32Array));
    const { stock, fast } = bothWays(() => loss(dense)());
    for (const [name, i] of [['dx', 0], ['dW', 1], ['db', 2]] as const) {
      assert.ok(relErr(stock[i], reference[i]) < 1e-5, `${name} stock: ${relErr(stock[i], reference[i])}`);
      assert.ok(relErr(fast[i], reference[i]) < 1e-5, `${name} OpenBLAS: ${relErr(fast[i], reference[i])}`);
    }
  });

  it('gives a whole 784-128x7-10 training step the same gradients as the stock kernels', (t) => {
    if (!available) return t.skip('nblas is not installed here');
    const model = buildMLP(mlpSpec({ seed: 3 }));
    try {
      const step = () => {
        const x = tf.randomUniform([256, 784], 0, 1, 'float32', 11) as tf.Tensor2D;
        const y = tf.tensor1d(Array.from({ length: 256 }, (_, i) => i % 10), 'int32');
        const vars = model.trainable().map((v) => v.variable);
        const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, { training: true }), y), vars);
        return [value, ...vars.map((v) => grads[v.name])];
      };
      const { stock, fast } = bothWays(step);
      assert.ok(relErr(fast[0], stock[0]) < 1e-6, 'loss');
      for (let i = 1; i < stock.length; i++) assert.ok(relErr(fast[i], stock[i]) < 1e-5, `gradient ${i}: ${relErr(fast[i], stock[i])}`);
    } finally {
      model.dispose();
    }
  });
});

describe("the sigmoid's gradient without the scalar broadcast", () => {
  it('is bit-identical to tfjs\'s own', async () => {
    await initBackend();
    const [ours, theirs] = tf.tidy(() => {
      const z = tf.mul(rand([512, 128], 9), 6);
      const c = rand([512, 128], 10);
      return [
        tf.grad((x: tf.Tensor) => tf.sum(tf.mul(sigmoid(x), c)))(z).dataSync(),
        tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(x), c)))(z).dataSync(),
      ];
    });
    assert.deepEqual(ours, theirs);
  });
});
