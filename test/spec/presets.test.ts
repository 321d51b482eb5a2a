import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { resolveSpec } from '../../lib/spec/experiments';
import { PRESETS, getPreset } from '../../lib/spec/presets';

describe('presets', () => {
  test('VG_PRESET picks the default preset', () => {
    const saved = process.env.VG_PRESET;
    try {
      process.env.VG_PRESET = 'smoke';
      assert.equal(getPreset().name, 'smoke');
      assert.equal(resolveSpec('baseline').limit, PRESETS.smoke.limit);
      process.env.VG_PRESET = 'nope';
      assert.throws(() => getPreset(), /VG_PRESET/);
      delete process.env.VG_PRESET;
      assert.equal(getPreset().name, 'default');
    } finally {
      if (saved === undefined) delete process.env.VG_PRESET;
      else process.env.VG_PRESET = saved;
    }
  });

  test('seeds per run: default 3, smoke 1, study 3 at the study\'s 100 epochs; VG_SEEDS overrides, checked', () => {
    assert.deepEqual([PRESETS.default.seeds, PRESETS.smoke.seeds, PRESETS.study.seeds], [3, 1, 3]);
    assert.equal(PRESETS.study.epochs, 100);
    const saved = process.env.VG_SEEDS;
    try {
      process.env.VG_SEEDS = '5';
      assert.equal(getPreset('smoke').seeds, 5);
      process.env.VG_SEEDS = '0';
      assert.throws(() => getPreset('smoke'), /VG_SEEDS must be a whole number ≥ 1 \(seeds per run\), got "0"/);
    } finally {
      if (saved === undefined) delete process.env.VG_SEEDS;
      else process.env.VG_SEEDS = saved;
    }
  });
});
