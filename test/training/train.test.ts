import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { FashionMNIST, Split, epochBatches, gatherBatch, loadFashionMNIST } from '../../lib/dataset/fashionmnist';
import { MLP, MLPSpec, ModelSpec, buildMLP } from '../../lib/network/models';
import { OptimizerSpec } from '../../lib/network/optimizers';
import { OPTIMIZER_DEFAULTS, RunSpec } from '../../lib/spec/spec';
import { LAYER_METRICS, LayerStats, STEP_METRICS } from '../../lib/training/stats';
import { EpochRecord, Progress, STEP_EPOCHS, TrainPlan, batchTensors, countHits, trainWithStats } from '../../lib/training/train';
import {
  IMAGE_PIXELS, REAL_DATA_DIR, assertClose, countCorrect, f32, hasRealData, matmul, mean, meanCrossEntropy, mlpSpec, randn, sigmoid,
  studySpec, syntheticData, withoutSeconds,
} from '../helpers';

before(async () => {
  await initBackend();
});

const SMALL: Partial<MLPSpec> = { depth: 3, width: 16 };
/** Adam at `lr`, the rest as a run spec fills it in (PyTorch's defaults). */
const adam = (lr: number): OptimizerSpec => ({ ...OPTIMIZER_DEFAULTS.adam, lr });

/** The network part of a run spec that describes `model`. */
function modelSpec(model: MLP): ModelSpec {
  const { depth, width, activation, init, normalization, skip, gradNorm } = model.spec;
  return { depth, width, activation, init, normalization, skip, gradNorm };
}

/**
 * A plan that trains all of `model` for `epochs` epochs from epoch 1, no histograms: its spec is the
 * study's (SGD lr 1e-2, batch 512, seed 0) describing `model`, `spec` on top; the plan takes `changes` on top.
 */
function plan(model: MLP, epochs: number, spec: Partial<RunSpec> = {}, changes: Partial<TrainPlan> = {}): TrainPlan {
  return {
    spec: studySpec({ model: modelSpec(model), schedule: { kind: 'plain', epochs }, ...spec }),
    epochs,
    activeDepth: model.spec.depth,
    frozen: [],
    epochOffset: 0,
    histogramEpochs: [],
    ...changes,
  };
}
const snapshot = (model: MLP) =>
  Object.fromEntries(model.layers.flatMap((l) => [[`${l.name}/kernel`, Array.from(l.kernel.dataSync())], [`${l.name}/bias`, Array.from(l.bias.dataSync())]]));
const layer = (r: EpochRecord, name: string): LayerStats => {
  const s = r.layers.find((l) => l.name === name);
  assert.ok(s, `no stats for ${name}`);
  return s;
};

/** Pixels / 255 and labels of a whole split, straight from its bytes. */
function splitArrays(split: Split): { x: number[]; y: number[] } {
  return { x: Array.from(split.images, (b) => b / 255), y: Array.from(split.labels) };
}

/** Float64 logits of a sigmoid MLP without skips or normalisation, from plain weight arrays. */
function logits64(w: Record<string, number[]>, depth: number, width: number, x: number[], n: number): number[] {
  let h = x;
  for (let i = 1; i <= depth; i++) {
    const b = w[`hidden${i}/bias`];
    h = matmul(h, w[`hidden${i}/kernel`], n, i === 1 ? IMAGE_PIXELS : width, width).map((v, k) => sigmoid(v + b[k % width]));
  }
  const bo = w['output/bias'];
  return matmul(h, w['output/kernel'], n, width, 10).map((v, k) => v + bo[k % 10]);
}

