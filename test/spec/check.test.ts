import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { run } from '../../lib/presentation/notebook';
import { EXPERIMENT_IDS, resolveSpec } from '../../lib/spec/experiments';
import { PRESET_NAMES } from '../../lib/spec/presets';
import { SpecError, WASM_HEAP_LIMIT, checkSpec, memoryEstimate, mergeSpec } from '../../lib/spec/check';
import { PROJECT_ROOT, STUDY_MODEL, studySpec } from '../helpers';

/** The problems `checkSpec` finds in the study spec with `changes` applied ([] when it passes). */
function problems(changes: Record<string, unknown>): string[] {
  try {
    checkSpec({ ...studySpec(), ...changes });
    return [];
  } catch (e) {
    if (e instanceof SpecError) return e.problems;
    throw e;
  }
}

const layerwise = (over: Record<string, unknown>) => ({
  schedule: { kind: 'layerwise', stageEpochs: 1, blocks: [[1, 2], [3, 4], [5, 6], [7]], stages: [{ blocks: 1, train: [1] }], ...over },
});

describe('mergeSpec', () => {
  test('objects merge field by field, arrays and values replace', () => {
    assert.deepEqual(mergeSpec({ a: { b: 1, c: 2 }, d: [1, 2, 3] }, { a: { c: 5 }, d: [9] }), { a: { b: 1, c: 5 }, d: [9] });
    assert.deepEqual(mergeSpec({ a: 1 }, undefined), { a: 1 });
    assert.deepEqual(mergeSpec({ a: { b: 1 } }, { a: null }), { a: null });
  });

  test("a new kind replaces the object whole, then takes that kind's defaults", () => {
    const defaults = { adam: { kind: 'adam', lr: 1e-3, beta1: 0.9 } };
    assert.deepEqual(mergeSpec({ kind: 'sgd', lr: 0.5 }, { kind: 'adam' }, defaults), { kind: 'adam', lr: 1e-3, beta1: 0.9 });
    assert.deepEqual(mergeSpec({ kind: 'sgd', lr: 0.5 }, { kind: 'adam', lr: 7 }, defaults), { kind: 'adam', lr: 7, beta1: 0.9 });
    assert.deepEqual(mergeSpec({ kind: 'normal', std: 0.05 }, { kind: 'he' }, defaults), { kind: 'he' });
    assert.deepEqual(mergeSpec({ kind: 'normal', std: 0.05 }, { std: 2 }, defaults), { kind: 'normal', std: 2 });
  });
});

describe('checkSpec', () => {
  test('the study spec passes; a spec with every field wrong lists every problem', () => {
    assert.deepEqual(problems({}), []);
    assert.deepEqual(problems({ label: '', seed: -1, batchSize: 0, limit: null }), [
      'label: must be a non-empty string, got ""',
      'batchSize: must be a whole number ≥ 1, got 0',
      'seed: must be a whole number from 0 to 2147483647, got -1',
    ]);
  });

  test('init, normalisation, gradient normalisation and the optimizer name what they accept', () => {
    assert.deepEqual(problems({ model: { ...STUDY_MODEL, init: { kind: 'normal' } } }), ['model.init.std: must be a number > 0, got undefined']);
    assert.deepEqual(problems({ model: { ...STUDY_MODEL, init: { kind: 'he', std: 2 } } }), ['model.init.std: not a field here; the fields are kind']);
    assert.deepEqual(problems({ model: { ...STUDY_MODEL, normalization: 'layer' } }), ['model.normalization: "layer" is not one of none, batchnorm, whole-tensor']);
    assert.deepEqual(problems({ model: { ...STUDY_MODEL, gradNorm: 'yes' } }), ['model.gradNorm: must be true or false, got "yes"']);
    assert.deepEqual(problems({ optimizer: { kind: 'rmsprop', lr: 1 } }), ['optimizer.kind: "rmsprop" is not one of sgd, adam']);
    assert.deepEqual(problems({ optimizer: { kind: 'adam', lr: 1e-3, beta1: 1, beta2: 0.999, epsilon: 0 } }), [
      'optimizer.beta1: must be a number in [0, 1), got 1',
      'optimizer.epsilon: must be a number > 0, got 0',
    ]);
    assert.deepEqual(problems({ optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 } }), ['optimizer.momentum: not a field here; the fields are kind, lr']);
  });

  test('skip connections must fit the depth', () => {
    const model = (skip: unknown, depth = 7) => ({ model: { ...STUDY_MODEL, skip, depth } });
    assert.deepEqual(problems(model('study', 5)), ['model.skip: "study" joins layers 1→3 and 4→7, so it needs depth ≥ 7, got 5']);
    assert.deepEqual(problems(model([[2, 9]])), ['model.skip: [2, 9] does not fit a 7-layer network (need 1 ≤ from < to ≤ depth)']);
    assert.deepEqual(problems(model([[3, 3]])), ['model.skip: [3, 3] does not fit a 7-layer network (need 1 ≤ from < to ≤ depth)']);
    assert.deepEqual(problems(model('all')), ['model.skip: "all" is not one of none, study, residual']);
    assert.deepEqual(problems(model([[1, 3], [3, 5]])), []);
    assert.deepEqual(problems(model('residual', 20)), []);
  });

  test("layer-wise blocks must cover the network in order, and stages use only the blocks in use", () => {
    assert.deepEqual(problems(layerwise({})), []);
    assert.deepEqual(problems(layerwise({ blocks: [[1, 2], [4, 3], [5, 6, 7]] })), [
      'schedule.blocks: [[1,2],[4,3],[5,6,7]] must list the hidden layers 1 to 7 in order, each once (the default suits the study\'s 7 layers)',
    ]);
    assert.deepEqual(problems({ ...layerwise({}), model: { ...STUDY_MODEL, depth: 12 } }).length, 1, 'the study blocks do not cover 12 layers');
    assert.deepEqual(problems(layerwise({ stages: [{ blocks: 5, train: [1] }, { blocks: 2, train: [3] }, { blocks: 2, train: [] }] })), [
      'schedule.stages[0].blocks: must be a whole number from 1 to 4, got 5',
      'schedule.stages[1].train: must list blocks from 1 to 2 (those in use), got [3]',
      'schedule.stages[2].train: must list blocks from 1 to 2 (those in use), got []',
    ]);
    assert.deepEqual(problems(layerwise({ stageEpochs: 0 })), ['schedule.stageEpochs: must be a whole number ≥ 1, got 0']);
  });
});

