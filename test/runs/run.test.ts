import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { FashionMNIST, loadFashionMNIST } from '../../lib/dataset/fashionmnist';
import { EXPERIMENT_IDS, resolveSpec } from '../../lib/spec/experiments';
import { buildModel, runSpec } from '../../lib/runs/run';
import { REAL_DATA_DIR, hasRealData } from '../helpers';

before(async () => {
  await initBackend();
});

const LAYERS = ['hidden1', 'hidden2', 'hidden3', 'hidden4', 'hidden5', 'hidden6', 'hidden7', 'output'];

describe('runSpec', { skip: hasRealData ? false : `${REAL_DATA_DIR} is absent` }, () => {
  let data: FashionMNIST;
  before(() => {
    data = loadFashionMNIST({ limit: 1000, seed: 0 });
  });

  for (const id of EXPERIMENT_IDS) {
    test(`${id} runs end to end (smoke preset, 1 epoch, 1,000 images)`, async () => {
      const start = tf.memory().numTensors;
      // the first run loads its data itself; the others reuse the same split
      const layerwise = id === 'layerwise';
      const spec = resolveSpec({ from: id, limit: 1000, schedule: layerwise ? { stageEpochs: 1 } : { epochs: 1 } }, { preset: 'smoke' });
      const h = await runSpec(spec, id === 'baseline' ? {} : { data });
      assert.equal(h.experiment, id);
      assert.equal(h.stopped, undefined, h.stopped?.message);
      assert.equal(h.config, spec, 'the record carries the very spec it was run from');
      assert.equal(h.label, spec.label);
      assert.deepEqual(h.layerNames, LAYERS);
      assert.equal(h.epochs.length, layerwise ? 7 : 1);
      for (const e of h.epochs) {
        for (const v of [e.trainLoss, e.valLoss, e.trainAcc, e.valAcc]) assert.ok(Number.isFinite(v), `${id}: ${v}`);
        assert.deepEqual(e.layers.map((l) => l.name), LAYERS);
        assert.equal(e.stage, layerwise ? e.epoch : undefined);
      }
      const last = h.epochs[h.epochs.length - 1];
      for (const l of last.layers) assert.ok(Number.isFinite(l.weightGradMeanAbs) && (l.weightGradMeanAbs as number) >= 0, `${id} ${l.name}`);
      assert.ok(h.epochs[0].histograms, 'histograms of epoch 1');
      assert.equal(tf.memory().numTensors, start, `${id} leaked tensors`);
    });
  }

  test('a derived spec of another depth runs and records its own layers and label', async () => {
    const spec = resolveSpec({ from: 'relu', model: { init: { kind: 'he' }, depth: 12 }, schedule: { epochs: 1 }, limit: 1000 }, { preset: 'smoke' });
    const h = await runSpec(spec, { data });
    assert.equal(h.layerNames.length, 13);
    assert.deepEqual(h.layerNames, [...Array.from({ length: 12 }, (_, i) => `hidden${i + 1}`), 'output']);
    assert.deepEqual(h.epochs[0].layers.map((l) => l.name), h.layerNames);
    assert.equal(h.label, 'ReLU, He init, depth 12');
    assert.deepEqual(h.config.model.init, { kind: 'he' });
  });

  test('buildModel gives the network the spec describes, seeded by it', () => {
    const spec = resolveSpec({ from: 'skip', model: { width: 16 }, seed: 4 });
    const a = buildModel(spec);
    const b = buildModel(spec);
    try {
      assert.deepEqual(a.hidden[0].kernel.shape, [784, 16]);
      assert.deepEqual(a.output.kernel.shape, [16, 10]);
      assert.deepEqual(a.skips, [[1, 3], [4, 7]]);
      assert.deepEqual(Array.from(a.hidden[2].kernel.dataSync()), Array.from(b.hidden[2].kernel.dataSync()));
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
