import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { initBackend } from '../../lib/runtime/backend';
import { epochBatches, gatherBatch, loadFashionMNIST, parseIdx, readIdx } from '../../lib/dataset/fashionmnist';
import {
  IMAGE_PIXELS, REAL_DATA_DIR, TinyDataset, hasRealData, idxBytes, imageId, makeTmpDir, writeTinyDataset,
} from '../helpers';

const tmpDirs: string[] = [];
function tmp(): string {
  const d = makeTmpDir();
  tmpDirs.push(d);
  return d;
}

before(async () => {
  await initBackend();
});
after(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('IDX parser', () => {
  test('parses hand-built label and image files', () => {
    const labels = parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9]), 'labels', 1);
    assert.deepEqual(labels.dims, [3]);
    assert.deepEqual(Array.from(labels.data), [7, 0, 9]);

    const pixels = Array.from({ length: 2 * 28 * 28 }, (_, i) => (i * 13) % 256);
    const bytes = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, ...pixels]);
    const images = parseIdx(bytes, 'images', 3);
    assert.deepEqual(images.dims, [2, 28, 28]);
    assert.deepEqual(Array.from(images.data), pixels);
  });

  test('dims are big-endian', () => {
    const n = 258; // 0x00000102: little-endian reading would give 0x02010000
    const idx = parseIdx(idxBytes([n], new Uint8Array(n)), 'labels', 1);
    assert.deepEqual(idx.dims, [258]);
  });

  test('a truncated file throws naming the file and saying "truncated"', () => {
    const dir = tmp();
    const file = path.join(dir, 'train-labels-idx1-ubyte');
    fs.writeFileSync(file, idxBytes([5], [1, 2, 3, 4, 5]).subarray(0, 12)); // 3 of 5 labels
    assert.throws(() => readIdx(file, 1), (e: Error) => e.message.includes(file) && /truncated/.test(e.message));
    // the same inside a valid gzip stream
    const gz = path.join(dir, 'train-images-idx3-ubyte.gz');
    fs.writeFileSync(gz, zlib.gzipSync(idxBytes([2, 28, 28], new Uint8Array(2 * 784)).subarray(0, 16 + 784 + 100)));
    assert.throws(() => readIdx(gz, 3), (e: Error) => e.message.includes(gz) && /truncated/.test(e.message));
    // truncated inside the header
    assert.throws(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0]), 'hdr.idx', 3), /hdr\.idx.*truncated/);
  });

  test('a wrong magic number throws naming the file and saying "wrong magic"', () => {
    const dir = tmp();
    const file = path.join(dir, 'train-labels-idx1-ubyte.gz');
    // an image file (magic 0x803) where a label file (0x801) is expected
    fs.writeFileSync(file, zlib.gzipSync(idxBytes([1, 28, 28], new Uint8Array(784))));
    assert.throws(() => readIdx(file, 1), (e: Error) => e.message.includes(file) && /wrong magic/.test(e.message));
    // a non-byte type code (0x0D = float) is wrong too
    assert.throws(() => parseIdx(idxBytes([1], [0], 0x0d01), 'f.idx', 1), /f\.idx.*wrong magic/);
  });

  test('a corrupt gzip file throws naming the file', () => {
    const dir = tmp();
    const file = path.join(dir, 'train-images-idx3-ubyte.gz');
    const gz = zlib.gzipSync(idxBytes([3, 28, 28], new Uint8Array(3 * 784).map((_, i) => i % 251)));
    fs.writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
    assert.throws(() => readIdx(file, 3), (e: Error) => e.message.includes(file) && /gzip/.test(e.message));
  });
});

