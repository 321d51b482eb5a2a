import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { MLP, MLPSpec, buildMLP } from '../../lib/network/models';
import { checkSpec } from '../../lib/spec/check';
import { STUDY_MODEL, assertClose, f32, matmul, mean, mlpSpec, randn, sigmoid, studySpec, variance } from '../helpers';

before(async () => {
  await initBackend();
});

const SMALL = { inputSize: 12, width: 8, classes: 4, depth: 7, init: { kind: 'normal', std: 0.6 } } as const;
/** The small network's whole config, `changes` on top. */
const small = (changes: Partial<MLPSpec> = {}): MLPSpec => mlpSpec({ ...SMALL, ...changes });

/**
 * The MLP's forward pass in float64, from the model's variables: Linear → (normalisation) → activation
 * per hidden layer, then skip additions h_to += h_from, then the output Linear.
 */
function forward64(
  model: MLP,
  x: number[],
  n: number,
  spec: { activation?: string; normalization?: string; skip?: Array<[number, number]>; activeDepth?: number },
): number[] {
  const { inputSize, width, classes } = model.spec;
  const act = spec.activation ?? 'sigmoid';
  const depth = spec.activeDepth ?? model.spec.depth;
  const outputs: number[][] = [];
  let h = x;
  for (let i = 1; i <= depth; i++) {
    const layer = model.hidden[i - 1];
    const fanIn = i === 1 ? inputSize : width;
    const b = Array.from(layer.bias.dataSync());
    let z = matmul(h, Array.from(layer.kernel.dataSync()), n, fanIn, width).map((v, k) => v + b[k % width]);
    if (spec.normalization === 'whole-tensor') {
      const m = mean(z);
      const s = Math.sqrt(variance(z, true));
      z = z.map((v) => (v - m) / s);
    } else if (spec.normalization === 'batchnorm') {
      // training mode, gamma 1, beta 0 (the initial values)
      const cols = Array.from({ length: width }, (_, j) => Array.from({ length: n }, (_, r) => z[r * width + j]));
      const ms = cols.map(mean);
      const vs = cols.map((c) => variance(c, false));
      z = z.map((v, k) => (v - ms[k % width]) / Math.sqrt(vs[k % width] + 1e-5));
    }
    const a = z.map((v) => (act === 'relu' ? Math.max(0, v) : act === 'tanh' ? Math.tanh(v) : sigmoid(v)));
    h = a;
    for (const [from, to] of spec.skip ?? []) if (to === i) h = h.map((v, k) => v + outputs[from - 1][k]);
    outputs.push(h);
  }
  const bo = Array.from(model.output.bias.dataSync());
  return matmul(h, Array.from(model.output.kernel.dataSync()), n, width, classes).map((v, k) => v + bo[k % classes]);
}

function forwardTf(model: MLP, x: number[], n: number, training = false, activeDepth?: number): number[] {
  return tf.tidy(() => Array.from(model.forward(tf.tensor2d(x, [n, model.spec.inputSize]), { training, activeDepth }).dataSync()));
}

