/**
 * Weight initialisations. Every one is seeded, so two models built with the same seed are identical.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../runtime/random';

export type Init =
  /** PyTorch's `nn.Linear` default: W and b ~ U(-1/sqrt(fan_in), +1/sqrt(fan_in)). The study's "original model". */
  | { kind: 'torch-default' }
  /** W ~ N(0, std²), b = 0: the study's remedy experiments (std 1, 10 or 0.05). */
  | { kind: 'normal'; std: number }
  /** Glorot & Bengio 2010 (uniform): W ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out)), b = 0. */
  | { kind: 'glorot' }
  /** He et al. 2015 (normal, for ReLU): W ~ N(0, 2 / fan_in), b = 0 (untruncated, as torch's kaiming_normal_). */
  | { kind: 'he' };

export const INIT_KINDS = ['torch-default', 'normal', 'glorot', 'he'] as const;

/** A short label for tables and legends, e.g. "N(0, 0.05²)". */
export function describeInit(init: Init): string {
  switch (init.kind) {
    case 'torch-default':
      return 'U(±1/√fan_in) (PyTorch default)';
    case 'normal':
      return `N(0, ${init.std}²)`;
    case 'glorot':
      return 'Glorot uniform';
    case 'he':
      return 'He normal';
  }
}

/** Initial kernel [fanIn, fanOut] and bias [fanOut] of one dense layer. */
export function initDense(
  fanIn: number,
  fanOut: number,
  init: Init,
  seed: number,
): { kernel: tf.Tensor2D; bias: tf.Tensor1D } {
  switch (init.kind) {
    case 'torch-default': {
      const bound = 1 / Math.sqrt(fanIn);
      return {
        kernel: tf.randomUniform([fanIn, fanOut], -bound, bound, 'float32', seed),
        bias: tf.randomUniform([fanOut], -bound, bound, 'float32', deriveSeed(seed, 'bias')),
      };
    }
    case 'normal':
      if (!(init.std > 0)) throw new Error(`normal init needs std > 0, got ${init.std}`);
      return { kernel: tf.randomNormal([fanIn, fanOut], 0, init.std, 'float32', seed), bias: tf.zeros([fanOut]) };
    case 'glorot': {
      const a = Math.sqrt(6 / (fanIn + fanOut));
      return { kernel: tf.randomUniform([fanIn, fanOut], -a, a, 'float32', seed), bias: tf.zeros([fanOut]) };
    }
    case 'he':
      return {
        kernel: tf.randomNormal([fanIn, fanOut], 0, Math.sqrt(2 / fanIn), 'float32', seed),
        bias: tf.zeros([fanOut]),
      };
  }
}
