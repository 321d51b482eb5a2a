/**
 * FashionMNIST (Xiao, Rasul & Vollgraf 2017) from its four gzipped IDX files, as the study used it:
 * pixels / 255 in [0, 1] (torchvision's `ToTensor()`, no mean/std normalisation), a seeded random
 * 54,000 / 6,000 train/validation split of the 60,000 training images (`random_split`), and the
 * 10,000 test images on request. Nothing is downloaded: the files are looked up on disk, gzipped or not.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import seedrandom from 'seedrandom';
import { projectRoot, userPath } from '../runtime/paths';

export const IMAGE_SIZE = 28 * 28;
/** A pixel's byte divided by this is its value in [0, 1], as torchvision's `ToTensor()` makes it. */
export const PIXEL_MAX = 255;
/** The smallest `limit`: 20 images leave 18 to train on and 2 to validate. */
export const MIN_LIMIT = 20;
export const NUM_CLASSES = 10;

const FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/** Where the Debian package `dataset-fashion-mnist` puts the files. */
export const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
export const INSTALL_HINT =
  'install it with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or copy the four ' +
  '*-ubyte.gz files of FashionMNIST into data/fashion-mnist/, or point VG_DATA_DIR at their folder';

/** A parsed IDX file: its dimensions and raw unsigned bytes. */
export interface Idx {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes (type code 0x08). `file` names the file in errors.
 * Throws on a wrong magic number, an unexpected rank, or a size that does not match the header.
 */
export function parseIdx(bytes: Uint8Array, file: string, expectedRank: number): Idx {
  if (bytes.length < 4) throw new Error(`${file}: too short to be an IDX file (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const expectedMagic = 0x0800 + expectedRank;
  if (magic !== expectedMagic) {
    throw new Error(
      `${file}: wrong magic number 0x${magic.toString(16).padStart(8, '0')}, expected ` +
        `0x${expectedMagic.toString(16).padStart(8, '0')} (unsigned-byte IDX of rank ${expectedRank}); ` +
        'the file is corrupt or is not the one its name says',
    );
  }
  const headerSize = 4 + 4 * expectedRank;
  if (bytes.length < headerSize) throw new Error(`${file}: truncated inside its header`);
  const dims: number[] = [];
  for (let i = 0; i < expectedRank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expectedSize = headerSize + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expectedSize) {
    throw new Error(
      `${file}: wrong size: the header promises ${dims.join(' x ')} values (${expectedSize} bytes), ` +
        `the file has ${bytes.length} bytes; it is ${bytes.length < expectedSize ? 'truncated' : 'too long'}`,
    );
  }
  return { dims, data: bytes.subarray(headerSize) };
}

/** Reads and parses one IDX file, gzipped or not. */
export function readIdx(file: string, expectedRank: number): Idx {
  let bytes: Uint8Array = fs.readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${file}: not a valid gzip file, probably truncated or corrupt (${(e as Error).message})`);
    }
  }
  return parseIdx(bytes, file, expectedRank);
}

type FileKey = keyof typeof FILES;

/** The folders searched for the dataset, in order; `VG_DATA_DIR`, when set, is the only one. */
export function dataDirs(): string[] {
  if (process.env.VG_DATA_DIR !== undefined) return [userPath(process.env.VG_DATA_DIR)];
  return [path.join(projectRoot(), 'data', 'fashion-mnist'), DEBIAN_DIR];
}

/**
 * The four files in `dir`, each gzipped (`….gz`) or not (the same name without `.gz`), or the names
 * missing there. A directory where a file is expected counts as missing, and says so.
 */
function locate(dir: string): { files?: Record<FileKey, string>; missing: string[] } {
  const files = {} as Record<FileKey, string>;
  const missing: string[] = [];
  for (const [key, name] of Object.entries(FILES) as Array<[FileKey, string]>) {
    const found = [name, name.replace(/\.gz$/, '')].map((n) => path.join(dir, n)).find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
    if (found) files[key] = found;
    else missing.push(fs.existsSync(path.join(dir, name)) ? `${name} (a directory, not a file)` : name);
  }
  return missing.length ? { missing } : { files, missing };
}

