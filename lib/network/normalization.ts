/**
 * Normalisation inside the network, placed between a Linear layer and its activation as in the study.
 */
import * as tf from '@tensorflow/tfjs';
import { columnSums } from '../runtime/reductions';
import { columnSum } from './dense';

/** PyTorch's `BatchNorm1d` defaults. */
export const BN_EPS = 1e-5;
/** Weight of the new batch in the running statistics (PyTorch `momentum=0.1`; tfjs would call it 0.9). */
export const BN_MOMENTUM = 0.1;

/** The parameters and running statistics of one BatchNorm layer over `width` features. */
export interface BatchNormState {
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

export function createBatchNorm(width: number, name: string): BatchNormState {
  // tidy frees the initial tensors (a variable keeps its own reference to the data), not the variables.
  return tf.tidy(() => ({
    gamma: tf.variable(tf.ones([width]), true, `${name}/gamma`),
    beta: tf.variable(tf.zeros([width]), true, `${name}/beta`),
    runningMean: tf.variable(tf.zeros([width]), false, `${name}/running_mean`),
    runningVar: tf.variable(tf.ones([width]), false, `${name}/running_var`),
  }));
}

/** Per-feature mean over the batch as [1, n] (see `columnSum`). */
function columnMean(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(columnSum(x), x.shape[0]);
}

/** Per-feature batch mean and biased variance, each [1, n]. */
function columnMoments(x: tf.Tensor2D): { mean: tf.Tensor2D; variance: tf.Tensor2D } {
  const mean = columnMean(x);
  return { mean, variance: columnMean(tf.square(tf.sub(x, mean)) as tf.Tensor2D) };
}

/**
 * Training-mode batch normalisation with its closed-form gradient (Ioffe & Szegedy 2015, §3):
 * dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/√(σ²+ε) · (dy − mean(dy) − x̂ · mean(dy·x̂)), sums over the batch.
 * Autodiff would get the same through tfjs's broadcast gradients, whose batch-axis sums are slow on wasm.
 */
const batchNormTrain = tf.customGrad((x, gamma, beta, save) => {
  const x2 = x as tf.Tensor2D;
  const { mean, variance } = columnMoments(x2);
  const invStd = tf.rsqrt(tf.add(variance, BN_EPS));
  const xHat = tf.mul(tf.sub(x2, mean), invStd);
  (save as tf.GradSaveFunc)([xHat, invStd, gamma as tf.Tensor]);
  return {
    value: tf.add(tf.mul(xHat, gamma as tf.Tensor), beta as tf.Tensor),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xh, inv, g] = saved;
      const dy2 = dy as tf.Tensor2D;
      const meanDy = columnMean(dy2);
      const meanDyXHat = columnMean(tf.mul(dy2, xh) as tf.Tensor2D);
      const dx = tf.mul(tf.mul(g, inv), tf.sub(tf.sub(dy2, meanDy), tf.mul(xh, meanDyXHat)));
      const n = dy2.shape[0];
      return [dx, tf.reshape(tf.mul(meanDyXHat, n), [g.size]), tf.reshape(tf.mul(meanDy, n), [g.size])];
    },
  };
}) as (x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor2D;

/** A batch's per-feature mean and biased variance, as plain numbers. */
export interface BatchMoments {
  mean: Float64Array;
  variance: Float64Array;
}

/**
 * Batch normalisation, Ioffe & Szegedy 2015, with PyTorch `BatchNorm1d` semantics:
 * training: y = γ · (x - μ_B) / sqrt(σ²_B + ε) + β with the batch mean μ_B and biased variance σ²_B;
 * evaluation: the running statistics replace μ_B and σ²_B.
 * In training it also returns the batch statistics, for `updateRunningStats` after the step.
 */
export function batchNorm(x: tf.Tensor2D, bn: BatchNormState, training: boolean): { y: tf.Tensor2D; moments?: BatchMoments } {
  if (!training) {
    const y = tf.add(tf.mul(tf.div(tf.sub(x, bn.runningMean), tf.sqrt(tf.add(bn.runningVar, BN_EPS))), bn.gamma), bn.beta);
    return { y: y as tf.Tensor2D };
  }
  return { y: batchNormTrain(x, bn.gamma, bn.beta), moments: batchMoments(x) };
}

/**
 * μ_B and σ²_B again, outside the op, as numbers read off x where it lies (one pass, float64): they
 * feed only the running averages and the statistics, so no gradient flows through them, and no tfjs op
 * is spent on them.
 */
export function batchMoments(x: tf.Tensor2D): BatchMoments {
  const n = x.shape[0];
  const { sum, sumSq } = columnSums(x, 'none');
  const mean = sum.map((s) => s / n);
  return { mean, variance: sumSq.map((q, j) => Math.max(0, q / n - mean[j] * mean[j])) };
}

/**
 * running ← (1 - m) · running + m · batch, with m = 0.1. As in PyTorch, the running variance takes the
 * unbiased batch variance (σ²_B · n / (n - 1)) even though the forward pass used the biased one.
 */
export function updateRunningStats(bn: BatchNormState, batch: BatchMoments, n: number): void {
  const m = BN_MOMENTUM;
  const unbiased = n > 1 ? n / (n - 1) : 1;
  const runningMean = bn.runningMean.dataSync().map((r, j) => (1 - m) * r + m * batch.mean[j]);
  const runningVar = bn.runningVar.dataSync().map((r, j) => (1 - m) * r + m * batch.variance[j] * unbiased);
  tf.tidy(() => {
    bn.runningMean.assign(tf.tensor1d(runningMean));
    bn.runningVar.assign(tf.tensor1d(runningVar));
  });
}

/** s² = γ² / (σ²_B + ε) per feature: how much BatchNorm scales what passes through it. */
export function batchNormScaleSq(bn: BatchNormState, batch: BatchMoments): Float64Array {
  const gamma = bn.gamma.dataSync();
  return batch.variance.map((v, j) => (gamma[j] * gamma[j]) / (v + BN_EPS));
}

/** Unbiased standard deviation over every element (torch.std's default divides by N - 1). */
export function unbiasedStd(x: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const n = x.size;
    const centered = tf.sub(x, tf.mean(x));
    return tf.sqrt(tf.div(tf.sum(tf.square(centered)), Math.max(1, n - 1))) as tf.Scalar;
  });
}

/**
 * The study's custom normalisation: y = (x - mean(x)) / s, s = std(x) over every element of the batch
 * tensor at once (not per feature), unbiased, no ε and no learnable parameters, in training and
 * evaluation alike. Its gradient in closed form, as BatchNorm's but over all N elements and with the
 * unbiased variance: dx = (dy − mean(dy) − y · Σ(dy·y) / (N − 1)) / s. Autodiff's would go through
 * broadcast gradients, slow on wasm.
 */
export const wholeTensorNorm = tf.customGrad((x, save) => {
  const x2 = x as tf.Tensor2D;
  const std = unbiasedStd(x2);
  const y = tf.div(tf.sub(x2, tf.mean(x2)), std);
  (save as tf.GradSaveFunc)([y, std]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [ys, s] = saved;
      const n = ys.size;
      const projection = tf.div(tf.sum(tf.mul(dy, ys)), Math.max(1, n - 1));
      return tf.div(tf.sub(tf.sub(dy, tf.mean(dy)), tf.mul(ys, projection)), s);
    },
  };
}) as (x: tf.Tensor2D) => tf.Tensor2D;
