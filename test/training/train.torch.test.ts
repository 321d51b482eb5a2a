/**
 * Whole-step reference, in the way micrograd checks itself against PyTorch: for a small fixed network
 * (fixed weights, fixed batch), the library's real training step — `runBatches`, which runs the
 * training loop's own step: forward with the statistics recorder listening, backward through the
 * custom gradients (dense, sigmoid, BatchNorm, cross-entropy), the optimizer's update, BatchNorm's
 * running statistics — must give what PyTorch gives in float64.
 *
 * The reference values in REF below come from `/usr/bin/python3 test/training/train.torch.py`
 * (PyTorch 1.13, float64 throughout), pasted in so that CI needs no PyTorch. To regenerate after
 * changing the problem (it is written out twice, here and in the script; keep them identical):
 *     /usr/bin/python3 test/training/train.torch.py > /tmp/ref.ts
 * and paste the printed `const REF = {...};` over the one at the end of this file.
 *
 * The problem: a 784-pixel input (runBatches always builds [n, IMAGE_SIZE] batches of bytes / 255)
 * that is zero except at the 6 pixels PIX, so the network effectively has 6 input features → 3 sigmoid
 * hidden layers of width 4 → 3 classes, batches of 4, CrossEntropyLoss (mean over the batch). Every
 * weight and bias is a multiple of 1/16, exact in float32. hidden1's kernel rows for the 778 pixels that
 * are always zero hold a filler; their gradient must be exactly 0 and the step must leave them bit for
 * bit as they were. Kernels are [fanIn, fanOut], the transpose of nn.Linear.weight; the script
 * transposes, so every kernel-shaped value here is in the library's layout.
 *
 * Cases (each one the library's real code path):
 *   sgd        one SGD step (no momentum), lr 0.5;
 *   batchnorm  the same network with BatchNorm1d (training mode, eps 1e-5, γ 1, β 0) before each
 *              hidden sigmoid, one SGD step at lr 0.5, and the running statistics it leaves;
 *   adam       three Adam steps (lr 0.01, β 0.9 / 0.999, ε 1e-8) on batches A, B, A.
 * Checked: the loss of every step; for sgd and batchnorm, dL/dh (the full [4, width] tensor) at every
 * hidden layer's output (after the sigmoid) and at the logits, dL/dW, dL/db (dL/dγ, dL/dβ), from a
 * forward/backward with a gradient-tap probe at the initial weights; for every case, the update
 * (before − after) of every parameter over the real step(s).
 *
 * Tolerances (float32 in tfjs against a float64 reference), |tfjs − PyTorch| ≤ RTOL · |PyTorch| + floor:
 *   RTOL = 1e-4 on every element. float32 rounds each operation to ~6e-8; a value here passes through
 *   a few dozen (4-term sums, sigmoid, softmax, BatchNorm's moments and 1/σ), so most elements agree
 *   to ~1e-6 or better. 1e-4 leaves room for another summation order (the native, wasm or cpu
 *   backend, OpenBLAS or XNNPACK products) and still catches any real mistake: a wrong term, constant,
 *   transpose or missing factor moves values by 1e-3 or more (a 0.1 % error in dL/db fails).
 *   floor, for a gradient: GRAD_ATOL = 1e-5 × the largest |value| of the same tensor. An element that
 *   is small only by cancellation (the terms of a sum over the batch nearly cancelling) carries the
 *   float32 noise of its terms, not of itself; backprop through BatchNorm (batch std down to 0.15)
 *   multiplies that noise by 1/σ per layer. PyTorch in float32 shows it too, at the same elements.
 *   The BatchNorm network's hidden biases have an exactly 0 gradient (BatchNorm removes the batch
 *   mean; PyTorch's float64 leaves ~1e-17): they are held to RTOL of the size of the terms that cancel,
 *   Σ_n |dL/dz_n| (dzAbsSum, from the script), and their update to lr times that.
 *   floor, for an update (before − after): one float32 ulp of the stored weight, 2^-23 · |W|. The
 *   weights live in float32: at lr 0.5 a weight of ~0.5 moves by ~1e-3, and its rounding alone, ~3e-8,
 *   is up to ~1e-3 of the smallest updates here. The same for the running variance, whose increment
 *   over 0.9 = (1 − momentum) · 1 is compared.
 * Each test reports (as test diagnostics), per kind of quantity, its largest relative error and the
 * largest share of the tolerance used. Observed on wasm + OpenBLAS and on cpu: losses ≤ 8e-8; dL/dh,
 * dL/dW, dL/db mostly ≤ 1e-6, up to 1e-4 at cancellation elements (hidden3's dL/db[1] = −8.8e-6 in a
 * vector whose largest is 0.09; in the batchnorm case, elements 70× below their tensor's largest,
 * where PyTorch's own float32 run is off by 2e-5 to 4e-5 too); no gradient used more than 0.15 of its
 * tolerance, no update more than 0.3 (relative errors of the smallest updates reach 6e-4, the rounding
 * of the stored float32 weight).
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { crossEntropy } from '../../lib/network/loss';
import { MLP, Normalization, Probe, buildMLP } from '../../lib/network/models';
import { OptimizerSpec } from '../../lib/network/optimizers';
import { gradientTap } from '../../lib/network/taps';
import { IMAGE_SIZE, Split, gatherBatch } from '../../lib/dataset/fashionmnist';
import { runBatches } from '../../lib/training/train';

before(async () => {
  await initBackend();
});

// ---- The fixed problem, as in train.torch.py. ----

const PIX = [40, 161, 300, 433, 598, 741];
/** The bytes of the PIX pixels of each example; every other pixel is 0. */
const BYTES = [
  [204, 79, 29, 136, 54, 166],
  [117, 198, 149, 44, 219, 135],
  [209, 234, 239, 197, 100, 180],
  [233, 169, 29, 26, 64, 252],
  [153, 191, 80, 91, 81, 183],
  [13, 0, 161, 71, 82, 24],
  [109, 92, 176, 253, 160, 45],
  [236, 125, 132, 34, 140, 129],
];
const LABELS = [0, 2, 1, 2, 2, 1, 1, 0];
const A = [0, 1, 2, 3];
const B = [4, 5, 6, 7];