describe('batchTensors: the batch on the backend', () => {
  test("exactly gatherBatch's floats (byte / 255 in float32) for every byte value, labels as int32, no tensor left", () => {
    // 3 images whose pixels run through all 256 byte values, in scrambled order
    const n = 3;
    const images = Uint8Array.from({ length: n * IMAGE_PIXELS }, (_, i) => (i * 97) % 256);
    const split: Split = { images, labels: Uint8Array.from([4, 9, 0]), n };
    const start = tf.memory().numTensors;
    const order = [2, 0, 1, 2];
    const { x, y } = batchTensors(split, order);
    assert.equal(tf.memory().numTensors, start + 2, 'only the two tensors returned');
    assert.deepEqual(x.shape, [order.length, IMAGE_PIXELS]);
    assert.equal(y.dtype, 'int32');
    const expected = gatherBatch(split, order);
    assert.deepEqual(Array.from(x.dataSync()), Array.from(expected.x));
    assert.deepEqual(Array.from(y.dataSync()), [0, 4, 9, 0]);
    tf.dispose([x, y]);
  });
});

describe('countHits', () => {
  test("tfjs's argMax compared with the labels, ties to the first class included", () => {
    const [rows, classes] = [300, 10];
    // values on a coarse grid, so that many rows tie for their largest value
    const values = f32(randn(rows * classes, 11, 2).map((v) => Math.round(v)));
    const labels = Int32Array.from({ length: rows }, (_, r) => (r * 7) % classes);
    const logits = tf.tensor2d(values, [rows, classes]);
    const expected = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.tensor1d(labels, 'int32')), 'float32')).dataSync()[0]);
    let ties = 0;
    for (let r = 0; r < rows; r++) {
      const row = values.slice(r * classes, (r + 1) * classes);
      ties += Number(row.filter((v) => v === Math.max(...row)).length > 1);
    }
    assert.ok(ties > 30, `only ${ties} rows tie`);
    assert.ok(expected > 10, 'some hits');
    assert.equal(countHits(logits, labels), expected);
    logits.dispose();
  });
});

describe('trainWithStats: a validation loss that is not finite', () => {
  test('stops the run at that epoch, keeping it, instead of an epoch later', async () => {
    const data = syntheticData(300, 100);
    const model = buildMLP(mlpSpec({ ...SMALL, normalization: 'batchnorm' }));
    // Training reads the batch's own statistics, evaluation the running ones: poisoning the running mean
    // after epoch 2's last step leaves every training loss finite and makes epoch 2's validation NaN.
    const onProgress = (p: Progress) => {
      if (p.kind === 'step' && p.epoch === 2 && p.step === p.steps) {
        const bn = model.layers[0].bn;
        assert.ok(bn, 'a BatchNorm layer');
        bn.runningMean.assign(tf.fill(bn.runningMean.shape, NaN));
      }
    };
    const { epochs, stopped } = await trainWithStats(model, data, plan(model, 5, { batchSize: 100 }), { onProgress });
    assert.equal(epochs.length, 2);
    assert.ok(Number.isFinite(epochs[0].valLoss) && Number.isNaN(epochs[1].valLoss));
    assert.equal(stopped?.reason, 'non-finite-loss');
    assert.equal(stopped?.epoch, 2);
    assert.match(stopped?.message ?? '', /the validation loss became NaN after epoch 2 .*the 2 epoch\(s\) are kept, the last one diverged/);
    model.dispose();
  });
});

