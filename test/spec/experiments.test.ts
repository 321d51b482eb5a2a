import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EXPERIMENTS, EXPERIMENT_IDS, getExperiment, resolveSpec } from '../../lib/spec/experiments';
import { PRESETS } from '../../lib/spec/presets';
import { SpecError } from '../../lib/spec/check';
import { totalEpochs } from '../../lib/spec/spec';
import { STUDY_MODEL } from '../helpers';

describe('the experiments table', () => {
  test("each resolves to the original study's hyper-parameters (the settings of its notebooks)", () => {
    assert.deepEqual(EXPERIMENT_IDS, ['baseline', 'weight-std-1', 'weight-std-10', 'relu', 'adam', 'batchnorm', 'custom-norm', 'skip', 'layerwise', 'grad-norm']);
    const settings = Object.fromEntries(EXPERIMENT_IDS.map((id) => {
      const s = resolveSpec(id, { preset: 'default' });
      return [id, [s.optimizer.kind, s.optimizer.lr, s.model.activation, s.model.init, s.model.normalization, s.model.skip, s.model.gradNorm, s.schedule.kind]];
    }));
    const std005 = { kind: 'normal', std: 0.05 };
    const torch = { kind: 'torch-default' };
    assert.deepEqual(settings, {
      baseline: ['sgd', 1e-2, 'sigmoid', torch, 'none', 'none', false, 'plain'],
      'weight-std-1': ['sgd', 1e-2, 'sigmoid', { kind: 'normal', std: 1 }, 'none', 'none', false, 'plain'],
      'weight-std-10': ['sgd', 1e-2, 'sigmoid', { kind: 'normal', std: 10 }, 'none', 'none', false, 'plain'],
      relu: ['sgd', 1e-3, 'relu', std005, 'none', 'none', false, 'plain'],
      adam: ['adam', 1e-3, 'sigmoid', torch, 'none', 'none', false, 'plain'],
      batchnorm: ['adam', 1e-3, 'sigmoid', std005, 'batchnorm', 'none', false, 'plain'],
      'custom-norm': ['sgd', 1e-2, 'sigmoid', std005, 'whole-tensor', 'none', false, 'plain'],
      skip: ['sgd', 1e-2, 'sigmoid', std005, 'none', 'study', false, 'plain'],
      layerwise: ['sgd', 1e-2, 'sigmoid', std005, 'none', 'none', false, 'layerwise'],
      'grad-norm': ['sgd', 1e-3, 'sigmoid', std005, 'none', 'none', true, 'plain'],
    });
    for (const e of EXPERIMENTS) {
      const s = resolveSpec(e.id);
      assert.equal(s.label, e.label, `${e.id} is labelled as in the table`);
      assert.deepEqual(s.changes, [], `${e.id} is the experiment itself`);
      assert.equal(s.model.depth, 7);
      assert.equal(s.model.width, 128);
      assert.equal(s.batchSize, 512);
    }
    assert.throws(() => getExperiment('nope'), /unknown experiment "nope".*baseline/);
  });
});

