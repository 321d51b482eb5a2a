/**
 * Runs over several seeds: in worker processes, from the run store, and the same numbers whichever
 * way a seed was trained.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../lib/runtime/backend';
import { loadFashionMNIST } from '../../lib/dataset/fashionmnist';
import { resolveSpec } from '../../lib/spec/experiments';
import { runSeeds } from '../../lib/runs/parallel';
import { hasRealData, REAL_DATA_DIR, useTempStore } from '../helpers';

describe('runSeeds', { skip: hasRealData ? false : `${REAL_DATA_DIR} is absent` }, () => {
  const store = useTempStore();
  before(() => initBackend());
  const spec = resolveSpec({ from: 'relu', schedule: { epochs: 2 }, limit: 600 }, { preset: 'smoke' });
  const numbers = (h: { epochs: Array<{ valLoss: number; layers: Array<{ activationGradRms: number | null }> }> }) =>
    h.epochs.map((e) => [e.valLoss, ...e.layers.map((l) => l.activationGradRms)]);

  test('trains three seeds in two worker processes, with progress from each, and stores them', async () => {
    const progressed = new Set<number>();
    const set = await runSeeds(spec, [1, 2, 3], { workers: 2, onProgress: (i) => progressed.add(i) });
    assert.deepEqual(set.seeds, [1, 2, 3]);
    assert.deepEqual(set.runs.map((h) => h.seed), [1, 2, 3]);
    assert.deepEqual(set.storedAt, [null, null, null]);
    assert.deepEqual([...progressed].sort(), [0, 1, 2], 'every seed reported progress');
    assert.notDeepEqual(numbers(set.runs[0]), numbers(set.runs[1]), 'different seeds, different runs');
    assert.equal(fs.readdirSync(store.dir).filter((f) => f.endsWith('.json')).length, 3, 'one store entry per seed');
  });

  test('a seed trained in a worker is the same run as trained in this process', async () => {
    const inWorkers = await runSeeds(spec, [2, 3], { workers: 2, store: false });
    const here = await runSeeds(spec, [2], { workers: 1, store: false });
    assert.deepEqual(numbers(here.runs[0]), numbers(inWorkers.runs[0]));
  });

  test('data loaded for another seed or limit is not used: the run is the one its own split gives', async () => {
    const own = await runSeeds(spec, [2], { workers: 1, store: false });
    for (const other of [loadFashionMNIST({ limit: 600, seed: 1 }), loadFashionMNIST({ limit: 800, seed: 2 })]) {
      const given = await runSeeds(spec, [2], { workers: 1, store: false, data: other });
      assert.deepEqual(numbers(given.runs[0]), numbers(own.runs[0]));
    }
    const right = await runSeeds(spec, [2], { workers: 1, store: false, data: loadFashionMNIST({ limit: 600, seed: 2 }) });
    assert.deepEqual(numbers(right.runs[0]), numbers(own.runs[0]));
  });

  test('the second time every seed comes from the store, named as asked, without training', async () => {
    const stored: string[] = [];
    const again = await runSeeds({ ...spec, label: 'another name' }, [1, 2, 3], { onProgress: () => assert.fail('trained again'), onStored: (_, at) => stored.push(at) });
    assert.deepEqual(again.storedAt, stored);
    assert.equal(stored.length, 3);
    assert.ok(stored.every((at) => !Number.isNaN(Date.parse(at))), 'each says when it was trained');
    assert.equal(again.runs[0].label, 'another name');
    // another learning rate is another run
    const other = await runSeeds({ ...spec, optimizer: { ...spec.optimizer, lr: 2e-3 } }, [1], { workers: 1 });
    assert.deepEqual(other.storedAt, [null]);
  });

  test('a corrupt store entry is named on stderr, set aside and trained again', async () => {
    const [entry] = fs.readdirSync(store.dir).filter((f) => f.includes('seed1-') && f.endsWith('.json') && fs.readFileSync(path.join(store.dir, f), 'utf8').includes('"lr": 0.001'));
    assert.ok(entry, 'the seed-1 entry of the first test');
    fs.writeFileSync(path.join(store.dir, entry), '{"storedAt": "2026-01-01T00:00:00Z", "history": {');
    const messages: string[] = [];
    const original = console.error;
    console.error = (m: string) => messages.push(m);
    try {
      const set = await runSeeds(spec, [1], { workers: 1 });
      assert.deepEqual(set.storedAt, [null], 'trained again');
    } finally {
      console.error = original;
    }
    assert.match(messages.join('\n'), new RegExp(`run store: .*${entry} is corrupt .*training the run again`));
    assert.ok(fs.existsSync(path.join(store.dir, `${entry}.corrupt`)));
    assert.doesNotThrow(() => JSON.parse(fs.readFileSync(path.join(store.dir, entry), 'utf8')), 'rewritten whole');
  });

  test('an interrupted run is not stored', async () => {
    const before = fs.readdirSync(store.dir).length;
    const set = await runSeeds({ ...spec, seed: 77 }, [77], { workers: 1, shouldStop: () => true });
    assert.equal(set.runs[0].stopped?.reason, 'interrupted');
    assert.equal(fs.readdirSync(store.dir).length, before);
  });
});
