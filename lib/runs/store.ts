/**
 * The run store: every finished run, kept by everything that determines its numbers — the resolved
 * spec (its seed included, its wording not), the backend, the training data (`dataIdentity`, and the
 * spec's `limit`) and the sources of the library that trained it (`libVersion` of the process that
 * ran its code) — so that a stored run is reused only where training again would give the same numbers. One JSON file per run in `VG_STORE_DIR`
 * (default `<project>/.cache/runs/`), written atomically.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { hiddenName } from '../network/models';
import { describeFileError, writeJsonAtomic } from '../runtime/files';
import { projectRoot } from '../runtime/paths';
import { libVersion } from '../runtime/version';
import { History, specKey } from './run';
import { RunSpec, totalEpochs } from '../spec/spec';
import { LAYER_METRICS } from '../training/stats';

export function storeDir(): string {
  return process.env.VG_STORE_DIR ? path.resolve(process.env.VG_STORE_DIR) : path.join(projectRoot(), '.cache', 'runs');
}

/**
 * A short hash of what determines a run's numbers: `specKey` (spec and backend), the data, and `lib`,
 * the version of lib/ whose code trains it (default: this process's, `libVersion`).
 */
export function runKey(spec: RunSpec, backend: string, dataIdentity: string, lib = libVersion()): string {
  return crypto.createHash('sha256')
    .update(JSON.stringify({ spec: specKey(spec, backend), data: dataIdentity, lib }))
    .digest('hex').slice(0, 16);
}

function entryPath(spec: RunSpec, key: string): string {
  return path.join(storeDir(), `${spec.experiment}-seed${spec.seed}-${key}.json`);
}

export interface StoredRun {
  history: History;
  /** When the run was stored (ISO 8601). */
  storedAt: string;
  file: string;
}

/** What a store entry holds: the run, its key, and a digest of the run as it was stored. */
interface Entry {
  storedAt: string;
  key: string;
  digest: string;
  history: History;
}

const digestOf = (history: unknown) => crypto.createHash('sha256').update(JSON.stringify(history)).digest('hex').slice(0, 16);
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const show = (x: unknown) => (typeof x === 'number' ? String(x) : JSON.stringify(x) ?? String(x));

/** What is wrong with the per-layer statistics `layers` of the model whose layers are `names`, or null. */
function layersProblem(layers: unknown, names: string[]): string | null {
  if (!Array.isArray(layers)) return `layers is ${show(layers)}, not a list`;
  const got = layers.map((l) => (isObject(l) ? l.name : undefined));
  if (show(got) !== show(names)) return `layers are ${show(got)}, not ${show(names)}`;
  for (const l of layers as Array<Record<string, unknown>>) {
    const bad = LAYER_METRICS.find((m) => !(typeof l[m] === 'number' || l[m] === null));
    if (bad) return `${l.name}.${bad} is ${show(l[bad])}, not a number`;
  }
  return null;
}

/** What is wrong with one epoch's record (the `index`-th, from 0) of a run of `spec`, or null. */
function epochProblem(e: unknown, index: number, spec: RunSpec, names: string[]): string | null {
  if (!isObject(e)) return `is ${show(e)}, not a record`;
  if (e.epoch !== index + 1) return `is numbered ${show(e.epoch)}`;
  // JSON writes a non-finite loss as null.
  for (const k of ['trainLoss', 'valLoss'] as const) if (!(typeof e[k] === 'number' || e[k] === null)) return `${k} is ${show(e[k])}, not a number`;
  for (const k of ['trainAcc', 'valAcc'] as const) {
    const v = e[k];
    if (!(typeof v === 'number' && v >= 0 && v <= 1)) return `${k} is ${show(v)}, not an accuracy from 0 to 1`;
  }
  if (typeof e.seconds !== 'number') return `seconds is ${show(e.seconds)}, not a number`;
  const stage = spec.schedule.kind === 'layerwise' ? Math.floor(index / spec.schedule.stageEpochs) + 1 : undefined;
  if (e.stage !== stage) return `its stage is ${show(e.stage)}, not ${show(stage)}`;
  return layersProblem(e.layers, names);
}