describe('resolveSpec', () => {
  test('the baseline is the study network, sized by the preset, seeded by the caller', () => {
    const s = resolveSpec('baseline', { preset: 'smoke', seed: 3 });
    assert.deepEqual(s.model, STUDY_MODEL);
    assert.deepEqual(s.schedule, { kind: 'plain', epochs: PRESETS.smoke.epochs });
    assert.equal(s.limit, PRESETS.smoke.limit);
    assert.equal(s.seed, 3);
    assert.equal(resolveSpec('baseline', { preset: 'default' }).limit, null);
    assert.equal(resolveSpec('baseline').seed, 0);
    assert.equal(resolveSpec({ seed: 5 }, { seed: 3 }).seed, 5, "the spec's own seed wins over the caller's");
    assert.equal(resolveSpec({}).experiment, 'baseline', 'a spec without `from` derives from the baseline');
  });

  test('overrides deep-merge onto the named experiment: only what is given changes', () => {
    const s = resolveSpec({ from: 'relu', model: { init: { kind: 'he' }, depth: 12 } }, { preset: 'smoke' });
    assert.deepEqual(s.model, { ...STUDY_MODEL, activation: 'relu', init: { kind: 'he' }, depth: 12 });
    assert.deepEqual(s.optimizer, { kind: 'sgd', lr: 1e-3 }, "relu's own optimizer is kept");
    assert.equal(s.experiment, 'relu');
    assert.deepEqual(s.changes, ['He init', 'depth 12']);
    assert.equal(s.label, 'ReLU, He init, depth 12');
    assert.equal(resolveSpec({ from: 'relu', label: 'ReLU, He init', model: { init: { kind: 'he' } } }).label, 'ReLU, He init');
    // lr alone keeps the kind; a new kind starts from that kind's defaults, not the old optimizer's lr
    assert.deepEqual(resolveSpec({ from: 'baseline', optimizer: { lr: 0.2 } }).optimizer, { kind: 'sgd', lr: 0.2 });
    assert.deepEqual(resolveSpec({ from: 'baseline', optimizer: { kind: 'adam' } }).optimizer, { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    assert.deepEqual(resolveSpec({ from: 'batchnorm', optimizer: { kind: 'sgd' } }).optimizer, { kind: 'sgd', lr: 1e-2 });
    assert.deepEqual(resolveSpec({ from: 'batchnorm', optimizer: { kind: 'sgd' } }).changes, ['SGD lr 0.01']);
    // a new init kind replaces the old one whole: no stray std from N(0, 0.05²)
    assert.deepEqual(resolveSpec({ from: 'relu', model: { init: { kind: 'glorot' } } }).model.init, { kind: 'glorot' });
  });

  test('the layer-wise schedule has its own per-stage epoch count, and the total is derived', () => {
    const lw = resolveSpec({ from: 'layerwise', schedule: { stageEpochs: 2 } }, { preset: 'smoke' });
    assert.equal(lw.schedule.kind, 'layerwise');
    assert.equal(totalEpochs(lw.schedule), 14);
    assert.equal(totalEpochs(resolveSpec('layerwise', { preset: 'default' }).schedule), 7 * PRESETS.default.stageEpochs);
    // a plain run's `epochs` means nothing to a layer-wise schedule, and says so
    assert.throws(() => resolveSpec({ from: 'layerwise', schedule: { epochs: 3 } as never }), /schedule\.epochs: not a field here; the fields are kind, stageEpochs, blocks, stages/);
    // switching a plain experiment to layer-wise gets the study's blocks and stages
    const grown = resolveSpec({ from: 'relu', schedule: { kind: 'layerwise' } }, { preset: 'smoke' });
    assert.equal(grown.schedule.kind === 'layerwise' && grown.schedule.stageEpochs, PRESETS.smoke.stageEpochs);
    assert.deepEqual(grown.changes, ['layer-wise']);
  });

  test('the resolved spec shares nothing with the registry or the defaults', () => {
    const a = resolveSpec('relu');
    (a.model.init as { std: number }).std = 99;
    a.model.depth = 99;
    const b = resolveSpec('relu');
    assert.deepEqual(b.model.init, { kind: 'normal', std: 0.05 });
    assert.equal(b.model.depth, 7);
    assert.equal(resolveSpec('baseline').model.depth, 7);
  });

  test('every bad field is reported at once, each naming what it accepts', () => {
    let error: unknown;
    try {
      resolveSpec({ from: 'relu', model: { activation: 'swish' as never, depth: 0, init: { kind: 'kaiming' as never } }, optimizer: { lr: -1 }, batchSize: 1.5, limit: 5 });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof SpecError, 'a SpecError');
    assert.deepEqual(error.problems, [
      'model.depth: must be a whole number from 1 to 1000, got 0',
      'model.activation: "swish" is not one of sigmoid, relu, tanh',
      'model.init.kind: "kaiming" is not one of torch-default, normal, glorot, he',
      'optimizer.lr: must be a number > 0, got -1',
      'batchSize: must be a whole number ≥ 1, got 1.5',
      'limit: must be a whole number from 20 to 60000, got 5',
    ]);
    assert.match(error.message, /^bad run spec \(from "relu"\):\n  - model\.depth/);
  });

  test('unknown names are refused with the list of known ones', () => {
    assert.throws(() => resolveSpec('nope'), /unknown experiment "nope"; use one of baseline, weight-std-1/);
    assert.throws(() => resolveSpec({ from: 'nope' }), /from: "nope" is not an experiment; use one of baseline, weight-std-1/);
    assert.throws(() => resolveSpec({ from: 'relu', modle: {} } as never), /modle: not a field of a run spec; the fields are from, label, model/);
    assert.throws(() => resolveSpec({ model: { widht: 3 } as never }), /model\.widht: not a field here; the fields are depth, width, activation/);
    assert.throws(() => resolveSpec('baseline', { preset: 'huge' }), /unknown preset "huge"/);
  });
});
