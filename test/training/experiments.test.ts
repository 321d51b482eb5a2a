import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { FashionMNIST, loadFashionMNIST } from '../../lib/training/data';
import { EXPERIMENTS, EXPERIMENT_IDS, getExperiment, resolveRun, runExperiment } from '../../lib/training/experiments';
import { PRESETS, getPreset } from '../../lib/training/presets';
import { PROJECT_ROOT, REAL_DATA_DIR, hasRealData } from '../helpers';

before(async () => {
  await initBackend();
});

const LAYERS = ['hidden1', 'hidden2', 'hidden3', 'hidden4', 'hidden5', 'hidden6', 'hidden7', 'output'];

describe('the experiments table', () => {
  test('ids are unique and each has its study settings', () => {
    assert.equal(new Set(EXPERIMENT_IDS).size, EXPERIMENT_IDS.length);
    assert.deepEqual(EXPERIMENT_IDS, ['baseline', 'weight-std-1', 'weight-std-10', 'relu', 'adam', 'batchnorm', 'custom-norm', 'skip', 'layerwise', 'grad-norm']);
    // FIELD-NOTES §8: the study's hyper-parameters
    const lr = Object.fromEntries(EXPERIMENTS.map((e) => [e.id, [e.optimizer.kind, e.optimizer.lr]]));
    assert.deepEqual(lr, {
      baseline: ['sgd', 1e-2], 'weight-std-1': ['sgd', 1e-2], 'weight-std-10': ['sgd', 1e-2], relu: ['sgd', 1e-3],
      adam: ['adam', 1e-3], batchnorm: ['adam', 1e-3], 'custom-norm': ['sgd', 1e-2], skip: ['sgd', 1e-2],
      layerwise: ['sgd', 1e-2], 'grad-norm': ['sgd', 1e-3],
    });
    assert.deepEqual(getExperiment('weight-std-10').model.init, { kind: 'normal', std: 10 });
    assert.equal(getExperiment('skip').model.skip, 'study');
    assert.throws(() => getExperiment('nope'), /unknown experiment "nope".*baseline/);
  });
});

describe('resolveRun', () => {
  test('throws a clear error on a bad value', () => {
    assert.throws(() => resolveRun('nope'), /unknown experiment/);
    assert.throws(() => resolveRun('baseline', { epochs: 0 }), /epochs must be a whole number ≥ 1, got 0/);
    assert.throws(() => resolveRun('baseline', { epochs: 1.5 }), /epochs/);
    assert.throws(() => resolveRun('baseline', { seed: -1 }), /seed/);
    assert.throws(() => resolveRun('baseline', { seed: 0.5 }), /seed/);
    assert.throws(() => resolveRun('baseline', { lr: 0 }), /learning rate/);
    assert.throws(() => resolveRun('baseline', { lr: -1 }), /learning rate/);
    assert.throws(() => resolveRun('baseline', { limit: 10 }), /limit must be a whole number ≥ 20/);
    assert.throws(() => resolveRun('baseline', { batchSize: 0 }), /batch size/);
    assert.throws(() => resolveRun('baseline', { preset: 'huge' }), /unknown preset "huge"/);
  });

  test('resolves presets, overrides and the layer-wise epoch count', () => {
    const { config, seed } = resolveRun('relu', { preset: 'smoke', seed: 3, lr: 0.2 });
    assert.equal(seed, 3);
    assert.equal(config.epochs, PRESETS.smoke.epochs);
    assert.equal(config.limit, PRESETS.smoke.limit);
    assert.equal(config.batchSize, 512);
    assert.deepEqual(config.optimizer, { kind: 'sgd', lr: 0.2 });
    assert.equal(config.model.seed, 3);
    assert.equal(config.model.activation, 'relu');
    assert.deepEqual(config.histogramEpochs, [1, PRESETS.smoke.epochs]);
    const lw = resolveRun('layerwise', { preset: 'smoke', epochs: 2 }).config;
    assert.equal(lw.stageEpochs, 2);
    assert.equal(lw.epochs, 14);
    assert.deepEqual(lw.histogramEpochs, [1, 14]);
    assert.equal(resolveRun('baseline', { preset: 'seed' }).config.limit, null);
    assert.deepEqual(resolveRun('baseline', { epochs: 1 }).config.histogramEpochs, [1]);
  });

  test('VG_PRESET picks the default preset', () => {
    const saved = process.env.VG_PRESET;
    try {
      process.env.VG_PRESET = 'smoke';
      assert.equal(getPreset().name, 'smoke');
      process.env.VG_PRESET = 'nope';
      assert.throws(() => getPreset(), /VG_PRESET/);
      delete process.env.VG_PRESET;
      assert.equal(getPreset().name, 'default');
    } finally {
      if (saved === undefined) delete process.env.VG_PRESET;
      else process.env.VG_PRESET = saved;
    }
  });
});

