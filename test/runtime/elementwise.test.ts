/**
 * The fused element-wise kernels (lib/runtime/elementwise.ts) against the tfjs ops they replace, bit for
 * bit: on the wasm backend the module runs them, and every float32 result must be the very value the
 * plain ops give (same operations, same order, IEEE float32). Sizes that are not multiples of four (the
 * module's tails), every byte value, a heap that grows between calls, and the fallbacks elsewhere.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { fusedKernelsActive, fusedSigmoidBackward, fusedUnitBytes } from '../../lib/runtime/elementwise';
import { f32, randn, rng } from '../helpers';

before(async () => {
  assert.equal(await initBackend(), 'wasm', 'these tests are about the wasm backend');
});

/** Index of the first element where the two differ as float32 bit patterns (NaN included), or -1. */
function firstBitDifference(a: tf.Tensor, b: tf.Tensor): number {
  const x = new Uint32Array(Float32Array.from(a.dataSync()).buffer);
  const y = new Uint32Array(Float32Array.from(b.dataSync()).buffer);
  assert.equal(x.length, y.length);
  return x.findIndex((v, i) => v !== y[i]);
}

describe('fused element-wise kernels', () => {
  it('the sigmoid backward dy · (y · (1 − y)) is bit-identical to the tfjs ops, every size', () => {
    assert.ok(fusedKernelsActive(), 'the module is in use on wasm');
    for (const n of [1, 3, 4, 5, 8, 127, 512 * 128, 512 * 128 + 3]) {
      const y = tf.sigmoid(tf.tensor1d(f32(randn(n, n, 4))));
      const dy = tf.tensor1d(f32(randn(n, n + 1, 1e-3)));
      const fused = fusedSigmoidBackward(dy, y) as tf.Tensor;
      const plain = tf.mul(dy, tf.mul(y, tf.sub(tf.onesLike(y), y)));
      assert.equal(firstBitDifference(fused, plain), -1, `n ${n}`);
      tf.dispose([y, dy, fused, plain]);
    }
    // Special values pass through as the plain ops take them.
    const y = tf.tensor1d([0, 1, 0.5, NaN, Infinity, -0, 1e-30]);
    const dy = tf.tensor1d([1, -1, Infinity, 1, 1, 2, 1e30]);
    const fused = fusedSigmoidBackward(dy, y) as tf.Tensor;
    assert.equal(firstBitDifference(fused, tf.mul(dy, tf.mul(y, tf.sub(tf.onesLike(y), y)))), -1, 'special values');
    tf.dispose([y, dy, fused]);
  });

  it('the sigmoid backward declines what it does not handle', () => {
    const y = tf.ones([4, 3]);
    assert.equal(fusedSigmoidBackward(tf.ones([3, 4]), y), null, 'different shapes');
    assert.equal(fusedSigmoidBackward(tf.ones([4, 3], 'int32'), y), null, 'int32');
  });

  it('a batch\'s bytes / 255: every byte value as the tfjs division gives it, tails, the heap growing', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const t = fusedUnitBytes(all, [16, 16]) as tf.Tensor;
    assert.deepEqual(t.shape, [16, 16]);
    Array.from(t.dataSync()).forEach((v, b) => assert.equal(v, Math.fround(b / 255), `byte ${b}`));
    t.dispose();
    const r = rng(7);
    for (const n of [1, 2, 3, 5, 784, 512 * 784 + 1]) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      const fused = fusedUnitBytes(bytes, [n]) as tf.Tensor;
      const plain = tf.div(tf.tensor1d(new Float32Array(bytes)), 255);
      assert.equal(firstBitDifference(fused, plain), -1, `n ${n}`);
      tf.dispose([fused, plain]);
    }
    // A bigger batch than any before grows the scratch block; a tensor made in between grows the heap.
    const big = Uint8Array.from({ length: 3 * 512 * 784 }, (_, i) => (i * 31) % 256);
    const filler = tf.zeros([32 * 1024 * 1024]);
    const out = fusedUnitBytes(big, [3 * 512, 784]) as tf.Tensor;
    assert.equal(firstBitDifference(out, tf.div(tf.tensor2d(new Float32Array(big), [3 * 512, 784]), 255)), -1, 'after growth');
    tf.dispose([filler, out]);
    assert.throws(() => fusedUnitBytes(new Uint8Array(10), [3, 4]), /10 bytes do not fill shape \[3,4\]/);
  });

  it('elsewhere the functions return null and the callers run the tfjs ops', async () => {
    await tf.setBackend('cpu');
    try {
      assert.ok(!fusedKernelsActive());
      assert.equal(fusedSigmoidBackward(tf.ones([2]), tf.ones([2])), null);
      assert.equal(fusedUnitBytes(new Uint8Array(2), [2]), null);
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
