import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/runtime/backend';
import { stageLayers, stagesMarkdown, trainLayerwise } from '../../lib/training/layerwise';
import { MLP, ModelSpec, buildMLP } from '../../lib/network/models';
import { LayerwiseSchedule, OPTIMIZER_DEFAULTS, RunSpec, STUDY_BLOCKS, STUDY_STAGES } from '../../lib/spec/spec';
import { trainWithStats } from '../../lib/training/train';
import { mlpSpec, studySpec, syntheticData } from '../helpers';

before(async () => {
  await initBackend();
});

const hidden = (...i: number[]) => i.map((k) => `hidden${k}`);
const kernels = (model: MLP) => Object.fromEntries(model.layers.map((l) => [l.name, Array.from(l.kernel.dataSync())]));

/** The network part of a run spec that describes `model`. */
function modelSpec(model: MLP): ModelSpec {
  const { depth, width, activation, init, normalization, skip, gradNorm } = model.spec;
  return { depth, width, activation, init, normalization, skip, gradNorm };
}

/** The study's spec describing `model`, layer-wise in the study's blocks and stages, `stageEpochs` per stage, `changes` on top. */
function layerwiseSpec(model: MLP, stageEpochs: number, changes: Partial<RunSpec> = {}): RunSpec & { schedule: LayerwiseSchedule } {
  const schedule: LayerwiseSchedule = { kind: 'layerwise', stageEpochs, blocks: STUDY_BLOCKS, stages: STUDY_STAGES };
  return { ...studySpec({ model: modelSpec(model), ...changes }), schedule };
}

describe('the study\'s stages', () => {
  test('stageLayers gives the depth in use and the frozen layers of each of the 7 stages', () => {
    const expected = [
      { activeDepth: 2, frozen: [] }, // train block 1
      { activeDepth: 4, frozen: hidden(1, 2) }, // freeze 1, train 2
      { activeDepth: 4, frozen: [] }, // unfreeze, train 1-2
      { activeDepth: 6, frozen: hidden(1, 2, 3, 4) }, // freeze 1-2, train 3
      { activeDepth: 6, frozen: [] }, // unfreeze
      { activeDepth: 7, frozen: hidden(1, 2, 3, 4, 5, 6) }, // freeze 1-3, train 4
      { activeDepth: 7, frozen: [] }, // unfreeze all
    ];
    assert.equal(STUDY_STAGES.length, 7);
    STUDY_STAGES.forEach((stage, i) => assert.deepEqual(stageLayers(stage, STUDY_BLOCKS), expected[i], `stage ${i + 1}`));
  });
});

