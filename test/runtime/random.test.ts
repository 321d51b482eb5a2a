import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { deriveSeed } from '../../lib/runtime/random';

/** FNV-1a and murmur3's finaliser written out again, from their published constants. */
function reference(text: string): number {
  let h = 2166136261;
  for (const ch of text) h = Number((BigInt(h ^ ch.charCodeAt(0)) * 16777619n) % 4294967296n);
  const mix = (x: number, k: bigint) => Number((BigInt(x) * k) % 4294967296n);
  h = (h ^ (h >>> 16)) >>> 0;
  h = mix(h, 0x85ebca6bn);
  h = (h ^ (h >>> 13)) >>> 0;
  h = mix(h, 0xc2b2ae35n);
  return (h ^ (h >>> 16)) >>> 0;
}

describe('deriveSeed', () => {
  test('is the hash of seed/role/index: FNV-1a then murmur3\'s finaliser, recomputed in BigInt', () => {
    for (const [seed, role, index] of [[0, 'hidden', 1], [7, 'output', 0], [2 ** 31 - 1, 'layerwise-output', 6]] as const) {
      assert.equal(deriveSeed(seed, role, index), reference(`${seed}/${role}/${index}`));
    }
  });

  test('gives every stream of 10 seeds × 200 layers × two roles its own seed', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 10; seed++) {
      for (let i = 0; i <= 200; i++) for (const role of ['hidden', 'layerwise-output']) seen.add(deriveSeed(seed, role, i));
    }
    assert.equal(seen.size, 10 * 201 * 2);
  });

  test('is a whole number in [0, 2³²), the same on every call', () => {
    const s = deriveSeed(3, 'bias');
    assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32);
    assert.equal(deriveSeed(3, 'bias'), s);
    assert.equal(deriveSeed(3, 'bias', 0), s, 'index defaults to 0');
  });
});
