import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { runSummary, runSetSummary } from '../../lib/presentation/summary';
import { assertClose, fakeHistory, fakeLayer, fakeRunSet } from '../helpers';
import { LAYERS, run } from './conclusions.fixtures';

describe('runSummary', () => {
  test('every field from the numbers chosen', () => {
    const h = fakeHistory('baseline', 4, LAYERS, {
      layer: (e, li) => ({
        activationGradRms: li === 0 ? [1e-7, 1e-6, 1e-6, 1e-5][e - 1] : li === 2 ? 1e-2 : 1e-4,
        signalSpread: li === 0 ? 0.1 : li === 2 ? [1, 1, 1, 1e-3][e - 1] : null,
        weightGradMeanAbs: li === 0 ? [1e-9, 1, 1, 1e-8][e - 1] : li === 3 ? 1e-2 : 1e-4,
        saturation: e === 1 ? [0.1, null, 0.4, null][li] : 0.9,
        updateRatio: li === 0 ? [1, 1, 1, 1e-4][e - 1] : 7,
      }),
      epoch: (e) => ({ valAcc: [0.2, 0.6, 0.6, 0.5][e - 1] }),
      history: { seconds: 42.5, backend: 'wasm' },
    });
    h.atInit = { layers: LAYERS.map((name, li) => fakeLayer(name, { activationGradRms: [1e-9, 1, 1e-3, 1][li], signalSpread: [1e-1, 1, 1e-5, null][li] })) };
    const s = runSummary(h);
    assert.equal(s.experiment, 'baseline');
    assert.equal(s.label, 'baseline (sigmoid)');
    assert.equal(s.epochs, 4);
    assert.equal(s.finalValAcc, 0.5);
    assert.equal(s.bestValAcc, 0.6);
    assert.equal(s.bestEpoch, 2, 'the first of two equal best epochs');
    assert.equal(s.firstLearnedEpoch, 2, 'the first epoch at 50 % or more (0.6 at epoch 2)');
    assertClose(s.gradientRatioInit as number, -6, { atol: 1e-12, msg: 'log10(1e-9 / 1e-3) at initialisation' });
    assertClose(s.gradientRatioLast as number, -3, { atol: 1e-12, msg: 'log10(1e-5 / 1e-2) at the last epoch' });
    assertClose(s.signalRatioInit as number, -4, { atol: 1e-12, msg: 'log10(1e-5 / 1e-1)' });
    assertClose(s.signalRatioLast as number, -2, { atol: 1e-12, msg: 'log10(1e-3 / 1e-1)' });
    assertClose(s.weightGradRatioFirst as number, -7, { atol: 1e-12, msg: 'log10(1e-9 / 1e-2)' });
    assertClose(s.weightGradRatioLast as number, -6, { atol: 1e-12, msg: 'log10(1e-8 / 1e-2)' });
    assert.equal(s.depthLast, 3);
    assertClose(s.saturationFirst as number, 0.25, { atol: 1e-12, msg: 'mean of 0.1 and 0.4, nulls left out' });
    assertClose(s.updateRatioLast as number, -4, { atol: 1e-12, msg: "log10 of hidden1's update ratio at the last epoch" });
    assert.equal(s.seconds, 42.5);
    assert.equal(s.backend, 'wasm');
    assert.ok(!('stopped' in s), 'no stopped field for a finished run');
  });

  test('a stopped run keeps its reason; missing statistics give null', () => {
    const h = run('relu', { g1: [null, null], s3: [null, null], w1: null, acc: [0.3], sat: null, upd: null, stopped: 'loss became NaN at epoch 2, step 2' });
    const s = runSummary(h);
    assert.equal(s.stopped, 'loss became NaN at epoch 2, step 2');
    assert.equal(s.gradientRatioInit, null);
    assert.equal(s.gradientRatioLast, null);
    assertClose(s.signalRatioLast as number, Math.log10(5e-2 / 1e-1), { atol: 1e-12, msg: 'hidden3 has no signal: the deepest that has, hidden2' });
    assert.equal(s.weightGradRatioFirst, null);
    assert.equal(s.saturationFirst, null);
    assert.equal(s.updateRatioLast, null);
    assert.equal(s.bestEpoch, 1);
    delete h.atInit;
    assert.equal(runSummary(h).gradientRatioInit, null, 'statistics off: nothing at initialisation');
  });

  test('layer-wise: the hidden layers in use at the last epoch, frozen ones included', () => {
    const h = fakeHistory('layerwise', 2, ['hidden1', 'hidden2', 'hidden3', 'hidden4', 'output'], {
      // epoch 2: hidden1 and 2 frozen (no gradient, but a signal), hidden3 trained, hidden4 not in use
      layer: (e, li) => (e === 2 ? { activationGradRms: li === 2 || li === 4 ? 1 : null, signalSpread: li < 3 ? 1 : null } : {}),
    });
    const s = runSummary(h);
    assert.equal(s.depthLast, 3);
    assert.equal(s.gradientRatioLast, null, 'hidden1 frozen: no ratio');
  });

  test('layer-wise: learned counts from the first epoch with every layer in use, not a shallow stage\'s', () => {
    // stage 1 (epochs 1-2): two hidden layers, 60 %; stage 2 (3-4): three, 20 % then 55 %
    const h = fakeHistory('layerwise', 4, LAYERS, {
      layer: (e, li) => ({ activationGradRms: li === 2 && e <= 2 ? null : 1, signalSpread: li === 2 && e <= 2 ? null : 1 }),
      epoch: (e) => ({ valAcc: [0.6, 0.6, 0.2, 0.55][e - 1], stage: e <= 2 ? 1 : 2 }),
    });
    const s = runSummary(h);
    assert.equal(s.depthLast, 3);
    assert.equal(s.firstLearnedEpoch, 4, 'not epoch 1, where the network had two layers');
    assert.equal(s.fullDepthEpoch, 3, 'every layer in use from stage 2');
    assert.equal(runSummary(fakeHistory('baseline', 4, LAYERS)).fullDepthEpoch, 1, 'a plain run has its whole network from the start');
  });

  test('an unknown experiment id is its own label', () => {
    assert.equal(runSummary(fakeHistory('my-try', 1, LAYERS)).label, 'my-try');
  });

  test('a run with no epochs: a clear error, with the reason it stopped', () => {
    assert.throws(() => runSummary(fakeHistory('relu', 0, LAYERS)), /run relu has no completed epoch$/);
    const stopped = fakeHistory('relu', 0, LAYERS, { history: { stopped: { reason: 'interrupted', epoch: 1, step: 3, message: 'interrupted at epoch 1, step 3' } } });
    assert.throws(() => runSummary(stopped), /run relu has no completed epoch: interrupted at epoch 1, step 3/);
  });
});

describe('runSetSummary', () => {
  test('one summary per seed, the spec\'s changes, and no learned epoch where none reaches 50 %', () => {
    const set = runSetSummary(fakeRunSet((seed) => fakeHistory('relu', 2, LAYERS, { epoch: (e) => ({ valAcc: seed === 1 && e === 2 ? 0.5 : 0.2 }) })));
    assert.deepEqual(set.seeds, [0, 1, 2]);
    assert.deepEqual(set.changes, []);
    assert.deepEqual(set.perSeed.map((s) => s.firstLearnedEpoch), [null, 2, null], '50 % exactly counts as learned');
  });
});