const NAMES = ['hidden1', 'hidden2', 'hidden3', 'output'] as const;
type Name = (typeof NAMES)[number];
const HIDDEN = ['hidden1', 'hidden2', 'hidden3'] as const;
const WIDTH = 4;
const CLASSES = 3;
/** Kernels [fanIn, fanOut] in sixteenths; hidden1's lists its PIX rows only. */
const K16: Record<Name, number[][]> = {
  hidden1: [[-12, 9, -13, 3], [7, 12, -2, 7], [-8, 9, 10, -8], [-12, -9, -16, -5], [-10, 3, -11, 8], [-16, -7, -2, -12]],
  hidden2: [[-8, 3, -15, -16], [0, 15, 13, 12], [-9, 7, -6, -16], [-9, 7, 12, 16]],
  hidden3: [[11, 3, 11, -12], [3, 14, -7, 13], [1, 15, -14, 3], [2, 5, -13, -5]],
  output: [[-11, -8, -17], [-6, 0, -5], [15, -16, -12], [6, 3, -7]],
};
const B16: Record<Name, number[]> = { hidden1: [6, 1, -5, -5], hidden2: [-4, -5, -7, -5], hidden3: [7, 8, 4, 3], output: [-1, -5, 4] };
/** hidden1's kernel at the pixels that are 0 in every example. */
const filler = (p: number, j: number) => (((5 * p + 3 * j) % 17) - 8) / 16;

function hidden1Kernel(): number[] {
  const k = new Array<number>(IMAGE_SIZE * WIDTH);
  for (let p = 0; p < IMAGE_SIZE; p++) for (let j = 0; j < WIDTH; j++) k[p * WIDTH + j] = filler(p, j);
  PIX.forEach((p, r) => K16.hidden1[r].forEach((v, j) => (k[p * WIDTH + j] = v / 16)));
  return k;
}

function fixedSplit(): Split {
  const n = BYTES.length;
  const images = new Uint8Array(n * IMAGE_SIZE);
  BYTES.forEach((row, i) => row.forEach((b, k) => (images[i * IMAGE_SIZE + PIX[k]] = b)));
  return { images, labels: Uint8Array.from(LABELS), n };
}

/** The network with every option given and every parameter overwritten with the fixed values. */
function fixedModel(normalization: Normalization): MLP {
  const model = buildMLP({
    depth: 3, width: WIDTH, inputSize: IMAGE_SIZE, classes: CLASSES, activation: 'sigmoid', init: { kind: 'normal', std: 0.1 },
    normalization, skip: 'none', gradNorm: false, seed: 0,
  });
  assert.deepEqual(model.layerNames, [...NAMES]);
  for (const layer of model.layers) {
    const name = layer.name as Name;
    const kernel = name === 'hidden1' ? hidden1Kernel() : K16[name].flat().map((v) => v / 16);
    tf.tidy(() => {
      layer.kernel.assign(tf.tensor2d(kernel, layer.kernel.shape as [number, number]));
      layer.bias.assign(tf.tensor1d(B16[name].map((v) => v / 16)));
    });
  }
  return model;
}

// ---- Reading the library's values. ----

type ParamKind = 'kernel' | 'bias' | 'gamma' | 'beta';
type Params = Record<string, Partial<Record<ParamKind, number[]>>>;

/** Every trainable parameter (or its gradient, from `grads`) by layer and kind, as float64 numbers. */
function byLayer(model: MLP, values: (v: tf.Variable) => ArrayLike<number>): Params {
  const out: Params = {};
  for (const { layer, variable } of model.trainable()) {
    const kind: ParamKind = variable === layer.kernel ? 'kernel' : variable === layer.bias ? 'bias'
      : variable === layer.bn?.gamma ? 'gamma' : 'beta';
    (out[layer.name] ??= {})[kind] = Array.from(values(variable));
  }
  return out;
}

const paramsOf = (model: MLP) => byLayer(model, (v) => v.dataSync());