/**
 * The first folder holding all four files: `explicit`, else `VG_DATA_DIR` alone (a folder named on
 * purpose is never silently replaced by another copy), else the project's data/fashion-mnist/, else
 * Debian's. Otherwise a clear error naming every place looked and what was missing there.
 */
export function findDataDir(explicit?: string): string {
  const fromEnv = explicit === undefined && process.env.VG_DATA_DIR !== undefined;
  const candidates = explicit !== undefined ? [path.resolve(explicit)] : dataDirs();
  const looked: string[] = [];
  for (const dir of candidates) {
    const { files, missing } = locate(dir);
    if (files) return dir;
    looked.push(`  - ${dir}: ${fs.existsSync(dir) ? (fs.statSync(dir).isDirectory() ? `missing ${missing.join(', ')}` : 'not a folder') : 'no such folder'}`);
  }
  throw new Error(
    `FashionMNIST not found. Looked for ${Object.values(FILES).join(', ')} (or the same names without .gz) in:\n` + looked.join('\n') +
      (fromEnv ? `\n(VG_DATA_DIR="${process.env.VG_DATA_DIR}" names the only folder used; fix it or unset it to use the project's or Debian's copy.)` : '') +
      `\nTo get it, ${INSTALL_HINT}.`,
  );
}

function dataFiles(dir: string): Record<FileKey, string> {
  const { files } = locate(dir);
  if (!files) throw new Error(`${dir} no longer holds FashionMNIST's four files`);
  return files;
}

const identities = new Map<string, string>();

/**
 * What identifies the training data in a folder: a hash of its two training files' bytes (remembered
 * per path, size and modification time), so that a run stored from one copy is never reused for another.
 */
export function dataIdentity(dir: string): string {
  const all = dataFiles(path.resolve(dir));
  const files = [all.trainImages, all.trainLabels];
  const stamp = files.map((f) => {
    const st = fs.statSync(f);
    return `${f}:${st.size}:${st.mtimeMs}`;
  }).join('|');
  let id = identities.get(stamp);
  if (!id) {
    const hash = crypto.createHash('sha256');
    for (const f of files) hash.update(fs.readFileSync(f));
    id = hash.digest('hex').slice(0, 16);
    identities.set(stamp, id);
  }
  return id;
}

/** Images as raw bytes (converted to [0, 1] floats batch by batch) and their labels. */
export interface Split {
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
}

export interface FashionMNIST {
  train: Split;
  val: Split;
  /** Present when loaded with `test: true`. */
  test?: Split;
  /** The folder the files came from. */
  source: string;
  /** `dataIdentity` of that folder. */
  identity: string;
  /** The seed of the train/validation split, and the limit it was made from (null: all images). */
  seed: number;
  limit: number | null;
}

export interface LoadOptions {
  /** Use only the first N of the 60,000 training images, before the split (fast tests). Default: all. */
  limit?: number;
  /** Seed of the train/validation split. Default 0. */
  seed?: number;
  /** Fraction of the (limited) training images held out for validation. Default 0.1 (6,000 of 60,000). */
  valFraction?: number;
  /** Also load the 10,000 test images. Default false. */
  test?: boolean;
  /** Read from this folder instead of searching `dataDirs()`. */
  dir?: string;
}

function checkPair(images: Idx, labels: Idx, imagesFile: string, labelsFile: string): void {
  if (images.dims[1] !== 28 || images.dims[2] !== 28) {
    throw new Error(`${imagesFile}: images are ${images.dims.slice(1).join('x')}, expected 28x28`);
  }
  if (images.dims[0] !== labels.dims[0]) {
    throw new Error(`${imagesFile} has ${images.dims[0]} images but ${labelsFile} has ${labels.dims[0]} labels`);
  }
  const bad = labels.data.findIndex((l) => l >= NUM_CLASSES);
  if (bad >= 0) throw new Error(`${labelsFile}: label ${labels.data[bad]} at index ${bad} is not a class 0-9`);
}

