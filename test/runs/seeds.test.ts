import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { geometricMean, seedList, spreadOf, summarizeSeeds } from '../../lib/runs/seeds';
import { assertClose, fakeHistory, fakeRunSet } from '../helpers';

describe('spreadOf', () => {
  test('mean, sample sd, min, max and the log-scale mean, by hand', () => {
    const s = spreadOf([1e-3, 1e-5, 1e-4]);
    assert.ok(s);
    assertClose(s.mean, (1e-3 + 1e-5 + 1e-4) / 3, { rtol: 1e-12 });
    // sample sd: deviations from the mean 0.00037
    const m = 3.7e-4;
    assertClose(s.sd, Math.sqrt(((1e-3 - m) ** 2 + (1e-5 - m) ** 2 + (1e-4 - m) ** 2) / 2), { rtol: 1e-12 });
    assert.equal(s.min, 1e-5);
    assert.equal(s.max, 1e-3);
    assertClose(s.geoMean as number, 1e-4, { rtol: 1e-12, msg: 'the mean of -3, -5 and -4 decades' });
    assert.equal(s.n, 3);
  });

  test('skips nulls and non-finite values; one value has sd 0; no log mean with a value ≤ 0', () => {
    assert.deepEqual(spreadOf([null, 2, NaN, undefined]), { mean: 2, sd: 0, min: 2, max: 2, geoMean: 2, n: 1 });
    assert.equal(spreadOf([null, null]), null);
    assert.equal(spreadOf([-1, 1])?.geoMean, null);
    assert.equal(spreadOf([0, 1])?.geoMean, null);
  });
});

describe('geometricMean', () => {
  test('geometricMean: of positive numbers, null if one is missing or not positive', () => {
    assertClose(geometricMean([1, 100, 10]) as number, 10, { rtol: 1e-12, msg: 'mean' });
    assert.equal(geometricMean([1, null]), null);
    assert.equal(geometricMean([1, 0]), null);
    assert.equal(geometricMean([]), null);
  });

});

describe('seedList', () => {
  test('consecutive seeds from the first; a count below 1 is an error', () => {
    assert.deepEqual(seedList(5, 3), [5, 6, 7]);
    assert.throws(() => seedList(0, 0), /seeds must be a whole number ≥ 1, got 0/);
    assert.throws(() => seedList(0, 1.5), /got 1\.5/);
  });
});

describe('summarizeSeeds', () => {
  const layers = ['hidden1', 'hidden2', 'output'];
  test('per epoch and per layer over seeds; a seed that stopped early counts until it stopped', () => {
    const set = fakeRunSet((seed) => fakeHistory('relu', seed === 2 ? 1 : 2, layers, {
      layer: (e, li) => ({ activationGradRms: (li + 1) * 10 ** -(seed + e) }),
      epoch: (e) => ({ valAcc: 0.1 * (seed + e) }),
    }));
    const s = summarizeSeeds(set);
    assert.deepEqual(s.seeds, [0, 1, 2]);
    assert.equal(s.epochs.length, 2);
    assertClose(s.epochs[0].valAcc?.mean as number, (0.1 + 0.2 + 0.3) / 3, { rtol: 1e-12 });
    assert.equal(s.epochs[1].valAcc?.n, 2, 'seed 2 stopped after epoch 1');
    const g = s.epochs[0].layers[1].activationGradRms;
    assert.equal(s.epochs[0].layers[1].name, 'hidden2');
    assert.ok(g);
    assertClose(g.geoMean as number, 2e-2, { rtol: 1e-12, msg: '2 · 10^-1, 2 · 10^-2, 2 · 10^-3: geometric mean 2 · 10^-2' });
    assert.equal(g.min, 2e-3);
    assert.equal(g.max, 2e-1);
  });

  test('a single History is one seed', () => {
    const s = summarizeSeeds(fakeHistory('baseline', 1, layers, { epoch: () => ({ valAcc: 0.1 }) }));
    assert.equal(s.epochs[0].valAcc?.sd, 0);
    assert.equal(s.epochs[0].valAcc?.n, 1);
  });

  test('computed once per record: the same summary every time it is asked for', () => {
    const set = fakeRunSet((seed) => fakeHistory('relu', 2, layers, { epoch: (e) => ({ valAcc: 0.1 * (seed + e) }) }));
    assert.equal(summarizeSeeds(set), summarizeSeeds(set));
    assert.notEqual(summarizeSeeds(set), summarizeSeeds(set.runs[0]), 'a seed of the set is a record of its own');
  });
});
