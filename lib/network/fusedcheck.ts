/**
 * How each fused kernel (runtime/kernels/elementwise.ts) checks itself against the formula it replaces:
 * by calling the real function that holds the formula (the sigmoid and ReLU with their gradients,
 * an optimizer's apply, BatchNorm in training) on probe tensors, once with every kernel off and once
 * with this kernel on. A formula edited in this folder then runs as written and its kernel stands
 * aside; one edited in a comment, or in a function no kernel replaces, changes nothing.
 * Loaded with the models (models.ts imports it); a kernel without a check never runs.
 */
import * as tf from '@tensorflow/tfjs';
import { relu, sigmoid } from './activations';
import { batchNorm, createBatchNorm } from './normalization';
import { OptimizerSpec, createOptimizer } from './optimizers';
import { FusedKernel, probeTensor, registerFusedCheck } from '../runtime/kernels/elementwise';

/** Odd column counts and sizes that are not multiples of four, so that every kernel's tail runs too. */
const SHAPES = [[3, 7], [5]];

/** The gradient dy · f'(z) of an activation `f`, and its value, on each probe shape. */
function activationProbes(f: (z: tf.Tensor) => tf.Tensor): tf.Tensor[] {
  return SHAPES.flatMap((shape, k) => {
    const [z, dy] = [probeTensor(shape, 4, 10 + k), probeTensor(shape, 1, 20 + k)];
    return [f(z), ...tf.grads((x: tf.Tensor) => f(x))([z], dy)];
  });
}

/** Two steps of the optimizer (Adam's bias corrections differ) on probe weights and gradients: each step's updates and the weights after. */
function optimizerProbes(spec: OptimizerSpec): tf.Tensor[] {
  const vars = SHAPES.map((shape, k) => tf.variable(probeTensor(shape, 0.5, 30 + k)));
  const opt = createOptimizer(spec);
  try {
    const deltas = [0, 1].flatMap((step) => opt.apply(vars, SHAPES.map((shape, k) => probeTensor(shape, 10 ** (step - 1), 40 + 3 * k + step))));
    return [...deltas, ...vars.map((v) => v.clone())];
  } finally {
    opt.dispose();
    vars.forEach((v) => v.dispose());
  }
}

/** BatchNorm in training on probe batches, with probe γ and β: its output and its input's gradient. */
function batchNormProbes(): tf.Tensor[] {
  return [[3, 7], [2, 5]].flatMap(([rows, cols], k) => {
    const bn = createBatchNorm(cols, `fusedcheck${k}`);
    try {
      bn.gamma.assign(probeTensor([cols], 2, 50 + k));
      bn.beta.assign(probeTensor([cols], 1, 60 + k));
      const f = (x: tf.Tensor) => batchNorm(x as tf.Tensor2D, bn, true).y;
      const [x, dy] = [probeTensor([rows, cols], 3, 70 + k), probeTensor([rows, cols], 1, 80 + k)];
      return [f(x), ...tf.grads(f)([x], dy)];
    } finally {
      Object.values(bn).forEach((v) => v.dispose());
    }
  });
}

const CHECKS: Array<{ kernel: FusedKernel; file: string; what: string; run: () => tf.Tensor[] }> = [
  { kernel: 'VgSigmoidBackward', file: 'lib/network/activations.ts', what: "the sigmoid's gradient", run: () => activationProbes(sigmoid) },
  { kernel: 'VgReluBackward', file: 'lib/network/activations.ts', what: "ReLU's gradient", run: () => activationProbes(relu) },
  { kernel: 'VgSgdStep', file: 'lib/network/optimizers.ts', what: "SGD's step", run: () => optimizerProbes({ kind: 'sgd', lr: 0.037 }) },
  {
    kernel: 'VgAdamStep', file: 'lib/network/optimizers.ts', what: "Adam's step",
    run: () => optimizerProbes({ kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }),
  },
  { kernel: 'VgSubMul', file: 'lib/network/normalization.ts', what: "BatchNorm's x̂", run: batchNormProbes },
  { kernel: 'VgMulAdd', file: 'lib/network/normalization.ts', what: "BatchNorm's γ x̂ + β", run: batchNormProbes },
  { kernel: 'VgBatchNormBackward', file: 'lib/network/normalization.ts', what: "BatchNorm's gradient", run: batchNormProbes },
];

for (const { kernel, file, what, run } of CHECKS) registerFusedCheck({ kernel, formula: { file, what }, run });
