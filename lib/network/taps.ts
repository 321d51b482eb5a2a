/**
 * Gradient taps: the TypeScript counterpart of PyTorch's `tensor.register_hook`.
 *
 * `gradientTap(onGradient)` returns an identity function. Put it on any tensor of the forward pass;
 * during backpropagation it is handed dL/dh at exactly that point, then passes the gradient on
 * unchanged. The callback runs inside tfjs's gradient computation: whatever it wants to keep must go
 * through `tf.keep` and be disposed by its owner.
 */
import * as tf from '@tensorflow/tfjs';

export type GradientCallback = (dy: tf.Tensor) => void;

export function gradientTap(onGradient: GradientCallback): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((x, save) => {
    void save;
    return {
      value: tf.clone(x as tf.Tensor),
      gradFunc: (dy: tf.Tensor) => {
        onGradient(dy);
        return dy;
      },
    };
  }) as (x: tf.Tensor) => tf.Tensor;
}