describe('loadFashionMNIST on a tiny dataset', () => {
  let tiny: TinyDataset;
  before(() => {
    tiny = writeTinyDataset(200);
    tmpDirs.push(tiny.dir);
  });

  const ids = (split: { images: Uint8Array; n: number }) => Array.from({ length: split.n }, (_, i) => imageId(split.images, i));

  test('a missing dataset names the folder looked in and the install command', () => {
    const empty = tmp();
    assert.throws(
      () => loadFashionMNIST({ dir: empty }),
      (e: Error) => e.message.includes(empty) && e.message.includes('apt-get install dataset-fashion-mnist'),
    );
  });

  test('a directory where a file should be is named as such, not a bare EISDIR', () => {
    const dir = tmp();
    for (const f of fs.readdirSync(tiny.dir)) fs.copyFileSync(path.join(tiny.dir, f), path.join(dir, f));
    fs.rmSync(path.join(dir, 'train-images-idx3-ubyte.gz'));
    fs.mkdirSync(path.join(dir, 'train-images-idx3-ubyte.gz'));
    assert.throws(() => loadFashionMNIST({ dir }), (e: Error) => e.message.includes(`${dir}: missing train-images-idx3-ubyte.gz (a directory, not a file)`));
  });

  test('a missing single file is also reported', () => {
    const dir = tmp();
    for (const f of fs.readdirSync(tiny.dir)) fs.copyFileSync(path.join(tiny.dir, f), path.join(dir, f));
    fs.rmSync(path.join(dir, 'train-labels-idx1-ubyte.gz'));
    assert.throws(() => loadFashionMNIST({ dir }), (e: Error) => e.message.includes(dir) && e.message.includes('train-labels-idx1-ubyte.gz'));
  });

  test('train and val are disjoint, cover the set, keep images with their labels', () => {
    const d = loadFashionMNIST({ dir: tiny.dir, seed: 3 });
    assert.equal(d.source, path.resolve(tiny.dir));
    assert.equal(d.val.n, 20); // 10 %
    assert.equal(d.train.n, 180);
    const trainIds = ids(d.train);
    const valIds = ids(d.val);
    assert.equal(new Set(trainIds).size, 180);
    assert.equal(new Set(valIds).size, 20);
    assert.ok(valIds.every((i) => !trainIds.includes(i)), 'val and train share an image');
    assert.deepEqual([...trainIds, ...valIds].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i));
    for (const [split, list] of [[d.train, trainIds], [d.val, valIds]] as const) {
      list.forEach((id, i) => {
        assert.equal(split.labels[i], (id * 7) % 10, 'label moved away from its image');
        assert.deepEqual(
          Array.from(split.images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS)),
          Array.from(tiny.images.subarray(id * IMAGE_PIXELS, (id + 1) * IMAGE_PIXELS)),
        );
      });
    }
    // a random split, not the first or last 20 images
    const sortedVal = [...valIds].sort((a, b) => a - b);
    assert.notDeepEqual(sortedVal, Array.from({ length: 20 }, (_, i) => i));
    assert.notDeepEqual(sortedVal, Array.from({ length: 20 }, (_, i) => 180 + i));
  });

  test('the split is deterministic for a seed and differs for another', () => {
    const a = loadFashionMNIST({ dir: tiny.dir, seed: 5 });
    const b = loadFashionMNIST({ dir: tiny.dir, seed: 5 });
    const c = loadFashionMNIST({ dir: tiny.dir, seed: 6 });
    assert.deepEqual(ids(a.val), ids(b.val));
    assert.deepEqual(ids(a.train), ids(b.train));
    assert.notDeepEqual(new Set(ids(a.val)), new Set(ids(c.val)));
  });

  test('limit uses only the first N images before the split', () => {
    const d = loadFashionMNIST({ dir: tiny.dir, limit: 50, seed: 1 });
    assert.equal(d.train.n + d.val.n, 50);
    assert.equal(d.val.n, 5);
    const all = [...ids(d.train), ...ids(d.val)].sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 50 }, (_, i) => i));
    assert.throws(() => loadFashionMNIST({ dir: tiny.dir, limit: 1 }), /limit/);
    assert.throws(() => loadFashionMNIST({ dir: tiny.dir, valFraction: 1 }), /valFraction/);
  });

  test('test: true loads the test images unchanged', () => {
    const d = loadFashionMNIST({ dir: tiny.dir, test: true });
    assert.ok(d.test, 'd.test');
    assert.equal(d.test.n, 12);
    assert.deepEqual(Array.from(d.test.images), Array.from(tiny.testImages));
    assert.deepEqual(Array.from(d.test.labels), Array.from(tiny.testLabels));
    assert.equal(loadFashionMNIST({ dir: tiny.dir }).test, undefined);
  });

  test('labels outside 0-9 are rejected naming the file', () => {
    const dir = tmp();
    fs.copyFileSync(path.join(tiny.dir, 'train-images-idx3-ubyte.gz'), path.join(dir, 'train-images-idx3-ubyte.gz'));
    const bad = Uint8Array.from(tiny.labels);
    bad[17] = 10;
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'), zlib.gzipSync(idxBytes([200], bad)));
    for (const f of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) fs.copyFileSync(path.join(tiny.dir, f), path.join(dir, f));
    assert.throws(() => loadFashionMNIST({ dir }), (e: Error) => e.message.includes('train-labels-idx1-ubyte.gz') && /label 10/.test(e.message));
  });

  test('gatherBatch: pixels are byte / 255 in [0, 1], labels follow', () => {
    const d = loadFashionMNIST({ dir: tiny.dir });
    const idx = [0, 7, 3, 179];
    const { x, y } = gatherBatch(d.train, idx);
    assert.equal(x.length, idx.length * IMAGE_PIXELS);
    idx.forEach((j, i) => {
      assert.equal(y[i], d.train.labels[j]);
      for (let k = 0; k < IMAGE_PIXELS; k++) {
        const byte = d.train.images[j * IMAGE_PIXELS + k];
        assert.equal(x[i * IMAGE_PIXELS + k], Math.fround(byte / 255));
      }
    });
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    assert.ok(lo >= 0 && hi <= 1, `pixels in [${lo}, ${hi}]`);
    assert.equal(hi, 1); // random bytes include 255
  });
});

