/**
 * Shared test helpers: a seeded plain-JS random source, float64 reference statistics, closeness
 * assertions, FashionMNIST-shaped synthetic data and tiny gzipped IDX datasets written to a temp dir.
 * Nothing here calls the library code it helps to test, except for its types and IMAGE_SIZE.
 */
import * as assert from 'node:assert/strict';
import { after, before } from 'node:test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import type { FashionMNIST, Split } from '../lib/dataset/fashionmnist';
import type { History } from '../lib/runs/run';
import type { RunSet } from '../lib/runs/seeds';
import type { MLPSpec } from '../lib/network/models';
import type { RunSpec } from '../lib/spec/spec';
import type { LayerMetric, LayerStats } from '../lib/training/stats';
import type { EpochRecord } from '../lib/training/train';

export const IMAGE_PIXELS = 28 * 28;
export const REAL_DATA_DIR = '/usr/share/datasets/fashion-mnist';
export const REAL_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];
export const hasRealData = REAL_FILES.every((f) => fs.existsSync(path.join(REAL_DATA_DIR, f)));
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** mulberry32: a small seeded uniform [0, 1) generator, independent of the library's seedrandom use. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n standard-normal samples (Box-Muller), float64. */
export function randn(n: number, seed: number, scale = 1, shift = 0): number[] {
  const r = rng(seed);
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - r();
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u));
    out.push(shift + scale * m * Math.cos(2 * Math.PI * v));
    if (out.length < n) out.push(shift + scale * m * Math.sin(2 * Math.PI * v));
  }
  return out;
}

/** Values rounded to float32, as a tensor would hold them, but kept as float64 numbers. */
export function f32(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => Math.fround(v));
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Variance dividing by n (biased) or n - 1 (unbiased). */
export function variance(xs: ArrayLike<number>, unbiased: boolean): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return s / (xs.length - (unbiased ? 1 : 0));
}

export function std(xs: ArrayLike<number>, unbiased = false): number {
  return Math.sqrt(variance(xs, unbiased));
}