describe('runExperiment', { skip: hasRealData ? false : `${REAL_DATA_DIR} is absent` }, () => {
  let data: FashionMNIST;
  before(() => {
    data = loadFashionMNIST({ limit: 1000, seed: 0 });
  });

  for (const id of EXPERIMENT_IDS) {
    test(`${id} runs end to end (smoke preset, 1 epoch, 1,000 images)`, async () => {
      const start = tf.memory().numTensors;
      // the first run loads its data itself; the others reuse the same split
      const h = await runExperiment(id, { preset: 'smoke', epochs: 1, limit: 1000, ...(id === 'baseline' ? {} : { data }) });
      assert.equal(h.experiment, id);
      assert.equal(h.stopped, undefined, h.stopped?.message);
      assert.equal(h.config.preset, 'smoke');
      const layerwise = id === 'layerwise';
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

  describe('the run cache', () => {
    const dir = path.join(PROJECT_ROOT, '.cache', 'runs');
    const created: string[] = [];
    const existedBefore = { cache: fs.existsSync(path.join(PROJECT_ROOT, '.cache')), runs: fs.existsSync(dir) };
    // only the entries of this test's unusual seeds: other processes may be filling the cache meanwhile
    const SEEDS = [91173, 91174];
    const list = () => (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter((f) => {
      try {
        return SEEDS.includes(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).seed);
      } catch {
        return false;
      }
    });
    before(() => {
      // leftovers of an earlier, aborted run of this test would turn the first run into a cache hit
      for (const f of list()) fs.rmSync(path.join(dir, f), { force: true });
    });
    after(() => {
      for (const f of created) fs.rmSync(path.join(dir, f), { force: true });
      // remove the folders only if this test made them and they are empty
      if (!existedBefore.runs && fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
      const cache = path.join(PROJECT_ROOT, '.cache');
      if (!existedBefore.cache && fs.existsSync(cache) && fs.readdirSync(cache).length === 0) fs.rmdirSync(cache);
    });

    test('cache: true stores a finished run and returns the identical history the second time', async () => {
      // an unusual seed so that no earlier run of this configuration can be in the cache
      const options = { preset: 'smoke', epochs: 1, limit: 200, seed: 91173, cache: true };
      const before = new Set(list());
      const first = await runExperiment('baseline', options);
      const added = list().filter((f) => !before.has(f));
      created.push(...added);
      assert.equal(added.length, 1, 'one cache file written');
      assert.match(added[0], /^baseline-[0-9a-f]{16}\.json$/);
      let progressed = false;
      const second = await runExperiment('baseline', { ...options, onProgress: () => (progressed = true) });
      assert.deepEqual(second, first); // `seconds` included: nothing was re-run
      assert.equal(progressed, false, 'the second run trained again');
      // another configuration is another entry
      const other = await runExperiment('baseline', { ...options, lr: 0.02 });
      created.push(...list().filter((f) => !before.has(f) && !created.includes(f)));
      assert.equal(other.config.optimizer.lr, 0.02);
      assert.notEqual(other.epochs[0].valLoss, first.epochs[0].valLoss);
      assert.equal(created.length, 2);
    });

    test('an interrupted run is not cached', async () => {
      const before = new Set(list());
      const h = await runExperiment('baseline', { preset: 'smoke', epochs: 1, limit: 200, seed: 91174, cache: true, shouldStop: () => true });
      assert.equal(h.stopped?.reason, 'interrupted');
      const added = list().filter((f) => !before.has(f));
      created.push(...added);
      assert.deepEqual(added, []);
    });
  });
});