describe('trainLayerwise', () => {
  test('7 stages of one epoch: numbered epochs, their stage, null stats for layers not in use, a fresh output each stage', async () => {
    const start = tf.memory().numTensors;
    const model = buildMLP(mlpSpec({ width: 12, init: { kind: 'normal', std: 0.05 } }));
    const snapshots: Array<Record<string, number[]>> = [];
    const outputs: tf.Variable[] = [];
    const spec = layerwiseSpec(model, 1, {
      batchSize: 60,
      // Adam moves every trained weight by about lr, however small its gradient: with SGD the deep layers'
      // vanished gradients give updates below float32 resolution and "trained" layers would look frozen
      optimizer: { ...OPTIMIZER_DEFAULTS.adam, lr: 1e-2 },
    });
    const result = await trainLayerwise(model, syntheticData(120, 30), spec, {
      onProgress: (p) => {
        if (p.kind === 'epoch') {
          snapshots.push(kernels(model));
          outputs.push(model.output.kernel);
        }
      },
    });
    assert.equal(result.stopped, undefined);
    assert.deepEqual(result.epochs.map((e) => e.epoch), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(result.epochs.map((e) => e.stage), [1, 2, 3, 4, 5, 6, 7]);
    result.epochs.forEach((e, i) => {
      const { activeDepth, frozen } = stageLayers(STUDY_STAGES[i], STUDY_BLOCKS);
      assert.deepEqual(e.layers.map((l) => l.name), model.layerNames);
      for (const l of e.layers) {
        const depth = l.name === 'output' ? 0 : Number(l.name.slice(6));
        const inUse = depth <= activeDepth;
        if (!inUse) {
          assert.ok(Object.entries(l).every(([k, v]) => k === 'name' || v === null), `stage ${i + 1}: ${l.name} is not in use but has stats`);
        } else {
          assert.equal(l.weightGradMeanAbs === null, frozen.includes(l.name), `stage ${i + 1}: ${l.name}.weightGradMeanAbs`);
          if (l.name !== 'output') assert.notEqual(l.activationMean, null, `stage ${i + 1}: ${l.name}.activationMean`);
        }
      }
    });
    // frozen layers are unchanged through their freezing stage; the others in use move
    for (let i = 1; i < 7; i++) {
      const { activeDepth, frozen } = stageLayers(STUDY_STAGES[i], STUDY_BLOCKS);
      for (let k = 1; k <= 7; k++) {
        const name = `hidden${k}`;
        const same = JSON.stringify(snapshots[i][name]) === JSON.stringify(snapshots[i - 1][name]);
        assert.equal(same, frozen.includes(name) || k > activeDepth, `stage ${i + 1}: ${name} ${same ? 'did not change' : 'changed'}`);
      }
    }
    // a fresh output layer every stage
    assert.equal(new Set(outputs).size, 7);
    model.dispose();
    assert.equal(tf.memory().numTensors, start, 'tensors left after dispose');
  });

  test("a freezing stage run directly: hidden1 and hidden2 kernels unchanged, hidden3-4 trained, hidden5-7 untouched", async () => {
    const model = buildMLP(mlpSpec({ width: 12 }));
    const { activeDepth, frozen } = stageLayers(STUDY_STAGES[1], STUDY_BLOCKS);
    const before = kernels(model);
    const spec = studySpec({ model: modelSpec(model), batchSize: 50 });
    const { epochs } = await trainWithStats(model, syntheticData(100, 20), { spec, epochs: 2, activeDepth, frozen, epochOffset: 0, histogramEpochs: [] });
    const after = kernels(model);
    assert.deepEqual(after.hidden1, before.hidden1);
    assert.deepEqual(after.hidden2, before.hidden2);
    assert.notDeepEqual(after.hidden3, before.hidden3);
    assert.notDeepEqual(after.hidden4, before.hidden4);
    for (const k of ['hidden5', 'hidden6', 'hidden7']) assert.deepEqual(after[k], before[k]);
    assert.equal(epochs[1].layers[0].weightGradMeanAbs, null);
    model.dispose();
  });

  test('a stop in a stage ends the whole run with what was completed', async () => {
    const model = buildMLP(mlpSpec({ width: 8 }));
    let steps = 0;
    const result = await trainLayerwise(model, syntheticData(100, 10), layerwiseSpec(model, 1, { batchSize: 50 }), { shouldStop: () => ++steps === 5 });
    // 2 steps per stage: the 5th step is the first of stage 3
    assert.equal(result.stopped?.reason, 'interrupted');
    assert.equal(result.epochs.length, 2);
    assert.equal(result.stopped?.epoch, 3);
    assert.match(result.stopped?.message ?? '', /the 2 completed epoch\(s\) are kept/, 'counted over every stage, not the current one');
    model.dispose();
  });
});

describe('stagesMarkdown', () => {
  test("the study's stages as a table of layers in use, trained and frozen; a plain schedule has none", () => {
    const table = stagesMarkdown({ kind: 'layerwise', stageEpochs: 1, blocks: STUDY_BLOCKS, stages: STUDY_STAGES }).split('\n');
    assert.deepEqual(table, [
      '| stage | hidden layers in use | trained | frozen |',
      '|---|---|---|---|',
      '| 1 | 1-2 | 1, 2 + new output | — |',
      '| 2 | 1-4 | 3, 4 + new output | 1, 2 |',
      '| 3 | 1-4 | 1, 2, 3, 4 + new output | — |',
      '| 4 | 1-6 | 5, 6 + new output | 1, 2, 3, 4 |',
      '| 5 | 1-6 | 1, 2, 3, 4, 5, 6 + new output | — |',
      '| 6 | 1-7 | 7 + new output | 1, 2, 3, 4, 5, 6 |',
      '| 7 | 1-7 | 1, 2, 3, 4, 5, 6, 7 + new output | — |',
    ]);
    assert.equal(stagesMarkdown({ kind: 'plain', epochs: 3 }), 'Trained all at once, 3 epoch(s), no stages.');
  });
});