describe('trainWithStats: what it records', () => {
  test('per-layer statistics: every key, input to output, output last, its activation fields null', async () => {
    const data = syntheticData(300, 100);
    for (const gradNorm of [false, true]) {
      const model = buildMLP(mlpSpec({ ...SMALL, gradNorm }));
      const { epochs, stopped } = await trainWithStats(model, data, plan(model, 1, { batchSize: 100 }));
      assert.equal(stopped, undefined);
      const r = epochs[0];
      assert.deepEqual(r.layers.map((l) => l.name), ['hidden1', 'hidden2', 'hidden3', 'output']);
      for (const l of r.layers) {
        assert.deepEqual(Object.keys(l).sort(), ['name', ...LAYER_METRICS].sort());
        for (const key of ['weightGradMeanAbs', 'weightGradNorm', 'activationGradMeanAbs', 'updateRatio'] as const) {
          const v = l[key];
          assert.ok(v !== null && Number.isFinite(v) && v > 0, `${l.name}.${key} = ${v}`);
        }
        const hidden = l.name !== 'output';
        for (const key of ['activationMean', 'activationStd', 'saturation'] as const) {
          if (hidden) assert.ok(l[key] !== null && Number.isFinite(l[key]), `${l.name}.${key}`);
          else assert.equal(l[key], null, `output.${key} must be null`);
        }
        assert.equal(l.normalizedGradMeanAbs !== null, gradNorm && hidden, `${l.name}.normalizedGradMeanAbs`);
      }
      model.dispose();
    }
  });

  test('every step of epochs 1 and 2: its loss and each layer\'s RMS dL/dh and update ratio, whose means are the epoch\'s', async () => {
    const batchSize = 100;
    const data = syntheticData(300, 50); // 3 steps an epoch
    const model = buildMLP(mlpSpec(SMALL));
    const w0 = snapshot(model);
    const { epochs } = await trainWithStats(model, data, plan(model, 3, { batchSize }, { frozen: ['hidden2'] }));
    assert.equal(STEP_EPOCHS, 2);
    assert.deepEqual(epochs.map((e) => e.steps !== undefined), [true, true, false], 'steps kept for epochs 1 and 2 only');
    for (const e of epochs.slice(0, 2)) {
      const steps = e.steps!;
      assert.equal(steps.loss.length, 3);
      assertClose(mean(steps.loss as number[]), e.trainLoss, { rtol: 1e-3, msg: `epoch ${e.epoch}: the steps' mean loss is the epoch's` });
      for (const m of STEP_METRICS) {
        assert.equal(steps[m].length, e.layers.length);
        e.layers.forEach((l, li) => {
          if (l.name === 'hidden2' && m === 'updateRatio') {
            assert.deepEqual(steps[m][li], [null, null, null], 'a frozen layer has no update');
            assert.equal(l[m], null);
          } else {
            assertClose(mean(steps[m][li] as number[]), l[m] as number, { rtol: 1e-3, msg: `epoch ${e.epoch}, ${l.name}.${m}: the steps' mean is the epoch's` });
          }
        });
      }
    }
    // the first step, from the initial weights in float64: its loss, and RMS dL/dlogits = RMS((softmax − onehot) / batch)
    const { x, y } = splitArrays(data.train);
    const first = Array.from(epochBatches(data.train.n, batchSize, 'shuffle:0:1')[0]);
    const xb = first.flatMap((i) => x.slice(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS));
    const yb = first.map((i) => y[i]);
    const logits = logits64(w0, 3, 16, xb, batchSize);
    assertClose(epochs[0].steps!.loss[0] as number, meanCrossEntropy(logits, yb, 10), { rtol: 5e-4, msg: 'first step loss' });
    let sq = 0;
    for (let i = 0; i < batchSize; i++) {
      const row = logits.slice(i * 10, (i + 1) * 10);
      const max = Math.max(...row);
      const total = row.reduce((a, v) => a + Math.exp(v - max), 0);
      row.forEach((v, c) => (sq += ((Math.exp(v - max) / total - Number(c === yb[i])) / batchSize) ** 2));
    }
    assertClose(epochs[0].steps!.activationGradRms[3][0] as number, Math.sqrt(sq / (batchSize * 10)), { rtol: 5e-4, msg: 'first step RMS dL/dlogits' });
    model.dispose();
    const off = buildMLP(mlpSpec(SMALL));
    const quiet = await trainWithStats(off, data, plan(off, 1, { batchSize }), { stats: false });
    assert.equal(quiet.epochs[0].steps, undefined, 'no steps without statistics');
    off.dispose();
  });

  test('one step measured against an independent computation (SGD: updateRatio = lr·std(g)/std(W))', async () => {
    const n = 64;
    const width = 16;
    const depth = 3;
    const lr = 0.5;
    const data = syntheticData(n, 1500, 5); // one training step per epoch; 1,500 validation images: 2 eval batches
    const model = buildMLP(mlpSpec({ depth, width, init: { kind: 'normal', std: 0.3 } }));
    const w0 = snapshot(model);
    const { epochs } = await trainWithStats(model, data, plan(model, 1, { batchSize: n, optimizer: { kind: 'sgd', lr } }));
    const w1 = snapshot(model);
    const r = epochs[0];
    const { x, y } = splitArrays(data.train);

    // the gradient of the mean cross-entropy w.r.t. every kernel and w.r.t. each hidden output, by stock tf autodiff
    const ref = tf.tidy(() => {
      const xt = tf.tensor2d(x, [n, IMAGE_PIXELS]);
      const onehot = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
      const kernels = [...Array.from({ length: depth }, (_, i) => `hidden${i + 1}`), 'output'].map((name) =>
        tf.tensor2d(w0[`${name}/kernel`], [name === 'hidden1' ? IMAGE_PIXELS : width, name === 'output' ? 10 : width]));
      const biases = [...Array.from({ length: depth }, (_, i) => `hidden${i + 1}`), 'output'].map((name) => tf.tensor1d(w0[`${name}/bias`]));
      const loss = (logits: tf.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1)));
      // from hidden layer `from` (its output h) to the loss
      const rest = (h: tf.Tensor, from: number) => {
        let a = h;
        for (let i = from + 1; i <= depth; i++) a = tf.sigmoid(tf.add(tf.matMul(a as tf.Tensor2D, kernels[i - 1]), biases[i - 1]));
        return loss(tf.add(tf.matMul(a as tf.Tensor2D, kernels[depth]), biases[depth]));
      };
      const hs: tf.Tensor[] = [];
      let a: tf.Tensor = xt;
      for (let i = 1; i <= depth; i++) {
        a = tf.sigmoid(tf.add(tf.matMul(a as tf.Tensor2D, kernels[i - 1]), biases[i - 1]));
        hs.push(a);
      }
      const kernelGrads = tf.grads((...ks: tf.Tensor[]) => {
        let h: tf.Tensor = xt;
        for (let i = 1; i <= depth; i++) h = tf.sigmoid(tf.add(tf.matMul(h as tf.Tensor2D, ks[i - 1] as tf.Tensor2D), biases[i - 1]));
        return loss(tf.add(tf.matMul(h as tf.Tensor2D, ks[depth] as tf.Tensor2D), biases[depth]));
      })(kernels).map((g) => Array.from(g.dataSync()));
      const hGrads = hs.map((h, i) => Array.from(tf.grad((ht: tf.Tensor) => rest(ht, i + 1))(h).dataSync()));
      return { kernelGrads, hGrads, hs: hs.map((h) => Array.from(h.dataSync())) };
    });

    const names = [...Array.from({ length: depth }, (_, i) => `hidden${i + 1}`), 'output'];
    names.forEach((name, i) => {
      const g = ref.kernelGrads[i];
      const s = layer(r, name);
      const tol = { rtol: 2e-3, atol: 0 };
      assertClose(s.weightGradMeanAbs as number, mean(g.map(Math.abs)), { ...tol, msg: `${name} weightGradMeanAbs` });
      assertClose(s.weightGradNorm as number, Math.sqrt(g.reduce((t, v) => t + v * v, 0)), { ...tol, msg: `${name} weightGradNorm` });
      const stdG = Math.sqrt(mean(g.map((v) => v * v)) - mean(g) ** 2);
      const w = w0[`${name}/kernel`];
      const stdW = Math.sqrt(mean(w.map((v) => v * v)) - mean(w) ** 2);
      assertClose(s.updateRatio as number, (lr * stdG) / stdW, { ...tol, msg: `${name} updateRatio` });
      // the kernel moved by exactly -lr·g
      assertClose(w1[`${name}/kernel`], w.map((v, k) => v - lr * g[k]), { atol: 1e-6, msg: `${name} SGD step` });
      if (name !== 'output') {
        const h = ref.hs[i];
        assertClose(s.activationMean as number, mean(h), { rtol: 1e-4, msg: `${name} activationMean` });
        assertClose(s.activationStd as number, Math.sqrt(mean(h.map((v) => v * v)) - mean(h) ** 2), { rtol: 1e-3, msg: `${name} activationStd` });
        assertClose(s.saturation as number, h.filter((v) => v < 0.01 || v > 0.99).length / h.length, { atol: 1e-6, msg: `${name} saturation` });
        assertClose(s.activationGradMeanAbs as number, mean(ref.hGrads[i].map(Math.abs)), { rtol: 2e-3, msg: `${name} activationGradMeanAbs` });
      }
    });

    // at the logits: dL/dz = (softmax(z) - onehot) / n, by hand in float64
    const z = logits64(w0, depth, width, x, n);
    let sumAbs = 0;
    for (let i = 0; i < n; i++) {
      const row = z.slice(i * 10, i * 10 + 10);
      const max = Math.max(...row);
      const e = row.map((v) => Math.exp(v - max));
      const s = e.reduce((a, b) => a + b, 0);
      e.forEach((v, j) => (sumAbs += Math.abs(v / s - (j === y[i] ? 1 : 0)) / n));
    }
    assertClose(layer(r, 'output').activationGradMeanAbs as number, sumAbs / (n * 10), { rtol: 1e-3, msg: 'output activationGradMeanAbs' });

    // the epoch's train loss and accuracy are those of the step, before the update
    assertClose(r.trainLoss, meanCrossEntropy(z, y, 10), { rtol: 1e-5, msg: 'trainLoss' });
    assert.equal(r.trainAcc, countCorrect(z, y, 10) / n);

    // validation: mean over all 1,500 validation images with the updated weights, eval mode
    const val = splitArrays(data.val);
    const zv = logits64(w1, depth, width, val.x, data.val.n);
    assertClose(r.valLoss, meanCrossEntropy(zv, val.y, 10), { rtol: 1e-5, msg: 'valLoss' });
    assert.equal(r.valAcc, countCorrect(zv, val.y, 10) / data.val.n);
    model.dispose();
  });

  test('the epoch train loss is the example-weighted mean of its step losses', async () => {
    const data = syntheticData(250, 20);
    const model = buildMLP(mlpSpec(SMALL));
    const steps: Progress[] = [];
    const { epochs } = await trainWithStats(model, data, plan(model, 2, { batchSize: 100 }), { onProgress: (p) => steps.push(p) });
    const stepEvents = steps.filter((p) => p.kind === 'step');
    assert.equal(stepEvents.length, 6);
    assert.deepEqual(stepEvents.map((p) => [p.epoch, p.step, p.steps, p.lastEpoch]), [
      [1, 1, 3, 2], [1, 2, 3, 2], [1, 3, 3, 2], [2, 1, 3, 2], [2, 2, 3, 2], [2, 3, 3, 2],
    ]);
    const sizes = [100, 100, 50];
    for (const e of [1, 2]) {
      const losses = stepEvents.filter((p) => p.epoch === e).map((p) => p.loss);
      const expected = losses.reduce((t, l, i) => t + l * sizes[i], 0) / 250;
      assertClose(epochs[e - 1].trainLoss, expected, { rtol: 1e-12, msg: `epoch ${e}` });
    }
    const epochEvents = steps.filter((p) => p.kind === 'epoch');
    assert.deepEqual(epochEvents.map((p) => p.record?.epoch), [1, 2]);
    model.dispose();
  });

  test(
    "baseline on real data: hidden1's weight gradient is orders of magnitude below the output's",
    { skip: hasRealData ? false : `${REAL_DATA_DIR} is absent` },
    async () => {
      const data = loadFashionMNIST({ dir: REAL_DATA_DIR, limit: 2000 });
      const model = buildMLP(mlpSpec({ activation: 'sigmoid', init: { kind: 'torch-default' } }));
      const { epochs } = await trainWithStats(model, data, plan(model, 1, { limit: 2000 }));
      const g = epochs[0].layers.map((l) => l.weightGradMeanAbs as number);
      assert.ok(g[0] / g[7] < 1e-3, `hidden1 / output = ${g[0] / g[7]}`);
      // and it shrinks layer after layer on the way down
      for (let i = 0; i < 7; i++) assert.ok(g[i] < g[i + 1], `layer ${i + 1}: ${g[i]} ≥ ${g[i + 1]}`);
      model.dispose();
    },
  );

  test('layers beyond activeDepth have null statistics', async () => {
    const data = syntheticData(100, 20);
    const model = buildMLP(mlpSpec({ depth: 4, width: 8 }));
    const w0 = snapshot(model);
    const { epochs } = await trainWithStats(model, data, plan(model, 1, { batchSize: 50 }, { activeDepth: 2 }));
    const measured = (l: LayerStats) => LAYER_METRICS.filter((key) => l[key] !== null);
    const all = LAYER_METRICS.filter((key) => key !== 'normalizedGradMeanAbs');
    const [h1, h2, h3, h4, out] = epochs[0].layers;
    // no prediction for the first layer: the gradient below it (at the input) is not measured
    assert.deepEqual(measured(h1), all.filter((key) => key !== 'predictedGradFactor'));
    assert.deepEqual(measured(h2), all);
    assert.deepEqual(measured(h3), []);
    assert.deepEqual(measured(h4), []);
    // the output layer: its own output is the logits, no activation, no spread
    assert.deepEqual(measured(out), ['weightGradMeanAbs', 'weightGradNorm', 'activationGradMeanAbs', 'updateRatio', 'activationGradRms', 'predictedGradFactor']);
    const w1 = snapshot(model);
    assert.deepEqual(w1['hidden3/kernel'], w0['hidden3/kernel']);
    assert.notDeepEqual(w1['hidden2/kernel'], w0['hidden2/kernel']);
    model.dispose();
  });
});