describe('the memory a network needs', () => {
  const tooLarge = /^model\.width, model\.depth, batchSize: .* need about [\d.]+ GiB of memory, more than the 4\.0 GiB the wasm backend's heap can hold: make the layers narrower or fewer, or the batches smaller$/;

  test("the limit is the installed wasm backend's largest heap", () => {
    const glue = fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'wasm-out', 'tfjs-backend-wasm.js'), 'utf8');
    assert.equal(Number(/getHeapMax\(\)\{return (\d+)\}/.exec(glue)?.[1]), WASM_HEAP_LIMIT);
  });

  test("networks that cannot fit are refused with the estimate and the limit, before anything is built", () => {
    const wide = problems({ model: { ...STUDY_MODEL, width: 100_000, depth: 2 } });
    assert.equal(wide.length, 1);
    assert.match(wide[0], tooLarge);
    assert.match(wide[0], /2 hidden layers of 100000 units \(10\.1 billion parameters\) trained with SGD on batches of 512 need about 2\d\d\.\d GiB/);
    const deep = problems({ model: { ...STUDY_MODEL, width: 8192, depth: 20 } });
    assert.match(deep[0], /20 hidden layers of 8192 units \(1\.3 billion parameters\)/);
    assert.match(problems({ batchSize: 400_000 })[0], tooLarge, 'a batch too large for the heap');
  });

  test("the study's experiments at every preset, and e.g. 20 layers of 1024 units, fit", () => {
    for (const preset of PRESET_NAMES) for (const id of EXPERIMENT_IDS) assert.doesNotThrow(() => resolveSpec(id, { preset }));
    for (const from of ['baseline', 'batchnorm']) assert.doesNotThrow(() => resolveSpec({ from, model: { width: 1024, depth: 20 } }));
    assert.ok(memoryEstimate(studySpec()) < 64 * 2 ** 20, "the study's network needs well under 64 MiB");
  });

  test('the estimate is above the heap a real run grows to', { timeout: 300_000 }, () => {
    // Adam and BatchNorm on 1536-wide layers and batches of 2048: parameters and activations both count.
    const spec = resolveSpec({ from: 'batchnorm', model: { width: 1536, depth: 3 }, batchSize: 2048, schedule: { epochs: 1 }, limit: 2400 }, { preset: 'smoke' });
    const script = `
      const tf = require('@tensorflow/tfjs');
      require('./lib/runtime/backend').initBackend().then(async (backend) => {
        await require('./lib/runs/run').runSpec(${JSON.stringify(spec)}, {});
        console.log(JSON.stringify({ backend, heap: tf.backend().wasm.HEAPU8.length }));
      });`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 280_000 });
    assert.equal(r.status, 0, r.stderr);
    const { backend, heap } = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { backend: string; heap: number };
    assert.equal(backend, 'wasm');
    const estimate = memoryEstimate(spec);
    assert.ok(estimate >= heap, `estimate ${estimate} < heap ${heap}`);
    assert.ok(estimate < 2.5 * heap, `estimate ${estimate} is more than 2.5 times the heap ${heap}`);
  });
});

describe('what a spec must be', () => {
  test('a learning rate of NaN or Infinity is named as such', () => {
    assert.deepEqual(problems({ optimizer: { kind: 'sgd', lr: NaN } }), ['optimizer.lr: must be a number > 0, got NaN']);
    assert.deepEqual(problems({ optimizer: { kind: 'sgd', lr: Infinity } }), ['optimizer.lr: must be a number > 0, got Infinity']);
    assert.deepEqual(problems({ optimizer: { kind: 'adam', lr: 1e-3, beta1: -Infinity, beta2: 0.999, epsilon: 1e-8 } }), ['optimizer.beta1: must be a number in [0, 1), got -Infinity']);
  });

  test('resolveSpec takes an id or a spec object, and refuses anything else saying so', () => {
    for (const input of [42, null, undefined, ['relu'], true]) {
      assert.throws(() => resolveSpec(input as unknown as string), (e: unknown) => {
        assert.ok(e instanceof SpecError, `${String(input)}: ${e}`);
        assert.match(e.message, /a run is named by an experiment's id \(baseline, weight-std-1, .*grad-norm\) or given as a spec derived from one, like \{ from: 'relu'/);
        assert.match(e.message, new RegExp(`got ${input === undefined ? 'undefined' : JSON.stringify(input).replace(/[[\]]/g, '\\$&')}$`));
        return true;
      });
    }
  });

  test('vg.run(null) says what vg.run takes', async () => {
    await assert.rejects(run(null as unknown as string), (e: unknown) => {
      assert.ok(e instanceof SpecError, String(e));
      assert.match(e.message, /a run is named by an experiment's id \(baseline, .*\) or given as a spec derived from one, .*; got null$/);
      return true;
    });
  });
});
