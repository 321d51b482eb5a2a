import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { resolveSpec } from '../../lib/training/experiments';
import { PRESETS, getPreset } from '../../lib/training/presets';

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
});
