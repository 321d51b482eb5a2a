/**
 * What each activation is, in one table (`ACTIVATION_KINDS`): its tfjs op (the sigmoid's and ReLU's
 * gradients written out below), φ in float64 for the theory, φ' read off the output, where its
 * outputs lie, and when a unit is out of action. Everything else (the statistics, mean-field theory,
 * the Jacobians, the figures) reads it from here.
 *
 * Out of action: a sigmoid unit is saturated when its output is within SATURATION_MARGIN (0.01) of 0
 * or 1 (its slope σ' = σ(1-σ) is then below 0.0099, a 25x cut of the best case 0.25); a tanh unit when
 * |output| > 0.99 (slope below 0.02); a ReLU unit is inactive when its output is exactly 0 (slope 0: a
 * "dead" unit for that example).
 */
import * as tf from '@tensorflow/tfjs';
import { fusedReluBackward, fusedSigmoidBackward } from '../runtime/kernels/elementwise';
import { SlopeCoefficients, countOutside, slopeFromOutput } from '../runtime/kernels/reductions';

export type Activation = 'sigmoid' | 'relu' | 'tanh';
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

/**
 * When a unit passes (almost) no gradient. Saturated: its output y lies outside [lo, hi], in the flat
 * tails, which is |z| > zEdge for its pre-activation z. Inactive: y is exactly 0 (ReLU), z ≤ 0.
 */
export type OutOfAction = { kind: 'saturated'; lo: number; hi: number; zEdge: number } | { kind: 'inactive' };

/** One activation, all that the library needs to know of it. */
export interface ActivationKind {
  /** What labels and prose call it. */
  name: string;
  /** The tfjs op of the hidden layers, gradient included. */
  op: (z: tf.Tensor) => tf.Tensor;
  /** φ(z) in float64, for the theory. */
  phi: (z: number) => number;
  /** φ' from the output y: [α, β, γ, δ] of α + y (β + γ y) + δ [y > 0] (`slopeFromOutput`). */
  slope: SlopeCoefficients;
  /** The range of its outputs (ReLU's has no top). */
  range: readonly [number, number];
  outOfAction: OutOfAction;
}

// Here rather than in runtime/, below: the table goes with the ops the notebooks show, and the kernels take φ' as coefficients.
export const ACTIVATION_KINDS: Record<Activation, ActivationKind> = {
  sigmoid: {
    name: 'sigmoid',
    op: sigmoid,
    phi: (z) => 1 / (1 + Math.exp(-z)),
    slope: [0, 1, -1, 0], // σ' = y (1 − y)
    range: [0, 1],
    // σ(z) = 1 − m at z = ln((1 − m)/m)
    outOfAction: { kind: 'saturated', lo: SATURATION_MARGIN, hi: 1 - SATURATION_MARGIN, zEdge: Math.log((1 - SATURATION_MARGIN) / SATURATION_MARGIN) },
  },
  relu: {
    name: 'ReLU',
    op: relu,
    phi: (z) => Math.max(0, z),
    slope: [0, 0, 0, 1], // ReLU' = [y > 0]
    range: [0, Infinity],
    outOfAction: { kind: 'inactive' },
  },
  tanh: {
    name: 'tanh',
    op: tf.tanh,
    phi: Math.tanh,
    slope: [1, 0, -1, 0], // tanh' = 1 − y²
    range: [-1, 1],
    outOfAction: { kind: 'saturated', lo: -(1 - SATURATION_MARGIN), hi: 1 - SATURATION_MARGIN, zEdge: Math.atanh(1 - SATURATION_MARGIN) },
  },
};

/** The activations a spec may name, in the table's order. */
export const ACTIVATIONS = Object.keys(ACTIVATION_KINDS) as readonly Activation[];

/** The hidden layers' activation of `kind` applied to `z` (its op in `ACTIVATION_KINDS`). */
export function activate(kind: Activation, z: tf.Tensor): tf.Tensor {
  return ACTIVATION_KINDS[kind].op(z);
}

/** φ'(z) in float64, for the theory: φ' of the output φ(z). */
export function slopeAt(kind: Activation, z: number): number {
  const { phi, slope } = ACTIVATION_KINDS[kind];
  return slopeFromOutput(slope, phi(z));
}

/** Whether a unit whose pre-activation is `z` is out of action (the rule in this file's header). */
export function outOfActionAt(kind: Activation, z: number): boolean {
  const rule = ACTIVATION_KINDS[kind].outOfAction;
  return rule.kind === 'saturated' ? Math.abs(z) > rule.zEdge : z <= 0;
}

/** Fraction (scalar in [0, 1]) of the activation's outputs `a` that are out of action, with tfjs ops (the reference of `countOutOfAction`). */
export function saturationFraction(kind: Activation, a: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const rule = ACTIVATION_KINDS[kind].outOfAction;
    const out = rule.kind === 'saturated' ? tf.logicalOr(tf.less(a, rule.lo), tf.greater(a, rule.hi)) : tf.equal(a, 0);
    return tf.mean(tf.cast(out, 'float32')) as tf.Scalar;
  });
}

/** How many of the activation's outputs `a` are out of action, counted in one pass where `a` lies. */
export function countOutOfAction(a: tf.Tensor, kind: Activation): number {
  const rule = ACTIVATION_KINDS[kind].outOfAction;
  if (rule.kind === 'saturated') return countOutside(a, rule.lo, rule.hi);
  // ReLU outputs are never negative: the zeros are what is not above 0
  return a.size - countOutside(a, 0, 0);
}
