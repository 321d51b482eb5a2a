import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { resolveSpec } from '../../lib/training/experiments';
import { runKey } from '../../lib/training/store';

describe('runKey', () => {
  const spec = resolveSpec('relu', { preset: 'smoke' });
  test('the same for the same numbers whatever the wording; different for seed, data, backend or any number', () => {
    const key = runKey(spec, 'wasm', 'data-a');
    assert.match(key, /^[0-9a-f]{16}$/);
    assert.equal(runKey({ ...spec, label: 'renamed', changes: ['x'] }, 'wasm', 'data-a'), key);
    const others = [
      runKey({ ...spec, seed: spec.seed + 1 }, 'wasm', 'data-a'),
      runKey(spec, 'wasm', 'data-b'),
      runKey(spec, 'cpu', 'data-a'),
      runKey({ ...spec, limit: 1000 }, 'wasm', 'data-a'),
      runKey({ ...spec, optimizer: { ...spec.optimizer, lr: 0.5 } }, 'wasm', 'data-a'),
    ];
    assert.equal(new Set([key, ...others]).size, 6);
  });
});
