/**
 * Normalisation inside the network, placed between a Linear layer and its activation as in the study.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormBackward, fusedMulAdd, fusedSubMul } from '../runtime/kernels/elementwise';
import { NO_SLOPE, columnDots, columnSums, dotSums, sums } from '../runtime/kernels/reductions';

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

/** Per-feature numbers as a [1, n] row, to broadcast over the batch. */
function row(values: ArrayLike<number>): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(values), [1, values.length]);
}

/**
 * Training-mode batch normalisation with its closed-form gradient (Ioffe & Szegedy 2015, §3), given the
 * batch's per-feature mean μ_B and biased variance σ²_B (`batchMoments`):
 *   forward:  x̂ = (x − μ_B) / √(σ²_B + ε),  y = γ x̂ + β;
 *   backward: dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/√(σ²_B + ε) · (dy − mean(dy) − x̂ · mean(dy·x̂)),
 * sums and means over the batch, per feature. The per-feature numbers are plain float64 arithmetic on
 * sums read in one pass over the batch (runtime/kernels/reductions.ts); the element-wise steps are tfjs
 * ops, which on the wasm backend run fused into one pass each (runtime/kernels/elementwise.ts), once
 * checked at start to give these formulas' very bits (network/fusedcheck.ts).
 */
function batchNormTrain(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor, moments: BatchMoments): tf.Tensor2D {
  const n = x.shape[0];
  const invStd = moments.variance.map((v) => 1 / Math.sqrt(v + BN_EPS));
  const op = tf.customGrad((xs, g, b, save) => {
    const [mean, inv] = [row(moments.mean), row(invStd)];
    const xHat = fusedSubMul(xs as tf.Tensor, mean, inv) ?? tf.mul(tf.sub(xs as tf.Tensor, mean), inv);
    (save as tf.GradSaveFunc)([xHat, g as tf.Tensor]);
    return {
      value: fusedMulAdd(xHat, g as tf.Tensor, b as tf.Tensor) ?? tf.add(tf.mul(xHat, g as tf.Tensor), b as tf.Tensor),
      gradFunc: (dy: tf.Tensor, [xh, gs]: tf.Tensor[]) => {
        const { sum: sumDy, dot: sumDyXHat } = columnDots(dy, xh);
        const [meanDy, meanDyXHat] = [row(sumDy.map((s) => s / n)), row(sumDyXHat.map((s) => s / n))];
        // γ/√(σ²_B + ε): the factor by which this layer scales the gradient on its way down, per feature.
        const gain = row(gs.dataSync().map((gj, j) => gj * invStd[j]));
        const dx = fusedBatchNormBackward(dy, xh, meanDy, meanDyXHat, gain) ?? tf.mul(tf.sub(tf.sub(dy, meanDy), tf.mul(xh, meanDyXHat)), gain);
        return [dx, tf.tensor1d(Float32Array.from(sumDyXHat)), tf.tensor1d(Float32Array.from(sumDy))];
      },
    };
  }) as (x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor2D;
  return op(x, gamma, beta);
}

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
  const moments = batchMoments(x);
  return { y: batchNormTrain(x, bn.gamma, bn.beta, moments), moments };
}

/**
 * μ_B and σ²_B as numbers read off x where it lies (one pass, float64 sums): the forward pass, the
 * running averages and the statistics all use them, and no tfjs op is spent on them. No gradient flows
 * through them as such: the closed-form backward of `batchNormTrain` accounts for their dependence on x.
 */
export function batchMoments(x: tf.Tensor2D): BatchMoments {
  const n = x.shape[0];
  const { sum, sumSq } = columnSums(x, NO_SLOPE);
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

/**
 * Mean and unbiased standard deviation (torch.std's default divides by N − 1) over every element of
 * `x`, as numbers: one pass of float64 sums, Σx and Σx².
 */
export function wholeMoments(x: tf.Tensor): { mean: number; std: number } {
  const n = x.size;
  const [sum, sumSq] = sums(x);
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, sumSq - sum * mean) / Math.max(1, n - 1)) };
}

/**
 * The study's custom normalisation: y = (x - mean(x)) / s, s = std(x) over every element of the batch
 * tensor at once (not per feature), unbiased, no ε and no learnable parameters, in training and
 * evaluation alike. Its gradient in closed form, as BatchNorm's but over all N elements and with the
 * unbiased variance: dx = (dy − mean(dy) − y · Σ(dy·y) / (N − 1)) / s. The mean, s and the two sums of
 * the backward pass are numbers (one float64 pass each; the caller may pass x's `wholeMoments` it already
 * has); the rest are element-wise tfjs ops.
 */
export function wholeTensorNorm(x: tf.Tensor2D, { mean, std } = wholeMoments(x)): tf.Tensor2D {
  const n = x.size;
  const op = tf.customGrad((xs, save) => {
    const y = tf.div(tf.sub(xs as tf.Tensor, mean), std);
    (save as tf.GradSaveFunc)([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [ys]: tf.Tensor[]) => {
        const [sumDy, sumDyY] = dotSums(dy, ys);
        return tf.div(tf.sub(tf.sub(dy, sumDy / n), tf.mul(ys, sumDyY / Math.max(1, n - 1))), std);
      },
    };
  }) as (x: tf.Tensor2D) => tf.Tensor2D;
  return op(x);
}
