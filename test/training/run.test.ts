import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { FashionMNIST, loadFashionMNIST } from '../../lib/training/data';
import { EXPERIMENT_IDS, resolveSpec } from '../../lib/training/experiments';
import { buildModel, runExperiment } from '../../lib/training/run';
import { PROJECT_ROOT, REAL_DATA_DIR, hasRealData } from '../helpers';

before(async () => {
  await initBackend();
});

const LAYERS = ['hidden1', 'hidden2', 'hidden3', 'hidden4', 'hidden5', 'hidden6', 'hidden7', 'output'];

describe('runExperiment', { skip: hasRealData ? false : `${REAL_DATA_DIR} is absent` }, () => {
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
      const h = await runExperiment(spec, id === 'baseline' ? {} : { data });
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
    const h = await runExperiment(spec, { data });
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
      const spec = resolveSpec({ schedule: { epochs: 1 }, limit: 200, seed: 91173 }, { preset: 'smoke' });
      const before = new Set(list());
      const first = await runExperiment(spec, { cache: true });
      const added = list().filter((f) => !before.has(f));
      created.push(...added);
      assert.equal(added.length, 1, 'one cache file written');
      assert.match(added[0], /^baseline-[0-9a-f]{16}\.json$/);
      let progressed = false;
      const second = await runExperiment(spec, { cache: true, onProgress: () => (progressed = true) });
      assert.deepEqual(second, first); // `seconds` included: nothing was re-run
      assert.equal(progressed, false, 'the second run trained again');
      // the same numbers under another name are the same run, named as asked
      const renamed = await runExperiment({ ...spec, label: 'same run, other name' }, { cache: true });
      assert.equal(renamed.label, 'same run, other name');
      assert.deepEqual(renamed.epochs, first.epochs);
      // another spec is another entry
      const other = await runExperiment(resolveSpec({ schedule: { epochs: 1 }, limit: 200, seed: 91173, optimizer: { lr: 0.02 } }, { preset: 'smoke' }), { cache: true });
      created.push(...list().filter((f) => !before.has(f) && !created.includes(f)));
      assert.equal(other.config.optimizer.lr, 0.02);
      assert.notEqual(other.epochs[0].valLoss, first.epochs[0].valLoss);
      assert.equal(created.length, 2);
    });

    test('an interrupted run is not cached', async () => {
      const before = new Set(list());
      const spec = resolveSpec({ schedule: { epochs: 1 }, limit: 200, seed: 91174 }, { preset: 'smoke' });
      const h = await runExperiment(spec, { cache: true, shouldStop: () => true });
      assert.equal(h.stopped?.reason, 'interrupted');
      const added = list().filter((f) => !before.has(f));
      created.push(...added);
      assert.deepEqual(added, []);
    });
  });
});