/** |actual - expected| ≤ atol + rtol·|expected|, element by element, with a useful message. */
export function assertClose(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  { rtol = 0, atol = 0, msg = '' }: { rtol?: number; atol?: number; msg?: string },
): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  assert.equal(a.length, e.length, `${msg}: length ${a.length} != ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const tol = atol + rtol * Math.abs(e[i]);
    if (!(Math.abs(a[i] - e[i]) <= tol)) {
      assert.fail(`${msg}: element ${i}: got ${a[i]}, expected ${e[i]} (|diff| ${Math.abs(a[i] - e[i])} > tol ${tol})`);
    }
  }
}

/** Row-major matrix product of plain arrays: a [n, k] times b [k, m]. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): number[] {
  const out = new Array<number>(n * m).fill(0);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      for (let j = 0; j < m; j++) out[i * m + j] += aip * b[p * m + j];
    }
  }
  return out;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Mean softmax cross-entropy in float64 (log-sum-exp), logits [n, c] row-major. */
export function meanCrossEntropy(logits: ArrayLike<number>, labels: ArrayLike<number>, c: number): number {
  const n = labels.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, logits[i * c + j]);
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(logits[i * c + j] - max);
    total += -(logits[i * c + labels[i]] - max - Math.log(s));
  }
  return total / n;
}

/** Number of rows whose largest logit is at the label. */
export function countCorrect(logits: ArrayLike<number>, labels: ArrayLike<number>, c: number): number {
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (logits[i * c + j] > logits[i * c + best]) best = j;
    if (best === labels[i]) hits++;
  }
  return hits;
}

/**
 * A FashionMNIST-shaped split of `n` images: each class brightens its own band of rows, plus noise,
 * so that a network can learn something from it.
 */
export function syntheticSplit(n: number, seed: number): Split {
  const r = rng(seed);
  const images = new Uint8Array(n * IMAGE_PIXELS);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = Math.floor(r() * 10);
    labels[i] = label;
    for (let k = 0; k < IMAGE_PIXELS; k++) {
      const row = Math.floor(k / 28);
      const band = Math.floor(row / 3) === label ? 150 : 0;
      images[i * IMAGE_PIXELS + k] = Math.min(255, band + Math.floor(r() * 100));
    }
  }
  return { images, labels, n };
}

export function syntheticData(nTrain: number, nVal: number, seed = 1): FashionMNIST {
  return { train: syntheticSplit(nTrain, seed), val: syntheticSplit(nVal, seed + 1000), source: '(synthetic)', identity: `synthetic-${nTrain}-${nVal}-${seed}`, seed, limit: nTrain + nVal };
}

/** The bytes of an unsigned-byte IDX file of the given dims. */
export function idxBytes(dims: number[], data: ArrayLike<number>, magic = 0x0800 + dims.length): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(Uint8Array.from(data), header.length);
  return out;
}

export function makeTmpDir(prefix = 'vg-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A run store of its own for the suite this is called in: VG_STORE_DIR points at a fresh temp folder
 * (`store.dir`) before its tests and is restored, the folder removed, after them.
 */
export function useTempStore(): { dir: string } {
  const saved = process.env.VG_STORE_DIR;
  const store = { dir: '' };
  before(() => {
    store.dir = makeTmpDir('vg-store-');
    process.env.VG_STORE_DIR = store.dir;
  });
  after(() => {
    if (saved === undefined) delete process.env.VG_STORE_DIR;
    else process.env.VG_STORE_DIR = saved;
    fs.rmSync(store.dir, { recursive: true, force: true });
  });
  return store;
}

export interface TinyDataset {
  dir: string;
  /** Training images, n × 784 bytes; image i's first two pixels encode i (low byte, high byte). */
  images: Uint8Array;
  labels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

/** Image i's id, read back from its first two pixels. */
export function imageId(images: Uint8Array, i: number): number {
  return images[i * IMAGE_PIXELS] + 256 * images[i * IMAGE_PIXELS + 1];
}

/**
 * Writes a valid gzipped FashionMNIST-format dataset of `n` training and `nTest` test images into a
 * new temp dir. Training image i carries its index in its first two pixels and label (i * 7) % 10.
 */
export function writeTinyDataset(n: number, nTest = 12, dir = makeTmpDir()): TinyDataset {
  const r = rng(n * 31 + nTest);
  const images = new Uint8Array(n * IMAGE_PIXELS);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 2; k < IMAGE_PIXELS; k++) images[i * IMAGE_PIXELS + k] = Math.floor(r() * 256);
    images[i * IMAGE_PIXELS] = i % 256;
    images[i * IMAGE_PIXELS + 1] = Math.floor(i / 256);
    labels[i] = (i * 7) % 10;
  }
  const testImages = new Uint8Array(nTest * IMAGE_PIXELS).map(() => Math.floor(r() * 256));
  const testLabels = new Uint8Array(nTest).map((_, i) => i % 10);
  const write = (name: string, bytes: Uint8Array) => fs.writeFileSync(path.join(dir, name), zlib.gzipSync(bytes));
  write('train-images-idx3-ubyte.gz', idxBytes([n, 28, 28], images));
  write('train-labels-idx1-ubyte.gz', idxBytes([n], labels));
  write('t10k-images-idx3-ubyte.gz', idxBytes([nTest, 28, 28], testImages));
  write('t10k-labels-idx1-ubyte.gz', idxBytes([nTest], testLabels));
  return { dir, images, labels, testImages, testLabels };
}

/** Epoch records without their wall time, for comparing two runs. */
export function withoutSeconds<T extends { seconds: number }>(epochs: T[]): Array<Omit<T, 'seconds'>> {
  return epochs.map(({ seconds, ...rest }) => {
    void seconds;
    return rest;
  });
}

/** A layer's statistics with chosen values; every metric not given is null (not measured). */
export function fakeLayer(name: string, values: Partial<Record<LayerMetric, number | null>> = {}): LayerStats {
  return {
    name,
    weightGradMeanAbs: null,
    weightGradNorm: null,
    activationGradMeanAbs: null,
    normalizedGradMeanAbs: null,
    activationMean: null,
    activationStd: null,
    saturation: null,
    updateRatio: null,
    activationGradRms: null,
    signalSpread: null,
    predictedGradFactor: null,
    ...values,
  };
}

/** One epoch record with chosen numbers (loss and accuracy default to fixed, recognisable values). */
export function fakeEpoch(epoch: number, layers: LayerStats[], rest: Partial<Omit<EpochRecord, 'epoch' | 'layers'>> = {}): EpochRecord {
  return { epoch, trainLoss: 2.3, trainAcc: 0.1, valLoss: 2.3, valAcc: 0.1, seconds: 1, layers, ...rest };
}

/**
 * A synthetic run history of `epochs` epochs over `layers` (names, input to output): every layer of
 * epoch e gets the numbers `overrides(e, layerIndex)` returns, epochs the fields `epochFields(e)`
 * returns. Nothing is trained, so every expected value is known from the numbers chosen.
 */
export function fakeHistory(
  experiment: string,
  epochs: number,
  layers: string[],
  overrides: {
    layer?: (epoch: number, layerIndex: number) => Partial<Record<LayerMetric, number | null>>;
    epoch?: (epoch: number) => Partial<Omit<EpochRecord, 'epoch' | 'layers'>>;
    history?: Partial<History>;
  } = {},
): History {
  const records = Array.from({ length: epochs }, (_, i) => {
    const e = i + 1;
    return fakeEpoch(e, layers.map((name, li) => fakeLayer(name, overrides.layer?.(e, li) ?? {})), overrides.epoch?.(e) ?? {});
  });
  return {
    experiment,
    label: STUDY_LABELS[experiment] ?? experiment,
    layerNames: layers,
    seed: 0,
    backend: 'cpu',
    dataDir: '/synthetic',
    config: studySpec({ experiment, label: STUDY_LABELS[experiment] ?? experiment, model: { ...STUDY_MODEL, depth: layers.length - 1 }, schedule: { kind: 'plain', epochs } }),
    epochs: records,
    seconds: 12.345,
    ...(overrides.history ?? {}),
  };
}

/** What the study's experiments are called (as the registry says; written out, not read from it). */
const STUDY_LABELS: Record<string, string> = {
  baseline: 'baseline (sigmoid)', relu: 'ReLU', adam: 'Adam', batchnorm: 'BatchNorm', layerwise: 'layer-wise training', 'grad-norm': 'gradient normalisation',
};

/** The study's network written out (not read from lib/, whose defaults the tests check against it). */
export const STUDY_MODEL: RunSpec['model'] = {
  depth: 7, width: 128, activation: 'sigmoid', init: { kind: 'torch-default' }, normalization: 'none', skip: 'none', gradNorm: false,
};

/** A whole `MLPSpec`: the study's network on FashionMNIST's shape, seed 0, with `changes` on top. */
export function mlpSpec(changes: Partial<MLPSpec> = {}): MLPSpec {
  return { ...STUDY_MODEL, inputSize: IMAGE_PIXELS, classes: 10, seed: 0, ...changes };
}

/** A whole resolved `RunSpec`: the study's baseline for 2 epochs on all data, with `changes` on top. */
export function studySpec(changes: Partial<RunSpec> = {}): RunSpec {
  return {
    experiment: 'baseline', label: 'baseline (sigmoid)', changes: [], model: STUDY_MODEL, optimizer: { kind: 'sgd', lr: 1e-2 },
    schedule: { kind: 'plain', epochs: 2 }, batchSize: 512, limit: null, seed: 0, ...changes,
  };
}

/** One spec over several seeds, from Histories made by `make(seed)` (e.g. fakeHistory with per-seed numbers). */
export function fakeRunSet(make: (seed: number) => History, seeds: number[] = [0, 1, 2]): RunSet {
  const runs = seeds.map((seed) => ({ ...make(seed), seed }));
  return { experiment: runs[0].experiment, label: runs[0].label, config: runs[0].config, seeds, runs, storedAt: seeds.map(() => null) };
}

/** Polls `what` every 200 ms for up to `seconds`; its last answer (processes ending, files appearing). */
export async function until(what: () => boolean, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 5 && !what(); i++) await new Promise((r) => setTimeout(r, 200));
  return what();
}