describe('MLP structure', () => {
  test('the study network: hidden1..hidden7 then output, 784-128x7-10', () => {
    const model = buildMLP(mlpSpec());
    assert.deepEqual(model.layerNames, ['hidden1', 'hidden2', 'hidden3', 'hidden4', 'hidden5', 'hidden6', 'hidden7', 'output']);
    assert.deepEqual(model.hidden[0].kernel.shape, [784, 128]);
    assert.deepEqual(model.hidden[6].kernel.shape, [128, 128]);
    assert.deepEqual(model.output.kernel.shape, [128, 10]);
    assert.equal(model.parameterCount, 784 * 128 + 128 + 6 * (128 * 128 + 128) + 128 * 10 + 10);
    const logits = tf.tidy(() => model.forward(tf.zeros([5, 784]) as tf.Tensor2D, { training: false }));
    assert.deepEqual(logits.shape, [5, 10]);
    logits.dispose();
    model.dispose();
  });

  test('same seed builds identical weights, another seed other weights, each layer its own', () => {
    const read = (m: MLP) => m.layers.map((l) => Array.from(l.kernel.dataSync()));
    const a = buildMLP(small({ seed: 3 }));
    const b = buildMLP(small({ seed: 3 }));
    const c = buildMLP(small({ seed: 4 }));
    assert.deepEqual(read(a), read(b));
    assert.notDeepEqual(read(a)[2], read(c)[2]);
    assert.notDeepEqual(read(a)[2], read(a)[3], 'hidden3 and hidden4 start equal');
    [a, b, c].forEach((m) => m.dispose());
  });

  test('a 200-layer network\'s layers, and two seeds\' networks, all start with distinct weights', () => {
    // per-layer seeds were seed·1000 + 10·i: from layer 100 on they met the next seed's layers
    const deep = (seed: number) => buildMLP(mlpSpec({ depth: 200, width: 4, inputSize: 4, seed }));
    const first = (m: MLP) => m.layers.map((l) => Array.from(l.kernel.dataSync().slice(0, 4)).join(','));
    const [a, b] = [deep(0), deep(1)];
    const all = [...first(a), ...first(b)];
    assert.equal(all.length, 2 * 201);
    assert.equal(new Set(all).size, all.length, 'two layers started with the same weights');
    [a, b].forEach((m) => m.dispose());
  });

  test('dispose frees every tensor the model made, BatchNorm included', () => {
    const before = tf.memory().numTensors;
    for (const normalization of ['none', 'batchnorm'] as const) {
      const model = buildMLP(small({ normalization }));
      assert.equal(tf.memory().numTensors, before + 16 + (normalization === 'batchnorm' ? 28 : 0));
      model.replaceOutput({ kind: 'torch-default' }, 5);
      model.dispose();
      assert.equal(tf.memory().numTensors, before, `${normalization}: leaked`);
    }
  });

  test('replaceOutput puts a fresh torch-default output layer in place', () => {
    const model = buildMLP(small());
    const old = Array.from(model.output.kernel.dataSync());
    model.replaceOutput({ kind: 'torch-default' }, 77);
    const fresh = Array.from(model.output.kernel.dataSync());
    assert.notDeepEqual(fresh, old);
    const bound = 1 / Math.sqrt(SMALL.width);
    assert.ok(fresh.every((v) => Math.abs(v) <= bound), 'fresh.every((v) => Math.abs(v) <= bound)');
    assert.ok(Array.from(model.output.bias.dataSync()).some((v) => v !== 0), 'Array.from(model.output.bias.dataSync()).some((v) => v !== 0)');
    model.dispose();
  });

  test('bad sizes and skip connections are rejected by the spec check (spec.ts), before any model is built', () => {
    const check = (model: Partial<MLPSpec>) => () => checkSpec({ ...studySpec({ model: { ...STUDY_MODEL, ...model } }) });
    for (const skip of [[[3, 3]], [[0, 2]], [[2, 8]], [[1.5, 3]], [[5, 2]]] as Array<Array<[number, number]>>) {
      assert.throws(check({ skip }), /model\.skip: \[.*\] does not fit a 7-layer network/);
    }
    assert.throws(check({ depth: 0 }), /model\.depth/);
    assert.throws(check({ width: 2.5 }), /model\.width/);
  });

  test("skip 'study' is [[1,3],[4,7]], 'residual' pairs every other layer", () => {
    const s = buildMLP(small({ skip: 'study' }));
    assert.deepEqual(s.skips, [[1, 3], [4, 7]]);
    const r = buildMLP(small({ skip: 'residual' }));
    assert.deepEqual(r.skips, [[1, 3], [3, 5], [5, 7]]);
    const r4 = buildMLP(small({ depth: 4, skip: 'residual' }));
    assert.deepEqual(r4.skips, [[1, 3]]);
    [s, r, r4].forEach((m) => m.dispose());
  });
});

describe('MLP forward pass against a float64 one', () => {
  const n = 5;
  const x = f32(randn(n * SMALL.inputSize, 71, 1));

  const cases: Array<{ name: string; options: Partial<MLPSpec>; spec: Parameters<typeof forward64>[3]; training?: boolean }> = [
    { name: 'sigmoid, no skip', options: {}, spec: {} },
    { name: "skip 'study'", options: { skip: 'study' }, spec: { skip: [[1, 3], [4, 7]] } },
    { name: "skip 'residual'", options: { skip: 'residual' }, spec: { skip: [[1, 3], [3, 5], [5, 7]] } },
    { name: 'relu', options: { activation: 'relu' }, spec: { activation: 'relu' } },
    { name: 'tanh, whole-tensor norm', options: { activation: 'tanh', normalization: 'whole-tensor' }, spec: { activation: 'tanh', normalization: 'whole-tensor' } },
    { name: 'batchnorm, training mode', options: { normalization: 'batchnorm' }, spec: { normalization: 'batchnorm' }, training: true },
    { name: 'gradient normalisation (identity forward)', options: { gradNorm: true }, spec: {} },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const model = buildMLP(small(c.options));
      const ours = forwardTf(model, x, n, c.training ?? false);
      const ref = forward64(model, x, n, c.spec);
      assertClose(ours, ref, { atol: 1e-5, rtol: 1e-5, msg: c.name });
      model.dispose();
    });
  }

  test('skip connections really add: the study skip changes the output', () => {
    const model = buildMLP(small({ skip: 'study' }));
    const ours = forwardTf(model, x, n);
    const noSkip = forward64(model, x, n, {});
    assert.ok(ours.some((v, i) => Math.abs(v - noSkip[i]) > 1e-3), 'the output is the same as without skips');
    model.dispose();
  });

  test('activeDepth uses the first N hidden layers, then the output layer', () => {
    const model = buildMLP(small());
    assertClose(forwardTf(model, x, n, false, 3), forward64(model, x, n, { activeDepth: 3 }), { atol: 1e-5, msg: 'activeDepth 3' });
    model.dispose();
  });

  test('batchnorm: evaluation mode uses running statistics, not the batch', () => {
    const model = buildMLP(small({ normalization: 'batchnorm' }));
    const train = forwardTf(model, x, n, true);
    const evalOut = forwardTf(model, x, n, false);
    assert.ok(train.some((v, i) => Math.abs(v - evalOut[i]) > 1e-3), 'train.some((v, i) => Math.abs(v - evalOut[i]) > 1e-3)');
    // eval: running mean 0, var 1: z / sqrt(1 + 1e-5) — one example alone gives the same logits
    const single = forwardTf(model, x.slice(0, SMALL.inputSize), 1, false);
    assertClose(single, evalOut.slice(0, SMALL.classes), { atol: 1e-6, msg: 'eval is per example' });
    model.dispose();
  });
});
