import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { gradientTap } from '../../lib/network/taps';
import { assertClose, f32, matmul, randn, sigmoid } from '../helpers';

before(async () => {
  await initBackend();
});

describe('gradientTap', () => {
  // f(x, W) = Σ sigmoid(tap(x W))², x [3, 5], W [5, 4]
  const xv = f32(randn(15, 41));
  const wv = f32(randn(20, 42, 0.7));

  function run(withTap: boolean) {
    const recorded: tf.Tensor[] = [];
    let calls = 0;
    const tap = gradientTap((dy) => {
      calls++;
      recorded.push(tf.keep(tf.clone(dy)));
    });
    const out = tf.tidy(() => {
      const x = tf.tensor2d(xv, [3, 5]);
      const w = tf.tensor2d(wv, [5, 4]);
      const f = (a: tf.Tensor, b: tf.Tensor) => {
        const h = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
        return tf.sum(tf.square(tf.sigmoid(withTap ? tap(h) : h)));
      };
      const { value, grads } = tf.valueAndGrads(f)([x, w]);
      return { value: value.dataSync()[0], dx: Array.from(grads[0].dataSync()), dw: Array.from(grads[1].dataSync()) };
    });
    const dy = recorded.map((t) => {
      const v = Array.from(t.dataSync());
      t.dispose();
      return v;
    });
    return { ...out, dy, calls };
  }

  test('records dL/dh equal to the gradient of the function split at h', () => {
    const { dy, calls } = run(true);
    assert.equal(calls, 1, 'the callback runs once per backward pass');
    // independently: the gradient of g(h) = Σ sigmoid(h)² with respect to h, by tf.grad on the upper part
    const expected = tf.tidy(() => {
      const h = tf.matMul(tf.tensor2d(xv, [3, 5]), tf.tensor2d(wv, [5, 4]));
      return Array.from(tf.grad((ht: tf.Tensor) => tf.sum(tf.square(tf.sigmoid(ht))))(h).dataSync());
    });
    assertClose(dy[0], expected, { atol: 1e-7, rtol: 1e-6, msg: 'dy vs split gradient' });
    // and by hand: d/dh σ(h)² = 2 σ(h)² (1 - σ(h))
    const h64 = matmul(xv, wv, 3, 5, 4);
    const hand = h64.map((z) => 2 * sigmoid(z) ** 2 * (1 - sigmoid(z)));
    assertClose(dy[0], hand, { atol: 1e-6, rtol: 1e-5, msg: 'dy vs hand' });
  });

  test('changes neither the forward value nor the overall gradient', () => {
    const tapped = run(true);
    const plain = run(false);
    assert.equal(tapped.value, plain.value);
    assert.deepEqual(tapped.dx, plain.dx);
    assert.deepEqual(tapped.dw, plain.dw);
    const y = tf.tidy(() => Array.from(gradientTap(() => assert.fail('called without a backward pass'))(tf.tensor1d([1, -2, 3])).dataSync()));
    assert.deepEqual(y, [1, -2, 3]);
  });

  test('two taps in a chain see the gradient at their own point', () => {
    // f(x) = Σ c · tanh(tap2(3 · tap1(x)))
    const x = f32(randn(6, 43));
    const c = f32(randn(6, 44));
    const seen: Record<string, number[]> = {};
    const tap1 = gradientTap((dy) => (seen.t1 = Array.from(dy.dataSync())));
    const tap2 = gradientTap((dy) => (seen.t2 = Array.from(dy.dataSync())));
    tf.tidy(() => {
      const ct = tf.tensor1d(c);
      tf.grad((xt: tf.Tensor) => tf.sum(tf.mul(ct, tf.tanh(tap2(tf.mul(tap1(xt), 3))))))(tf.tensor1d(x));
    });
    const t2 = x.map((v, i) => c[i] * (1 - Math.tanh(3 * v) ** 2));
    assertClose(seen.t2, t2, { atol: 1e-6, rtol: 1e-5, msg: 'tap2' });
    assertClose(seen.t1, t2.map((v) => 3 * v), { atol: 1e-6, rtol: 1e-5, msg: 'tap1' });
  });

  test('leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    run(true);
    assert.equal(tf.memory().numTensors, before);
  });
});
