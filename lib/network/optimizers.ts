/**
 * SGD and Adam with PyTorch's defaults, written out so that the training loop can measure the update
 * each one really applies (the update:data ratio).
 */
import * as tf from '@tensorflow/tfjs';
import { fusedAdamStep, fusedSgdStep } from '../runtime/kernels/elementwise';

/** Plain SGD, no momentum: W ← W - lr · g. */
export interface SGDSpec {
  kind: 'sgd';
  lr: number;
}

/**
 * Adam, Kingma & Ba 2015: m ← β₁m + (1-β₁)g, v ← β₂v + (1-β₂)g², W ← W - lr · m̂ / (√v̂ + ε)
 * with m̂ = m / (1-β₁ᵗ), v̂ = v / (1-β₂ᵗ). (spec/spec.ts gives PyTorch's defaults: β₁ 0.9, β₂ 0.999, ε 1e-8.)
 */
export interface AdamSpec {
  kind: 'adam';
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** An optimizer with every hyper-parameter given (spec/spec.ts holds their defaults, spec/check.ts checks them). */
export type OptimizerSpec = SGDSpec | AdamSpec;
export const OPTIMIZER_KINDS = ['sgd', 'adam'] as const;

export function describeOptimizer(spec: OptimizerSpec): string {
  return `${spec.kind === 'sgd' ? 'SGD' : 'Adam'} lr ${spec.lr}`;
}

export interface Optimizer {
  /**
   * Applies one update to `variables` from `grads` (same order) and returns the update subtracted from
   * each variable. Call inside `tf.tidy`: the returned tensors belong to the caller's scope.
   */
  apply(variables: tf.Variable[], grads: tf.Tensor[]): tf.Tensor[];
  dispose(): void;
}

class SGD implements Optimizer {
  constructor(private readonly lr: number) {}

  /** One parameter's update as tfjs ops: Δ = lr · g, W ← W − Δ. */
  private step(w: tf.Tensor, g: tf.Tensor): { w: tf.Tensor; delta: tf.Tensor } {
    const delta = tf.mul(g, this.lr);
    return { w: tf.sub(w, delta), delta };
  }

  apply(variables: tf.Variable[], grads: tf.Tensor[]): tf.Tensor[] {
    return variables.map((v, i) => {
      // On wasm, `step`'s float32 operations fused into one pass, once checked at start to give its very bits.
      const next = fusedSgdStep(v, grads[i], this.lr) ?? this.step(v, grads[i]);
      v.assign(next.w);
      return next.delta;
    });
  }
  dispose(): void {}
}

class Adam implements Optimizer {
  private readonly m = new Map<tf.Variable, tf.Variable>();
  private readonly v = new Map<tf.Variable, tf.Variable>();
  private t = 0;
  constructor(
    private readonly lr: number,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly epsilon: number,
  ) {}

  private slot(map: Map<tf.Variable, tf.Variable>, variable: tf.Variable): tf.Variable {
    let s = map.get(variable);
    if (!s) {
      s = tf.tidy(() => tf.variable(tf.zerosLike(variable), false));
      map.set(variable, s);
    }
    return s;
  }

  /** One parameter's update as tfjs ops, given the bias corrections c1 = 1 − β₁ᵗ and c2 = 1 − β₂ᵗ. */
  private step(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, c1: number, c2: number) {
    const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
    const v1 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    const delta = tf.mul(tf.div(tf.div(m1, c1), tf.add(tf.sqrt(tf.div(v1, c2)), this.epsilon)), this.lr);
    return { w: tf.sub(w, delta), m: m1, v: v1, delta };
  }

  apply(variables: tf.Variable[], grads: tf.Tensor[]): tf.Tensor[] {
    this.t += 1;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    const { lr, beta1, beta2, epsilon } = this;
    return variables.map((variable, i) => {
      const m = this.slot(this.m, variable);
      const v = this.slot(this.v, variable);
      // On wasm, `step`'s float32 operations fused into one pass, once checked at start to give its very bits.
      const next = fusedAdamStep(variable, grads[i], m, v, { lr, beta1, beta2, epsilon, c1, c2 }) ?? this.step(variable, grads[i], m, v, c1, c2);
      m.assign(next.m);
      v.assign(next.v);
      variable.assign(next.w);
      return next.delta;
    });
  }

  dispose(): void {
    for (const s of [...this.m.values(), ...this.v.values()]) s.dispose();
    this.m.clear();
    this.v.clear();
  }
}

export function createOptimizer(spec: OptimizerSpec): Optimizer {
  return spec.kind === 'sgd' ? new SGD(spec.lr) : new Adam(spec.lr, spec.beta1, spec.beta2, spec.epsilon);
}
