/**
 * Gradient normalisation, the study's last remedy: a layer that does nothing in the forward pass and,
 * in the backward pass, rescales the gradient flowing through it to zero mean and unit spread:
 *
 *     forward:  y = x
 *     backward: dL/dx = (g - mean(g)) / (std(g) + 1e-6),  g = dL/dy,
 *
 * mean and unbiased std taken over the whole gradient tensor (the batch and all units). Placed after
 * every hidden activation, it stops the gradient from shrinking layer after layer, whatever the
 * activations' slopes; the price is that the gradient's size no longer tells how far the loss is
 * from a minimum.
 */
import * as tf from '@tensorflow/tfjs';
import { wholeMoments } from './normalization';

export const GRAD_NORM_EPS = 1e-6;

/**
 * The backward formula. mean(g) and std(g) are numbers, one float64 pass over g (`wholeMoments`);
 * subtracting and dividing are the only tfjs ops.
 */
export function normalizeGradient(g: tf.Tensor): tf.Tensor {
  const { mean, std } = wholeMoments(g);
  return tf.tidy(() => tf.div(tf.sub(g, mean), std + GRAD_NORM_EPS));
}

/** Identity forward, normalised gradient backward. */
export const gradNorm: (x: tf.Tensor) => tf.Tensor = tf.customGrad((x, save) => {
  void save;
  return { value: tf.clone(x as tf.Tensor), gradFunc: (dy: tf.Tensor) => normalizeGradient(dy) };
}) as (x: tf.Tensor) => tf.Tensor;