describe('trainWithStats: freezing', () => {
  const cases: Array<{ optimizer: OptimizerSpec; frozen: string[]; options?: Partial<MLPSpec> }> = [
    { optimizer: { kind: 'sgd', lr: 0.1 }, frozen: ['hidden1', 'hidden3'] },
    { optimizer: adam(1e-2), frozen: ['hidden2', 'output'] },
    { optimizer: adam(1e-2), frozen: ['hidden1'], options: { normalization: 'batchnorm' } },
  ];
  for (const c of cases) {
    test(`${c.optimizer.kind}${c.options ? ' + batchnorm' : ''}: ${c.frozen.join(', ')} stay bit-identical, the others change`, async () => {
      const data = syntheticData(200, 20);
      const model = buildMLP(mlpSpec({ depth: 4, width: 16, ...c.options }));
      const bnBefore = model.hidden[0].bn ? Array.from(model.hidden[0].bn.gamma.dataSync()) : undefined;
      const w0 = snapshot(model);
      const { epochs } = await trainWithStats(model, data, plan(model, 2, { batchSize: 50, optimizer: c.optimizer }, { frozen: c.frozen }));
      const w1 = snapshot(model);
      for (const l of model.layerNames) {
        for (const part of ['kernel', 'bias']) {
          const key = `${l}/${part}`;
          if (c.frozen.includes(l)) assert.deepEqual(w1[key], w0[key], `${key} changed while frozen`);
          else assert.notDeepEqual(w1[key], w0[key], `${key} did not train`);
        }
        const s = layer(epochs[1], l);
        assert.equal(s.weightGradMeanAbs === null, c.frozen.includes(l), `${l}.weightGradMeanAbs`);
        assert.equal(s.updateRatio === null, c.frozen.includes(l), `${l}.updateRatio`);
        // dL/dh at a layer's output is computed when some layer at or below it trains (autodiff prunes the
        // rest): it flows through frozen layers on its way down, but is not computed below the lowest trainable one
        const index = model.layerNames.indexOf(l);
        const needed = model.layerNames.slice(0, index + 1).some((n) => !c.frozen.includes(n));
        assert.equal(s.activationGradMeanAbs !== null, needed, `${l}.activationGradMeanAbs = ${s.activationGradMeanAbs}`);
      }
      if (bnBefore) assert.deepEqual(Array.from(model.hidden[0].bn!.gamma.dataSync()), bnBefore, 'frozen BatchNorm gamma changed');
      model.dispose();
    });
  }
});