/**
 * One forward/backward at the current weights on the examples `indices`, the way trainStep does it
 * (the loader's batch, forward in training mode, crossEntropy, tf.variableGrads over the trainable
 * variables), with a probe whose gradient taps read dL/dh at each hidden output and at the logits.
 */
function gradientsAt(model: MLP, split: Split, indices: number[]): { loss: number; dh: Record<string, { shape: number[]; values: number[] }>; grads: Params } {
  const dh: Record<string, { shape: number[]; values: number[] }> = {};
  const probe: Probe = {
    activation: () => {},
    signal: () => {},
    factorInputs: () => {},
    tap: (layer, kind) => {
      assert.equal(kind, 'output', 'no gradient normalisation here: only output taps');
      return gradientTap((dy) => {
        dh[layer] = { shape: dy.shape, values: Array.from(dy.dataSync()) };
      });
    },
  };
  const variables = model.trainable().map((t) => t.variable);
  const { x, y } = gatherBatch(split, indices);
  let loss = NaN;
  let grads: Params = {};
  tf.tidy(() => {
    const xt = tf.tensor2d(x, [indices.length, IMAGE_SIZE]);
    const yt = tf.tensor1d(y, 'int32');
    const { value, grads: g } = tf.variableGrads(() => crossEntropy(model.forward(xt, { training: true, probe }), yt), variables);
    loss = value.dataSync()[0];
    grads = byLayer(model, (v) => g[v.name].dataSync());
  });
  return { loss, dh, grads };
}

/** The running statistics of the BatchNorm layers. */
function runningStats(model: MLP): Record<string, { mean: number[]; variance: number[] }> {
  return Object.fromEntries(model.hidden.map((l) => {
    assert.ok(l.bn, `${l.name} has no BatchNorm`);
    return [l.name, { mean: Array.from(l.bn.runningMean.dataSync()), variance: Array.from(l.bn.runningVar.dataSync()) }];
  }));
}

// ---- Comparing. ----

const RTOL = 1e-4;
const GRAD_ATOL = 1e-5;
const ULP32 = 2 ** -23;

type Quantity = 'loss' | 'dL/dh' | 'dL/dparam' | 'update' | 'running stats';

/**
 * Per kind of quantity, the largest |actual − expected| / |expected| seen in a test (over elements not
 * expected to be 0), and the largest |actual − expected| / tolerance (1 would fail), for the report.
 */
const worst = new Map<Quantity, { rel: number; relAt: string; used: number; usedAt: string }>();

/**
 * |actual − expected| ≤ RTOL · |expected| + floor(i), element by element; the message names the
 * quantity, the layer and the element.
 */
function expectClose(
  kind: Quantity,
  what: string,
  actual: ArrayLike<number>,
  expected: readonly number[],
  floor: (i: number) => number = () => 0,
): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, PyTorch has ${expected.length}`);
  const w = worst.get(kind) ?? { rel: 0, relAt: '', used: 0, usedAt: '' };
  worst.set(kind, w);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const diff = Math.abs(a - e);
    const tol = RTOL * Math.abs(e) + floor(i);
    if (!(diff <= tol)) {
      assert.fail(`${what}, element ${i}: tfjs ${a}, PyTorch ${e}: |diff| ${diff.toExponential(2)} > tolerance ${tol.toExponential(2)}`);
    }
    if (Math.abs(e) > 1e-12 && diff / Math.abs(e) > w.rel) Object.assign(w, { rel: diff / Math.abs(e), relAt: `${what} [${i}]` });
    if (diff / tol > w.used) Object.assign(w, { used: diff / tol, usedAt: `${what} [${i}]` });
  }
}

function report(t: { diagnostic(message: string): void }): void {
  for (const [kind, w] of worst) {
    t.diagnostic(`${kind}: largest relative error ${w.rel.toExponential(1)} (${w.relAt}); largest share of the tolerance ${w.used.toFixed(3)} (${w.usedAt})`);
  }
  worst.clear();
}

/** A gradient: RTOL, plus GRAD_ATOL of the tensor's largest value for elements small by cancellation. */
function expectGradient(kind: Quantity, what: string, actual: ArrayLike<number>, expected: readonly number[]): void {
  const scale = Math.max(...expected.map(Math.abs));
  expectClose(kind, what, actual, expected, () => GRAD_ATOL * scale);
}

/**
 * An update before − after: RTOL of the update, plus one float32 ulp of the stored weight after, plus
 * `extra(i)` where the update itself is expected to be 0 up to float32 noise.
 */
function expectUpdate(what: string, beforeValues: number[], afterValues: number[], expected: readonly number[], extra: (i: number) => number = () => 0): void {
  const update = beforeValues.map((b, i) => b - afterValues[i]);
  expectClose('update', what, update, expected, (i) => ULP32 * Math.abs(afterValues[i]) + extra(i));
}

/** hidden1's [784, 4] kernel-shaped values restricted to the PIX rows, and the other rows. */
function pixRows(flat: number[]): number[] {
  return PIX.flatMap((p) => flat.slice(p * WIDTH, (p + 1) * WIDTH));
}
function unusedRows(flat: number[]): number[] {
  return flat.filter((_, k) => !PIX.includes(Math.floor(k / WIDTH)));
}

const kernelPart = (name: string, flat: number[]) => (name === 'hidden1' ? pixRows(flat) : flat);

type Case = (typeof REF)[keyof typeof REF];
type GradCase = typeof REF.sgd | typeof REF.batchnorm;

function checkGradients(ref: GradCase, model: MLP, split: Split, withBn: boolean): void {
  const { loss, dh, grads } = gradientsAt(model, split, A);
  expectClose('loss', 'loss of the gradient pass', [loss], ref.loss);
  assert.deepEqual(Object.keys(dh).sort(), [...NAMES].sort(), 'the probe tapped dL/dh at every hidden output and at the logits');
  for (const name of NAMES) {
    const expected = ref.dh[name];
    assert.deepEqual(dh[name].shape, [expected.length, expected[0].length], `dL/dh at ${name}: shape`);
    expectGradient('dL/dh', `dL/dh at ${name} (after its ${name === 'output' ? 'Linear: the logits' : 'sigmoid'})`, dh[name].values, expected.flat());
    const g = grads[name];
    assert.ok(g.kernel && g.bias, `no gradient for ${name}`);
    expectGradient('dL/dparam', `dL/dW of ${name}`, kernelPart(name, g.kernel), ref.dW[name].flat());
    if (name === 'hidden1') assert.ok(unusedRows(g.kernel).every((v) => v === 0), 'dL/dW of hidden1 at pixels that are always 0 must be exactly 0');
    if (withBn && name !== 'output') {
      // Exactly 0 analytically (BatchNorm removes the batch mean): db = Σ_n dL/dz_n, terms that cancel.
      // Held to RTOL of the terms' size Σ_n |dL/dz_n|; PyTorch's own float64 sum leaves ~1e-17.
      const terms = (ref as typeof REF.batchnorm).dzAbsSum[name];
      expectClose('dL/dparam', `dL/db of ${name} (0 behind BatchNorm)`, g.bias, ref.db[name], (i) => RTOL * terms[i]);
    } else expectGradient('dL/dparam', `dL/db of ${name}`, g.bias, ref.db[name]);
  }
  if (withBn) {
    const bnRef = ref as typeof REF.batchnorm;
    for (const name of HIDDEN) {
      expectGradient('dL/dparam', `dL/dγ of ${name}'s BatchNorm`, grads[name].gamma ?? [], bnRef.dgamma[name]);
      expectGradient('dL/dparam', `dL/dβ of ${name}'s BatchNorm`, grads[name].beta ?? [], bnRef.dbeta[name]);
    }
  }
}