function pick(images: Uint8Array, labels: Uint8Array, order: ArrayLike<number>): Split {
  const n = order.length;
  const out: Split = { images: new Uint8Array(n * IMAGE_SIZE), labels: new Uint8Array(n), n };
  for (let i = 0; i < n; i++) {
    const j = order[i];
    out.images.set(images.subarray(j * IMAGE_SIZE, (j + 1) * IMAGE_SIZE), i * IMAGE_SIZE);
    out.labels[i] = labels[j];
  }
  return out;
}

/** A seeded uniform permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, seed: string | number): Uint32Array {
  const rng = seedrandom(String(seed));
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Loads FashionMNIST and makes the study's seeded train/validation split. */
export function loadFashionMNIST(options: LoadOptions = {}): FashionMNIST {
  const { seed = 0, valFraction = 0.1 } = options;
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= MIN_LIMIT)) {
    throw new Error(`limit must be a whole number of at least ${MIN_LIMIT} training images, got ${options.limit}`);
  }
  if (!(valFraction > 0 && valFraction < 1)) throw new Error(`valFraction must be in (0, 1), got ${valFraction}`);
  const dir = findDataDir(options.dir);
  const files = dataFiles(dir);
  const images = readIdx(files.trainImages, 3);
  const labels = readIdx(files.trainLabels, 1);
  checkPair(images, labels, files.trainImages, files.trainLabels);
  const total = Math.min(options.limit ?? images.dims[0], images.dims[0]);
  const nVal = Math.max(1, Math.round(total * valFraction));
  const order = permutation(total, `split:${seed}`);
  const result: FashionMNIST = {
    train: pick(images.data, labels.data, order.subarray(nVal)),
    val: pick(images.data, labels.data, order.subarray(0, nVal)),
    source: dir,
    identity: dataIdentity(dir),
    seed,
    limit: options.limit ?? null,
  };
  if (options.test) {
    const ti = readIdx(files.testImages, 3);
    const tl = readIdx(files.testLabels, 1);
    checkPair(ti, tl, files.testImages, files.testLabels);
    result.test = { images: ti.data, labels: tl.data, n: ti.dims[0] };
  }
  return result;
}

/** The example indices of each mini-batch of one epoch, reshuffled from `seed` (no example dropped). */
export function epochBatches(n: number, batchSize: number, seed: string | number): Uint32Array[] {
  const order = permutation(n, seed);
  const batches: Uint32Array[] = [];
  for (let start = 0; start < n; start += batchSize) batches.push(order.subarray(start, Math.min(n, start + batchSize)));
  return batches;
}

/** byte / PIXEL_MAX for every byte value, looked up rather than divided 400,000 times a batch. */
const PIXEL_VALUES = Float32Array.from({ length: 256 }, (_, b) => b / PIXEL_MAX);

/** The examples' pixels as bytes, one row copy per example, and their labels. */
export function gatherBytes(split: Split, indices: ArrayLike<number>): { bytes: Uint8Array; y: Int32Array } {
  const bytes = new Uint8Array(indices.length * IMAGE_SIZE);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    bytes.set(split.images.subarray(j * IMAGE_SIZE, (j + 1) * IMAGE_SIZE), i * IMAGE_SIZE);
    y[i] = split.labels[j];
  }
  return { bytes, y };
}

/** Gathers examples into a float batch with pixels / PIXEL_MAX and integer labels. */
export function gatherBatch(split: Split, indices: ArrayLike<number>): { x: Float32Array; y: Int32Array } {
  const { bytes, y } = gatherBytes(split, indices);
  const x = new Float32Array(bytes.length);
  for (let k = 0; k < bytes.length; k++) x[k] = PIXEL_VALUES[bytes[k]];
  return { x, y };
}
