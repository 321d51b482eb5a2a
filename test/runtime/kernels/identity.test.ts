/**
 * A clone shares its input's data on the wasm backend (lib/runtime/kernels/identity.ts): values, lifetimes
 * and whole training steps as with the stock kernel that copies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../lib/runtime/backend';
import { disableSharedIdentity, enableSharedIdentity } from '../../../lib/runtime/kernels/identity';
import { buildMLP } from '../../../lib/network/models';
import { Split } from '../../../lib/dataset/fashionmnist';
import { runBatches } from '../../../lib/training/train';
import { OPTIMIZER_DEFAULTS } from '../../../lib/spec/spec';
import { IMAGE_PIXELS, mlpSpec } from '../../helpers';

before(async () => {
  assert.equal(await initBackend(), 'wasm', 'these tests are about the wasm backend');
});
after(() => enableSharedIdentity());

describe('shared Identity', () => {
  it('a clone reads the same buffer, outlives its input, and the buffer goes with the last tensor', () => {
    const start = tf.memory();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.clone(x);
    assert.equal(y.dataId, x.dataId, 'no copy');
    assert.equal(tf.memory().numDataBuffers, start.numDataBuffers + 1);
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4, 5, 6]);
    y.dispose();
    assert.equal(tf.memory().numTensors, start.numTensors);
    assert.equal(tf.memory().numDataBuffers, start.numDataBuffers, 'the buffer is freed with its last tensor');
  });

  it('training steps (BatchNorm and Adam included, statistics on) give the very losses of the copying kernel', () => {
    const n = 256;
    const images = Uint8Array.from({ length: n * IMAGE_PIXELS }, (_, i) => (i * 131 + (i >> 7)) % 256);
    const split: Split = { images, labels: Uint8Array.from({ length: n }, (_, i) => i % 10), n };
    const batches = [0, 1, 2, 3].map((b) => Uint32Array.from({ length: 64 }, (_, i) => (b * 64 + i * 5) % n));
    const losses = (shared: boolean, normalization: 'none' | 'batchnorm', kind: 'sgd' | 'adam') => {
      if (shared) enableSharedIdentity();
      else disableSharedIdentity();
      const model = buildMLP(mlpSpec({ depth: 3, width: 32, normalization }));
      try {
        return runBatches(model, split, batches, { optimizer: OPTIMIZER_DEFAULTS[kind], stats: true });
      } finally {
        model.dispose();
      }
    };
    for (const [normalization, kind] of [['none', 'sgd'], ['batchnorm', 'adam']] as const) {
      const copied = losses(false, normalization, kind);
      assert.deepEqual(losses(true, normalization, kind), copied, `${normalization}, ${kind}`);
      assert.ok(copied[3] !== copied[0], 'the steps change the network');
    }
  });
});
