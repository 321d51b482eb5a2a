import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { getPreset } from '../../lib/spec/presets';
import { STUDY_BLOCKS, STUDY_STAGES, scheduleDefaults, totalEpochs } from '../../lib/spec/spec';

describe('schedules', () => {
  test('a plain run trains its epochs; a layer-wise run trains stages × epochs per stage', () => {
    assert.equal(totalEpochs({ kind: 'plain', epochs: 12 }), 12);
    assert.equal(totalEpochs({ kind: 'layerwise', stageEpochs: 3, blocks: [[1]], stages: [{ blocks: 1, train: [1] }, { blocks: 1, train: [1] }] }), 6);
  });

  test("the study's layer-wise schedule: 4 blocks covering the 7 layers, 7 stages that end with every block trained", () => {
    assert.deepEqual(STUDY_BLOCKS.flat(), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(STUDY_STAGES.length, 7);
    for (const stage of STUDY_STAGES) assert.ok(stage.train.every((b) => b >= 1 && b <= stage.blocks), `stage ${JSON.stringify(stage)} trains only blocks in use`);
    assert.deepEqual(STUDY_STAGES.at(-1), { blocks: 4, train: [1, 2, 3, 4] });
  });

  test("the defaults take the preset's sizes: the study preset's layer-wise run is 700 epochs", () => {
    const study = getPreset('study');
    const defaults = scheduleDefaults({ ...study, limit: study.limit ?? null });
    assert.deepEqual(defaults.plain, { kind: 'plain', epochs: 100 });
    assert.equal(totalEpochs(defaults.layerwise), 700);
  });
});
