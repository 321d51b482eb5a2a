/** The study's loss: PyTorch's `CrossEntropyLoss` over the logits of the output layer. */
import * as tf from '@tensorflow/tfjs';

/**
 * Mean softmax cross-entropy over the batch (PyTorch's `CrossEntropyLoss`), with its closed-form
 * gradient dL/dlogits = (softmax(logits) - onehot(labels)) / batch instead of autodiff through the
 * log-softmax (a dozen fewer small ops per step).
 */
export const crossEntropy: (logits: tf.Tensor2D, labels: tf.Tensor1D) => tf.Scalar = tf.customGrad((logits, labels, save) => {
  const z = logits as tf.Tensor2D;
  const logp = tf.logSoftmax(z);
  const onehot = tf.oneHot(labels as tf.Tensor1D, z.shape[1]);
  (save as tf.GradSaveFunc)([logp, onehot]);
  return {
    value: tf.neg(tf.div(tf.sum(tf.mul(onehot, logp)), z.shape[0])) as tf.Scalar,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [lp, oh] = saved;
      return [tf.mul(tf.sub(tf.exp(lp), oh), tf.div(dy, lp.shape[0])), tf.zeros((labels as tf.Tensor).shape)];
    },
  };
}) as (logits: tf.Tensor2D, labels: tf.Tensor1D) => tf.Scalar;