describe('trainWithStats: reproducibility', () => {
  const run = async (modelSeed: number, seed: number) => {
    const model = buildMLP(mlpSpec({ ...SMALL, seed: modelSeed }));
    const { epochs } = await trainWithStats(model, syntheticData(300, 50), plan(model, 2, { batchSize: 64, seed }, { histogramEpochs: [2] }));
    model.dispose();
    return withoutSeconds(epochs);
  };

  test('two runs with the same seeds give identical numbers; another seed differs', async () => {
    const a = await run(1, 1);
    const b = await run(1, 1);
    assert.deepEqual(a, b);
    assert.ok(a[1].histograms, 'histograms asked for epoch 2');
    assert.equal(a[0].histograms, undefined);
    const c = await run(1, 2); // other shuffles
    assert.notEqual(c[0].trainLoss, a[0].trainLoss);
    const d = await run(2, 1); // other initial weights
    assert.notEqual(d[0].trainLoss, a[0].trainLoss);
  });
});

describe('trainWithStats: tensor memory', () => {
  const configs: Array<{ name: string; model: Partial<MLPSpec>; spec?: Partial<RunSpec>; plan?: Partial<TrainPlan>; stats?: boolean }> = [
    { name: 'sigmoid + SGD', model: SMALL },
    { name: 'batchnorm + Adam', model: { ...SMALL, normalization: 'batchnorm' }, spec: { optimizer: adam(1e-3) } },
    { name: 'grad-norm + histograms', model: { ...SMALL, gradNorm: true }, plan: { histogramEpochs: [1, 2, 3] } },
    { name: 'study skips + whole-tensor norm + relu', model: { depth: 7, width: 8, skip: 'study', normalization: 'whole-tensor', activation: 'relu' } },
    { name: 'frozen, partial depth, no stats', model: SMALL, plan: { frozen: ['hidden1'], activeDepth: 2 }, stats: false },
  ];
  for (const c of configs) {
    test(`${c.name}: the count is flat across epochs and back to the start after dispose`, async () => {
      const start = tf.memory().numTensors;
      const model = buildMLP(mlpSpec(c.model));
      const counts: number[] = [];
      await trainWithStats(model, syntheticData(150, 30), plan(model, 3, { batchSize: 50, ...c.spec }, c.plan), {
        stats: c.stats,
        onProgress: (p) => {
          if (p.kind === 'epoch') counts.push(tf.memory().numTensors);
        },
      });
      assert.equal(counts.length, 3);
      // epochs 1 and 2 keep every step's numbers (EpochRecord.steps), epoch 3 does not: no tensor either way
      assert.equal(counts[1], counts[0], `epoch 2 holds ${counts[1]} tensors, epoch 1 ${counts[0]}`);
      assert.equal(counts[2], counts[1]);
      model.dispose();
      assert.equal(tf.memory().numTensors, start, 'tensors left after model.dispose()');
    });
  }
});