/** Runs the real step(s) and checks every step's loss and every parameter's update. */
function checkSteps(ref: Case, model: MLP, split: Split, batches: number[][], optimizer: OptimizerSpec): { before: Params; after: Params } {
  // Behind BatchNorm the hidden biases' gradient is 0 up to float32 noise (see checkGradients); so is their SGD update, lr · db.
  const zeroBias = (name: string) => (i: number) =>
    'dzAbsSum' in ref && name !== 'output' && optimizer.kind === 'sgd' ? optimizer.lr * RTOL * ref.dzAbsSum[name as (typeof HIDDEN)[number]][i] : 0;
  const before = paramsOf(model);
  const losses = runBatches(model, split, batches, { optimizer, stats: true });
  const after = paramsOf(model);
  expectClose('loss', 'loss of each step', losses, ref.loss);
  for (const name of NAMES) {
    const [b, a] = [before[name], after[name]];
    assert.ok(b.kernel && a.kernel && b.bias && a.bias);
    expectUpdate(`update (before − after) of ${name}'s kernel`, kernelPart(name, b.kernel), kernelPart(name, a.kernel), ref.dW_step[name].flat());
    if (name === 'hidden1') assert.deepEqual(unusedRows(a.kernel), unusedRows(b.kernel), "hidden1's kernel at pixels that are always 0 must not move");
    expectUpdate(`update (before − after) of ${name}'s bias`, b.bias, a.bias, ref.db_step[name], zeroBias(name));
  }
  return { before, after };
}

/** Runs `check` on a fresh fixed model, disposes it, and checks that no tensor is left behind. */
function withFixedModel(normalization: Normalization, check: (model: MLP, split: Split) => void): void {
  const tensorsBefore = tf.memory().numTensors;
  const model = fixedModel(normalization);
  try {
    check(model, fixedSplit());
  } finally {
    model.dispose();
  }
  assert.equal(tf.memory().numTensors, tensorsBefore, 'the model, the step and the checks leave no tensor behind');
}