describe('epochBatches', () => {
  test('covers every index exactly once, in batches of the asked size', () => {
    const n = 1037;
    const batches = epochBatches(n, 100, 'shuffle:0:1');
    assert.equal(batches.length, 11);
    assert.deepEqual(batches.map((b) => b.length), [...new Array(10).fill(100), 37]);
    const all = batches.flatMap((b) => Array.from(b)).sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: n }, (_, i) => i));
  });

  test('is shuffled, deterministic for a seed, different for another', () => {
    const a = epochBatches(500, 64, 's1').flatMap((b) => Array.from(b));
    const b = epochBatches(500, 64, 's1').flatMap((b) => Array.from(b));
    const c = epochBatches(500, 64, 's2').flatMap((b) => Array.from(b));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.notDeepEqual(a, Array.from({ length: 500 }, (_, i) => i));
  });

  test('a batch larger than n gives one batch', () => {
    const batches = epochBatches(10, 512, 0);
    assert.equal(batches.length, 1);
    assert.deepEqual(Array.from(batches[0]).sort((x, y) => x - y), Array.from({ length: 10 }, (_, i) => i));
  });
});

describe('the real FashionMNIST', { skip: hasRealData ? false : `${REAL_DATA_DIR} is absent` }, () => {
  test('splits 60,000 training images into 54,000 / 6,000 and loads 10,000 test images', () => {
    const d = loadFashionMNIST({ dir: REAL_DATA_DIR, test: true });
    assert.equal(d.train.n, 54000);
    assert.equal(d.val.n, 6000);
    assert.equal(d.train.images.length, 54000 * IMAGE_PIXELS);
    assert.equal(d.val.labels.length, 6000);
    assert.equal(d.test?.n, 10000);
    // FashionMNIST is balanced: 6,000 of each class in the 60,000
    const counts = new Array(10).fill(0);
    for (const s of [d.train, d.val]) for (const l of s.labels) counts[l]++;
    assert.deepEqual(counts, new Array(10).fill(6000));
    const { x } = gatherBatch(d.val, [0, 1, 2]);
    assert.ok(x.every((v) => v >= 0 && v <= 1), 'x.every((v) => v >= 0 && v <= 1)');
  });
});
