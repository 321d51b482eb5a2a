import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { crossEntropy } from '../../lib/network/loss';
import { assertClose, f32, meanCrossEntropy, randn } from '../helpers';

before(async () => {
  await initBackend();
});

describe('crossEntropy', () => {
  test('equals the hand-computed mean softmax cross-entropy', () => {
    const logits = f32(randn(6 * 10, 81, 3));
    const labels = [0, 3, 9, 9, 4, 1];
    const ce = tf.tidy(() => crossEntropy(tf.tensor2d(logits, [6, 10]), tf.tensor1d(labels, 'int32')).dataSync()[0]);
    assertClose(ce, meanCrossEntropy(logits, labels, 10), { rtol: 1e-6, msg: 'cross-entropy' });
  });

  test('its gradient is (softmax - onehot) / batch, as autodiff of the log-softmax formula gives', () => {
    const logits = f32(randn(8 * 10, 82, 4));
    const labels = [0, 3, 9, 9, 4, 1, 7, 2];
    const [ours, autodiff] = tf.tidy(() => {
      const z = tf.tensor2d(logits, [8, 10]);
      const y = tf.tensor1d(labels, 'int32');
      const plain = (x: tf.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(y, 10), tf.logSoftmax(x as tf.Tensor2D)), 1)));
      return [tf.grad((x: tf.Tensor) => tf.mul(crossEntropy(x as tf.Tensor2D, y), 3))(z).dataSync(), tf.grad((x: tf.Tensor) => tf.mul(plain(x), 3))(z).dataSync()];
    });
    // By hand too: 3 · (softmax - onehot) / 8 for one row.
    const row = Array.from(logits.slice(0, 10));
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const total = e.reduce((a, b) => a + b, 0);
    const byHand = e.map((v, k) => (3 * (v / total - (k === labels[0] ? 1 : 0))) / 8);
    assertClose(Array.from(ours), Array.from(autodiff), { atol: 1e-7, msg: 'custom gradient vs autodiff' });
    assertClose(Array.from(ours.slice(0, 10)), byHand, { atol: 1e-7, msg: 'custom gradient vs hand' });
  });

  test('is stable for large logits', () => {
    const logits = [1000, -1000, 0, 500, 2000, -3000];
    const labels = [0, 0];
    const ce = tf.tidy(() => crossEntropy(tf.tensor2d(logits, [2, 3]), tf.tensor1d(labels, 'int32')).dataSync()[0]);
    // row 1: the label logit 1000 is the max → ≈ 0; row 2: the label logit 500 is 1500 below the max → ≈ 1500
    assertClose(ce, 750, { rtol: 1e-4, msg: "by hand" });
    assertClose(ce, meanCrossEntropy(logits, labels, 3), { rtol: 1e-6, msg: 'large logits' });
  });
});