describe('whole-step reference: the real training step against PyTorch (float64 values stored below)', () => {
  test('sgd: one SGD step (lr 0.5) of the fixed sigmoid MLP', (t) => {
    withFixedModel('none', (model, split) => {
      checkGradients(REF.sgd, model, split, false);
      checkSteps(REF.sgd, model, split, [A], { kind: 'sgd', lr: 0.5 });
    });
    report(t);
  });

  test('batchnorm: one SGD step (lr 0.5) with BatchNorm1d in training mode, and its running statistics', (t) => {
    withFixedModel('batchnorm', (model, split) => {
      checkGradients(REF.batchnorm, model, split, true);
      const { before, after } = checkSteps(REF.batchnorm, model, split, [A], { kind: 'sgd', lr: 0.5 });
      const running = runningStats(model);
      for (const name of HIDDEN) {
        const [b, a] = [before[name], after[name]];
        assert.ok(b.gamma && a.gamma && b.beta && a.beta, `${name} has no γ, β`);
        expectUpdate(`update (before − after) of ${name}'s BatchNorm γ`, b.gamma, a.gamma, REF.batchnorm.dgamma_step[name]);
        expectUpdate(`update (before − after) of ${name}'s BatchNorm β`, b.beta, a.beta, REF.batchnorm.dbeta_step[name]);
        // running_mean starts at 0: compared as it is. running_var starts at 1: its increment over
        // 0.9 = (1 − momentum) · 1 is compared, plus one ulp of the stored value.
        const { mean, variance } = running[name];
        expectClose('running stats', `running mean of ${name}'s BatchNorm`, mean, REF.batchnorm.runningMean[name], (i) => ULP32 * Math.abs(mean[i]));
        expectClose(
          'running stats',
          `running variance of ${name}'s BatchNorm, minus 0.9`,
          variance.map((v) => v - 0.9),
          REF.batchnorm.runningVar[name].map((v) => v - 0.9),
          (i) => ULP32 * Math.abs(variance[i]),
        );
      }
    });
    report(t);
  });

  test('adam: three Adam steps (lr 0.01) on batches A, B, A', (t) => {
    withFixedModel('none', (model, split) => {
      checkSteps(REF.adam, model, split, [A, B, A], { kind: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    });
    report(t);
  });
});
// ---- The reference values: the output of train.torch.py, pasted. Regenerate, do not edit. ----

// Generated by `/usr/bin/python3 test/training/train.torch.py` (PyTorch 1.13.0a0, float64).
const REF = {
  sgd: {
    loss: [1.28011051599745],
    dh: {
      hidden1: [
        [-0.01859564881074489, 0.02101798342200463, -0.011034025729904981, 0.024615385597359592],
        [0.015826712165372833, -0.010186885794054235, 0.012655679964127569, -0.01596416224110281],
        [0.0202507215271229, -0.02796152028449691, 0.009842163320154942, -0.030205548984246013],
        [0.016419670661592636, -0.010690195395591972, 0.013060977814695958, -0.01671869514349205],
      ],
      hidden2: [
        [-0.024848275355990136, 0.014637589999692313, 0.04513223472479051, 0.04601741768280656],
        [0.015296973166962722, 0.015503480074598763, -0.027370881741511015, -0.04251530926937055],
        [0.03146577927692489, -0.03468268586919279, -0.05739853718536095, -0.04895238949159571],
        [0.01598278937859053, 0.015163610681861906, -0.028550155499438262, -0.04379147660179936],
      ],
      hidden3: [
        [-0.004905879344901769, 0.03022545568306869, -0.2234068426041403, -0.0536100493539115],
        [0.08906089342219249, 0.015373875585389322, 0.19390133992328887, 0.14880143841787802],
        [-0.05165830430322752, -0.06289744893751842, 0.2570866923742208, -0.007415852135987535],
        [0.08894621049189683, 0.014948243926877523, 0.19643006271697916, 0.14920297136051908],
      ],
      output: [
        [-0.12166502476805213, 0.07238845323220937, 0.04927657153584275],
        [0.1259239330635727, 0.07438118848596033, -0.20030512154953306],
        [0.12627098212165258, -0.1760176401757284, 0.04974665805407584],
        [0.12726024907388164, 0.0732864303807844, -0.20054667945466603],
      ],
    },
    dW: {
      hidden1: [
        [0.003381317544144253, -0.0032896996175163077, 0.0027659652654843853, -0.006184666480381829],
        [0.005364519606293824, -0.006364000191064988, 0.003805967559347862, -0.009834628436310743],
        [0.003931666278827654, -0.005804030663588484, 0.00260134852532624, -0.008169148920343976],
        [0.0010023676348232774, -0.0019329171157914972, 0.0008443851008857169, -0.0030927172266321016],
        [0.0035085178295234864, -0.0032571664952455734, 0.002604001789203668, -0.005717614342577125],
        [0.003980436083099224, -0.0037683223040685973, 0.003132968045945202, -0.006848569973654533],
      ],
      hidden2: [
        [0.001406090948472639, 0.0012243618697514247, -0.0027873349586028896, -0.00417361922831109],
        [0.007068673845021996, 0.0009316832989796532, -0.013975062711934954, -0.01753546322439513],
        [0.0017178544671073053, 0.0006672952844504089, -0.0034044460610416906, -0.004560184252348997],
        [0.0030952256144730814, 0.0015543493802493483, -0.006131714360583533, -0.008441186640303586],
      ],
      hidden3: [
        [0.007978744757986737, -0.0001523011096102616, 0.03108040820609863, 0.018451664353025286],
        [0.016723758573122447, -9.711457189270553e-05, 0.06212689414106019, 0.0379617608804511],
        [0.013374613720208013, -0.00023512617693615068, 0.05169007619873932, 0.030825290355147722],
        [0.013602635548618125, -0.0002201553439801168, 0.05234630832085253, 0.03129964218050121],
      ],
      output: [
        [0.18330266119630684, 0.030442506801221816, -0.21374516799752868],
        [0.22290558458668813, 0.036885166204074574, -0.25979075079076275],
        [0.08196506987469983, 0.015704463507782172, -0.09766953338248201],
        [0.155036509482124, 0.026966646019330562, -0.18200315550145457],
      ],
    },
    db: {
      hidden1: [0.005028510642175689, -0.0044728425347345035, 0.004077635193849023, -0.00870701438690851],
      hidden2: [0.008521276924498819, 0.0024483737157354264, -0.01681097563630697, -0.02194273427485471],
      hidden3: [0.02515738680629341, -8.821613503154965e-06, 0.09187641150838124, 0.05674908776309197],
      output: [0.2577901394910548, 0.04403843192322569, -0.3018285714142805],
    },
    dW_step: {
      hidden1: [
        [0.0016906587720720845, -0.0016448498087581198, 0.001382982632742169, -0.0030923332401909254],
        [0.0026822598031469025, -0.003182000095532489, 0.0019029837796739335, -0.004917314218155389],
        [0.0019658331394137862, -0.0029020153317942388, 0.0013006742626631151, -0.004084574460171964],
        [0.000501183817411599, -0.0009664585578957885, 0.00042219255044284587, -0.0015463586133160345],
        [0.0017542589147617749, -0.0016285832476228002, 0.0013020008946018624, -0.002858807171288613],
        [0.0019902180415496407, -0.0018841611520343249, 0.001566484022972603, -0.0034242849868272307],
      ],
      hidden2: [
        [0.0007030454742362746, 0.0006121809348757223, -0.0013936674793014747, -0.002086809614155527],
        [0.003534336922510998, 0.00046584164948981766, -0.0069875313559675245, -0.008767731612197571],
        [0.0008589272335536302, 0.00033364764222520993, -0.0017022230305208663, -0.0022800921261745266],
        [0.001547612807236587, 0.0007771746901246712, -0.003065857180291731, -0.004220593320151789],
      ],
      hidden3: [
        [0.003989372378993328, -7.615055480514332e-05, 0.015540204103049349, 0.009225832176512627],
        [0.008361879286561236, -4.85572859463268e-05, 0.031063447070530104, 0.0189808804402255],
        [0.006687306860104006, -0.00011756308846810892, 0.025845038099369666, 0.015412645177573847],
        [0.0068013177743090625, -0.00011007767199006091, 0.026173154160426315, 0.015649821090250593],
      ],
      output: [
        [0.09165133059815345, 0.015221253400610868, -0.10687258399876431],
        [0.11145279229334404, 0.018442583102037287, -0.12989537539538137],
        [0.040982534937349935, 0.007852231753891159, -0.04883476669124098],
        [0.077518254741062, 0.013483323009665288, -0.09100157775072726],
      ],
    },
    db_step: {
      hidden1: [0.0025142553210878438, -0.0022364212673672557, 0.002038817596924536, -0.004353507193454231],
      hidden2: [0.004260638462249389, 0.0012241868578677373, -0.008405487818153479, -0.010971367137427357],
      hidden3: [0.012578693403146712, -4.4108067516202e-06, 0.04593820575419061, 0.028374543881545977],
      output: [0.1288950697455274, 0.022019215961612826, -0.15091428570714027],
    },
  },
  batchnorm: {
    loss: [1.2079443022709702],
    dh: {
      hidden1: [
        [-0.06441150187578987, 0.0702323300899757, -0.04094627295591782, 0.10903910133119174],
        [-0.07150113636945571, 0.05923484433776457, -0.050266931250608285, 0.07221843806922737],
        [0.00832633582777145, -0.02929527635147693, -0.0004012989871254886, -0.03373626368072679],
        [0.12758630241747415, -0.10017189807626335, 0.09161450319365161, -0.14752127571969234],
      ],
      hidden2: [
        [-0.07330828042459261, -0.004749418987550801, 0.04971742651850126, 0.05589866036205708],
        [0.00423377570553886, 0.002865330519323243, 0.037777248593647554, 0.04008195123416445],
        [0.013219545117682793, -0.02097506481124688, -0.013075346019849722, 0.004239880635190892],
        [0.05585495960137087, 0.02285915327947448, -0.07441932909229905, -0.10022049223141241],
      ],
      hidden3: [
        [-0.009590324192176643, 0.014948545669974743, -0.13455369648867682, -0.040290805579533545],
        [0.08647757405065151, 0.013424317880449593, 0.19857100837321298, 0.1466828701182881],
        [-0.05458225761039634, -0.0615376752024559, 0.2379559880024052, -0.015026200877942042],
        [0.08516878656088675, 0.0025830585087521143, 0.2683957542984449, 0.1600108886427599],
      ],
      output: [
        [-0.07486709004744857, 0.032861928134429466, 0.042005161913019104],
        [0.12782318331454817, 0.0685224538803483, -0.1963456371948965],
        [0.11525242616210107, -0.17387007541543867, 0.05861764925333759],
        [0.1651677564002727, 0.041299338508061285, -0.206467094908334],
      ],
    },
    dW: {
      hidden1: [
        [0.028349591677660067, -0.023851251284904, 0.03353848809995618, -0.02780828264882001],
        [0.012843891724623711, -0.00826743608872925, 0.009450669477047806, -0.04440400670754534],
        [-0.030891255386288057, 0.01441286416618086, -0.03423797318200608, 0.011916573589885406],
        [-0.03670424213184154, 0.011006217854609233, -0.03154046398637831, 0.05863143924610171],
        [-0.026705103243492172, 0.025638511247814817, -0.03509895895330887, 0.011568405202841768],
        [0.044022756890221386, -0.029469795982975052, 0.046719614742499575, -0.05752028979946976],
      ],
      hidden2: [
        [-0.006850032311294715, 0.006213392915493191, 0.007592524121576073, 0.009911181858999283],
        [0.015089892011422456, -0.004335112732271503, -0.001582311727976623, -0.007173551917893481],
        [0.00873300281247183, 0.0033238711635007, 0.00021818865683523276, -0.003216525280685848],
        [-0.0026425465855732474, 0.003303225137190405, 0.011313900239287588, 0.012076077167354909],
      ],
      hidden3: [
        [-0.006121425636488607, -0.010484809060972454, -0.005774216385285921, -0.0009876979000015473],
        [0.01586328609354418, 0.007412548342451484, 0.008954519214778175, -0.0032390330165365457],
        [0.012293245311193914, -0.002733468054885044, -0.0007893099430874493, -0.01075243528910531],
        [0.0035870260361490517, -0.006267069816183881, -0.00885138748632654, -0.012516254573981526],
      ],
      output: [
        [0.155159572121033, -0.09600466921808111, -0.05915490290295193],
        [0.21936298645695332, -0.06297512564585976, -0.1563878608110936],
        [0.11346091347666509, 0.02179911637866291, -0.13526002985532803],
        [0.20981267154260583, 0.036252111947961074, -0.24606478349056693],
      ],
    },
    db: {
      hidden1: [1.3877787807814457e-17, -1.3877787807814457e-17, 0.0, 5.551115123125783e-17],
      hidden2: [6.938893903907228e-18, 0.0, -1.3877787807814457e-17, 0.0],
      hidden3: [-7.632783294297951e-17, 2.1250362580715887e-17, -2.7755575615628914e-17, 2.7755575615628914e-17],
      output: [0.3333762758294734, -0.031186354892599612, -0.3021899209368738],
    },
    dzAbsSum: {
      hidden1: [0.23243568030879258, 0.15638377024704336, 0.23683513282503352, 0.32348831819464685],
      hidden2: [0.11342778154344502, 0.03333561852319909, 0.14782826347105715, 0.1893173454044756],
      hidden3: [0.13515277248870736, 0.037107035903252386, 0.20850501977190522, 0.1432594868776779],
    },
    dgamma: {
      hidden1: [-0.008942810322261803, -0.004496381278653182, 0.0028856006815676347, 0.014406823356899724],
      hidden2: [-0.009488550238940156, 0.002318083100531583, -9.578774281477351e-05, 0.007673422248506354],
      hidden3: [-0.03961321211948022, -0.014262974885814983, -0.07785825905260176, 0.0510686460072455],
    },
    dbeta: {
      hidden1: [0.002348502989167122, -0.008237261839890386, 0.007124613937251025, -0.006557513422731753],
      hidden2: [-0.0006568190751662668, 0.00012706153136904721, -0.0007601891653039317, 0.0017367913720867725],
      hidden3: [0.026649559377837414, -0.005369403669254592, 0.12722810739571866, 0.04934564286679561],
    },
    dW_step: {
      hidden1: [
        [0.014174795838830079, -0.011925625642452031, 0.016769244049978038, -0.013904141324410008],
        [0.006421945862311873, -0.004133718044364576, 0.004725334738523906, -0.022202003353772648],
        [-0.015445627693144004, 0.007206432083090464, -0.017118986591003083, 0.005958286794942702],
        [-0.018352121065920768, 0.005503108927304656, -0.015770231993189165, 0.02931571962305085],
        [-0.01335255162174609, 0.0128192556239074, -0.017549479476654417, 0.005784202601420874],
        [0.022011378445110585, -0.014734897991487528, 0.02335980737124979, -0.028760144899734885],
      ],
      hidden2: [
        [-0.0034250161556473313, 0.0031066964577465828, 0.0037962620607880915, 0.004955590929499598],
        [0.007544946005711228, -0.0021675563661357478, -0.0007911558639882577, -0.003586775958946742],
        [0.004366501406235956, 0.0016619355817503734, 0.00010909432841760269, -0.0016082626403429723],
        [-0.00132127329278664, 0.0016516125685951955, 0.005656950119643844, 0.006038038583677463],
      ],
      hidden3: [
        [-0.003060712818244271, -0.005242404530486217, -0.0028871081926429287, -0.0004938489500008192],
        [0.007931643046772102, 0.0037062741712257097, 0.004477259607389095, -0.0016195165082683038],
        [0.006146622655596956, -0.0013667340274424733, -0.00039465497154367313, -0.00537621764455265],
        [0.0017935130180745246, -0.0031335349080919284, -0.0044256937431632615, -0.006258127286990767],
      ],
      output: [
        [0.07757978606051652, -0.048002334609040576, -0.029577451451475945],
        [0.10968149322847665, -0.03148756282292988, -0.07819393040554679],
        [0.056730456738332546, 0.010899558189331415, -0.06763001492766407],
        [0.10490633577130293, 0.018126055973980537, -0.12303239174528346],
      ],
    },
    db_step: {
      hidden1: [0.0, 0.0, 0.0, 0.0],
      hidden2: [0.0, 0.0, 0.0, 0.0],
      hidden3: [-5.551115123125783e-17, 0.0, 0.0, 0.0],
      output: [0.1666881379147367, -0.015593177446299789, -0.1510949604684369],
    },
    dgamma_step: {
      hidden1: [-0.004471405161130981, -0.002248190639326575, 0.001442800340783812, 0.007203411678449845],
      hidden2: [-0.004744275119470176, 0.0011590415502658047, -4.789387140746726e-05, 0.0038367111242532115],
      hidden3: [-0.01980660605974016, -0.007131487442907591, -0.03892912952630079, 0.025534323003622794],
    },
    dbeta_step: {
      hidden1: [0.001174251494583561, -0.004118630919945193, 0.0035623069686255126, -0.0032787567113658767],
      hidden2: [-0.0003284095375831334, 6.353076568452361e-05, -0.00038009458265196583, 0.0008683956860433863],
      hidden3: [0.013324779688918707, -0.002684701834627296, 0.06361405369785933, 0.024672821433397805],
    },
    runningMean: {
      hidden1: [-0.13957107843137256, 0.07729166666666666, -0.15098039215686276, -0.05474264705882353],
      hidden2: [-0.10594578314046679, 0.06906918799131283, -0.03214328620668469, -0.044529119384148816],
      hidden3: [0.09685920041326189, 0.16427192025972748, -0.04458509528321124, 0.015261296462326919],
    },
    runningVar: {
      hidden1: [0.9095437752306805, 0.9145939001826221, 0.9040151504229142, 0.9063964520857363],
      hidden2: [0.9146165867909013, 0.915638930994542, 0.9083956830094255, 0.9081403326880015],
      hidden3: [0.9030327849726545, 0.9188740556865836, 0.9208551884971794, 0.915808034527318],
    },
  },
  adam: {
    loss: [1.28011051599745, 1.190937952893886, 1.2312004701661063],
    dW_step: {
      hidden1: [
        [0.026479873912754193, -0.027796640085612556, 0.02575975202859082, -0.025277179441077713],
        [0.028003041004110496, -0.028163919364146084, 0.027594396878863198, -0.027437059312622303],
        [0.029825722869001536, -0.029720385202378075, 0.029797399183787543, -0.029951274227575153],
        [0.025889995507414887, -0.026171312186332285, 0.027597425213089943, -0.027513495815947087],
        [0.029775608586684155, -0.029416867789544554, 0.02885085140204724, -0.029853708734654427],
        [0.028393886662490875, -0.028513553098905298, 0.02786826931784034, -0.027346448795148803],
      ],
      hidden2: [
        [0.0277693656757243, 0.0038718964734243966, -0.027710777869227265, -0.029098614670214906],
        [0.029749605459255736, -0.00013886279969876902, -0.029922524525111238, -0.029747064607225093],
        [0.028742985921049846, 0.0007434524447188506, -0.028664754794206992, -0.029555503843872732],
        [0.02959344338127423, 0.005066579844396124, -0.02967021631435618, -0.029934646125034936],
      ],
      hidden3: [
        [0.022268965306925792, -0.024208446030262537, 0.029827430271315736, 0.027738813479832203],
        [0.022281519302334213, -0.023734560962985207, 0.029866704208329264, 0.027597854337920502],
        [0.022770728869800007, -0.02432710649851144, 0.029904439855855114, 0.027593895443595445],
        [0.022982073971513972, -0.024302068631617824, 0.02990292230255065, 0.02760353723344272],
      ],
      output: [
        [0.02990531576803046, 0.0012082099947248182, -0.02623097241109451],
        [0.029922324495183894, 0.0012294822915232058, -0.0262556736125355],
        [0.029864828337412663, 0.001177450510635003, -0.026134203666797307],
        [0.02990280999652767, 0.00135266997711464, -0.02618654992699959],
      ],
    },
    db_step: {
      hidden1: [0.029293542967885777, -0.0276762608396552, 0.0298666082576714, -0.029624865931775823],
      hidden2: [0.029467885914177427, 0.0012847990568495282, -0.02949760972085802, -0.02987776351017757],
      hidden3: [0.022044665615642167, -0.02343998042324058, 0.029820761757807623, 0.027723581090376398],
      output: [0.02992081802721122, 0.0012498470528771177, -0.026238906633295256],
    },
  },
};