/**
 * Why `entry` is not the finished run of `spec` on `backend` stored under `key` (with statistics), or
 * null when it is: the run its name promises, with the spec's model's layers and the spec's epochs,
 * every record whole, and unchanged since it was stored.
 */
function entryProblem(entry: unknown, spec: RunSpec, backend: string, key: string): string | null {
  if (!isObject(entry) || typeof entry.storedAt !== 'string' || !isObject(entry.history)) return 'not a stored run';
  if (entry.key !== key) return `it was stored under the key ${show(entry.key)}`;
  const h = entry.history;
  if (h.experiment !== spec.experiment || h.seed !== spec.seed || h.backend !== backend) {
    return `it holds ${show(h.experiment)} seed ${show(h.seed)} on ${show(h.backend)}, not "${spec.experiment}" seed ${spec.seed} on "${backend}"`;
  }
  if (!isObject(h.config) || specKey(h.config as unknown as RunSpec, backend) !== specKey(spec, backend)) {
    return "its spec is another one (the model, optimizer, schedule, batch size or limit differ)";
  }
  const names = [...Array.from({ length: spec.model.depth }, (_, i) => hiddenName(i + 1)), 'output'];
  if (show(h.layerNames) !== show(names)) return `its layers are ${show(h.layerNames)}, not ${show(names)}`;
  if (h.stopped !== undefined) return 'it stopped before the end';
  const epochs = h.epochs;
  const expected = totalEpochs(spec.schedule);
  if (!Array.isArray(epochs) || epochs.length !== expected) return `it has ${Array.isArray(epochs) ? epochs.length : 'no'} epochs, the spec trains ${expected}`;
  for (let i = 0; i < epochs.length; i++) {
    const problem = epochProblem(epochs[i], i, spec, names);
    if (problem) return `epoch ${i + 1}: ${problem}`;
  }
  const atInit = layersProblem(isObject(h.atInit) ? h.atInit.layers : undefined, names);
  if (atInit) return `atInit: ${atInit}`;
  if (entry.digest !== digestOf(h)) return 'its numbers are not those it was stored with (the digest differs)';
  return null;
}

/**
 * The stored run of this spec trained by the library of version `lib` (default: this process's), if
 * there is one that finished. An entry that is corrupt (half a file from another tool, a disk error)
 * or not the run its name says (another run's file copied in, numbers edited, records missing) is
 * reported on stderr with its path and why, set aside as `.corrupt`, and the run is trained again.
 */
export function readStored(spec: RunSpec, backend: string, dataIdentity: string, lib = libVersion()): StoredRun | undefined {
  const key = runKey(spec, backend, dataIdentity, lib);
  const file = entryPath(spec, key);
  if (!fs.existsSync(file)) return undefined;
  let problem: string;
  try {
    const entry: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    const wrong = entryProblem(entry, spec, backend, key);
    if (wrong === null) {
      const { history, storedAt } = entry as Entry;
      return { history: { ...history, label: spec.label, config: spec }, storedAt, file };
    }
    problem = `not the run it is filed as: ${wrong}`;
  } catch (e) {
    problem = (e as Error).message;
  }
  const aside = `${file}.corrupt`;
  let kept = `the file is kept as ${path.basename(aside)}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    kept = `it could not be set aside: ${describeFileError(e)}`;
  }
  console.error(`run store: ${file} is corrupt (${problem}); training the run again (${kept})`);
  return undefined;
}

/**
 * Stores a finished run (never one that stopped early) under `lib`, the version of lib/ whose code
 * trained it (default: this process's). Returns the file written, if any.
 */
export function writeStored(history: History, dataIdentity: string, lib = libVersion()): string | undefined {
  if (history.stopped) return undefined;
  const key = runKey(history.config, history.backend, dataIdentity, lib);
  const file = entryPath(history.config, key);
  writeJsonAtomic(file, { storedAt: new Date().toISOString(), key, digest: digestOf(history), history } satisfies Entry);
  return file;
}