describe('trainWithStats: early stops', () => {
  test('a diverging run (relu, N(0, 10²), lr 1e3) stops with non-finite-loss', async () => {
    const start = tf.memory().numTensors;
    for (const seed of [0, 1, 2]) {
      const model = buildMLP(mlpSpec({ activation: 'relu', init: { kind: 'normal', std: 10 }, width: 32, seed }));
      const result = await trainWithStats(model, syntheticData(1024, 50), plan(model, 2, { batchSize: 256, seed, optimizer: { kind: 'sgd', lr: 1e3 } }));
      assert.ok(result.stopped, `seed ${seed}: did not stop`);
      assert.equal(result.stopped.reason, 'non-finite-loss');
      assert.match(result.stopped.message, new RegExp(`epoch ${result.stopped.epoch}, step ${result.stopped.step} of 4`));
      assert.equal(result.epochs.length, result.stopped.epoch - 1, 'the completed epochs are kept');
      model.dispose();
    }
    assert.equal(tf.memory().numTensors, start);
  });

  test('weights that turn NaN stop the run even where relu hides the NaN from the loss', async () => {
    // The NaN that arithmetic makes (Inf - Inf, 0 · Inf) has its sign bit set, and the wasm backend's
    // relu maps such a NaN to 0: with every hidden1 weight NaN, the loss stays finite.
    const negativeNaN = (n: number) => {
      const v = new Float32Array(n);
      new Uint32Array(v.buffer).fill(0xffc00000);
      return v;
    };
    const start = tf.memory().numTensors;
    const model = buildMLP(mlpSpec({ activation: 'relu', depth: 2, width: 128 }));
    const result = await trainWithStats(model, syntheticData(200, 20), plan(model, 2, { batchSize: 100 }), {
      onProgress: (p) => {
        if (p.kind === 'step' && p.epoch === 1 && p.step === 1) {
          tf.tidy(() => model.hidden[0].kernel.assign(tf.tensor2d(negativeNaN(model.hidden[0].kernel.size), model.hidden[0].kernel.shape as [number, number])));
        }
      },
    });
    assert.equal(result.stopped?.reason, 'non-finite-loss', 'training went on with NaN weights');
    assert.equal(result.stopped?.epoch, 1);
    assert.equal(result.stopped?.step, 2);
    assert.equal(result.epochs.length, 0);
    model.dispose();
    assert.equal(tf.memory().numTensors, start);
  });

  test('a loss that turns NaN in epoch 2 keeps epoch 1 and names epoch 2, step 2', async () => {
    const start = tf.memory().numTensors;
    const model = buildMLP(mlpSpec(SMALL));
    const result = await trainWithStats(model, syntheticData(200, 20), plan(model, 3, { batchSize: 50 }), {
      onProgress: (p) => {
        // poison a weight after the first step of epoch 2: the second step's loss is NaN
        if (p.kind === 'step' && p.epoch === 2 && p.step === 1) {
          tf.tidy(() => model.hidden[1].kernel.assign(tf.fill(model.hidden[1].kernel.shape, NaN)));
        }
      },
    });
    assert.ok(result.stopped, 'result.stopped');
    assert.equal(result.stopped.reason, 'non-finite-loss');
    assert.equal(result.stopped.epoch, 2);
    assert.equal(result.stopped.step, 2);
    assert.match(result.stopped.message, /epoch 2, step 2 of 4/);
    assert.equal(result.epochs.length, 1);
    assert.ok(Number.isFinite(result.epochs[0].trainLoss), 'Number.isFinite(result.epochs[0].trainLoss)');
    model.dispose();
    assert.equal(tf.memory().numTensors, start);
  });

  test('shouldStop ends the run as interrupted with the completed epochs', async () => {
    const model = buildMLP(mlpSpec(SMALL));
    let steps = 0;
    const result = await trainWithStats(model, syntheticData(200, 20), plan(model, 3, { batchSize: 50 }), {
      shouldStop: () => ++steps === 6,
    });
    assert.equal(result.stopped?.reason, 'interrupted');
    assert.equal(result.stopped?.epoch, 2);
    assert.equal(result.stopped?.step, 2);
    assert.equal(result.epochs.length, 1);
    model.dispose();
  });
});

describe('trainWithStats on a FashionMNIST object', () => {
  test('accepts any FashionMNIST-shaped data', async () => {
    const data: FashionMNIST = syntheticData(40, 10);
    const model = buildMLP(mlpSpec({ depth: 1, width: 4 }));
    const { epochs } = await trainWithStats(model, data, plan(model, 1), { stats: false });
    assert.deepEqual(epochs[0].layers, []);
    assert.equal(epochs[0].epoch, 1);
    model.dispose();
  });
});
