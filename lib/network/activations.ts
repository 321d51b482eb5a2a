/**
 * Activation functions and what "saturated" means for each.
 *
 * Saturation rule: a sigmoid unit is saturated when its output is within 0.01 of 0 or 1 (its slope
 * σ' = σ(1-σ) is then below 0.0099, a 25x cut of the best case 0.25); a tanh unit when |output| > 0.99
 * (slope below 0.02); a ReLU unit when its output is exactly 0 (slope 0: a "dead" unit for that example).
 */
import * as tf from '@tensorflow/tfjs';
import { fusedReluBackward, fusedSigmoidBackward } from '../runtime/kernels/elementwise';

export type Activation = 'sigmoid' | 'relu' | 'tanh';
export const ACTIVATIONS: readonly Activation[] = ['sigmoid', 'relu', 'tanh'];
export const SATURATION_MARGIN = 0.01;

/**
 * σ(z) with tfjs's own gradient dy · y · (1 - y), as three tfjs ops, 1 - y taken against a tensor of
 * ones rather than the scalar 1 (a scalar on the left takes a slow generic broadcast on wasm). On the
 * wasm backend the same float32 operations run fused in one pass on the heap
 * (runtime/kernels/elementwise.ts), once a check at start has found it gives this formula's very bits
 * (network/fusedcheck.ts).
 */
export const sigmoid = tf.customGrad((z, save) => {
  const y = tf.sigmoid(z as tf.Tensor);
  (save as tf.GradSaveFunc)([y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, [y]: tf.Tensor[]) => fusedSigmoidBackward(dy, y) ?? tf.mul(dy, tf.mul(y, tf.sub(tf.onesLike(y), y))),
  };
}) as (z: tf.Tensor) => tf.Tensor;

/**
 * ReLU, max(0, z), with tfjs's own gradient written out: dy · step(z), 1 where z > 0 and 0 elsewhere,
 * so a unit whose input is negative passes no gradient back. On the wasm backend, fused into one pass
 * (runtime/kernels/elementwise.ts) once checked at start to give this formula's very bits.
 */
export const relu = tf.customGrad((z, save) => {
  (save as tf.GradSaveFunc)([z as tf.Tensor]);
  return {
    value: tf.relu(z as tf.Tensor),
    gradFunc: (dy: tf.Tensor, [z]: tf.Tensor[]) => fusedReluBackward(dy, z) ?? tf.mul(dy, tf.step(z)),
  };
}) as (z: tf.Tensor) => tf.Tensor;

export function activate(kind: Activation, z: tf.Tensor): tf.Tensor {
  switch (kind) {
    case 'sigmoid':
      return sigmoid(z);
    case 'relu':
      return relu(z);
    case 'tanh':
      return tf.tanh(z);
  }
}

/** Fraction (scalar in [0, 1]) of the activation's outputs `a` that are saturated, per the rule above. */
export function saturationFraction(kind: Activation, a: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    let saturated: tf.Tensor;
    switch (kind) {
      case 'sigmoid':
        saturated = tf.logicalOr(tf.less(a, SATURATION_MARGIN), tf.greater(a, 1 - SATURATION_MARGIN));
        break;
      case 'tanh':
        saturated = tf.greater(tf.abs(a), 1 - SATURATION_MARGIN);
        break;
      case 'relu':
        saturated = tf.equal(a, 0);
        break;
    }
    return tf.mean(tf.cast(saturated, 'float32')) as tf.Scalar;
  });
}

/** Human text of the rule, for plot titles and notebook prose. */
export function saturationRule(kind: Activation): string {
  switch (kind) {
    case 'sigmoid':
      return 'σ(z) < 0.01 or > 0.99';
    case 'tanh':
      return '|tanh(z)| > 0.99';
    case 'relu':
      return 'ReLU output exactly 0';
  }
}
