/**
 * Seeds for the derived random streams of a run (each layer's initial weights and biases, each
 * layer-wise stage's fresh output layer), all from the run's one seed.
 */

/**
 * The seed of one derived stream: a hash of (seed, role, index), an unsigned 32-bit integer. Streams of
 * different seeds, roles or indices get unrelated seeds; arithmetic such as seed·1000 + 10·i collides
 * (layer 100 of seed 0 and layer 0 of seed 1 shared their weights). FNV-1a over the text
 * `seed/role/index`, then murmur3's finaliser so that nearby inputs land far apart.
 */
export function deriveSeed(seed: number, role: string, index = 0): number {
  const text = `${seed}/${role}/${index}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
