/**
 * Where the default runs lead at the study's length. Every experiment trained at the `study` preset
 * (100 epochs per run and per layer-wise stage, 3 seeds) is kept in a compact file committed with the
 * project, `data/study-runs.json`, written by `npm run study-runs` (see `trainStudyRuns`); a learner
 * who trained the study runs with this library (`VG_PRESET=study npm run reports`) gets them from the
 * run store instead. Either way each RunSet says where it came from (`StudyRuns.source`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../runtime/backend';
import { writeFileAtomic } from '../runtime/files';
import { projectRoot } from '../runtime/paths';
import { libVersion } from '../runtime/version';
import { dataIdentity, findDataDir } from '../dataset/fashionmnist';
import { EXPERIMENT_IDS, resolveSpec } from '../spec/experiments';
import { getPreset } from '../spec/presets';
import { LAYER_METRICS, LayerMetric, LayerStats } from '../training/stats';
import { EpochRecord } from '../training/train';
import { History } from './run';
import { RunSet, seedList } from './seeds';
import { readStored } from './store';
import { runSeeds } from './parallel';

/** The per-layer quantities the file keeps (the headline ones); the others are null in its runs. */
export const STUDY_METRICS: readonly LayerMetric[] = [
  'activationGradRms', 'signalSpread', 'saturation', 'updateRatio', 'predictedGradFactor', 'weightGradNorm', 'activationStd',
];

/** Significant digits kept: far finer than the spread between seeds, and the file stays a few MB. */
const DIGITS = 4;

export interface StudyFileMeta {
  /** `libVersion()` of the library that trained the runs. */
  lib: string;
  backend: string;
  /** When the file was written (ISO 8601). */
  date: string;
  command: string;
  preset: string;
  seeds: number[];
  /** Wall-clock minutes the command took (training included). */
  minutes: number;
}

export interface StudyFile {
  meta: StudyFileMeta;
  runs: History[];
}

/**
 * One run as the file stores it: columns, not records (a number per epoch, a list per layer metric),
 * so that 4,800 epochs of 8 layers stay about 2 MB.
 */
interface StoredColumns {
  history: Omit<History, 'epochs' | 'atInit'>;
  atInit?: Partial<Record<LayerMetric, Array<number | null>>>;
  epochs: {
    trainLoss: number[];
    trainAcc: number[];
    valLoss: number[];
    valAcc: number[];
    seconds: number[];
    stage?: number[];
    /** Per metric, per epoch, per layer (in `layerNames` order). */
    layers: Partial<Record<LayerMetric, Array<Array<number | null>>>>;
  };
}

const column = (layers: LayerStats[]) => Object.fromEntries(STUDY_METRICS.map((m) => [m, layers.map((l) => l[m])]));

function toColumns(h: History): StoredColumns {
  const { epochs, atInit, ...history } = compactHistory(h);
  const of = <K extends 'trainLoss' | 'trainAcc' | 'valLoss' | 'valAcc' | 'seconds'>(k: K) => epochs.map((e) => e[k]);
  return {
    history,
    ...(atInit ? { atInit: column(atInit.layers) } : {}),
    epochs: {
      trainLoss: of('trainLoss'), trainAcc: of('trainAcc'), valLoss: of('valLoss'), valAcc: of('valAcc'), seconds: of('seconds'),
      ...(epochs[0]?.stage !== undefined ? { stage: epochs.map((e) => e.stage as number) } : {}),
      layers: Object.fromEntries(STUDY_METRICS.map((m) => [m, epochs.map((e) => e.layers.map((l) => l[m]))])),
    },
  };
}

function layersFrom(names: string[], get: (m: LayerMetric, layer: number) => number | null | undefined): LayerStats[] {
  return names.map((name, j) => {
    const out = { name } as LayerStats;
    for (const m of LAYER_METRICS) out[m] = get(m, j) ?? null;
    return out;
  });
}

function fromColumns(c: StoredColumns): History {
  const names = c.history.layerNames;
  const e = c.epochs;
  const epochs: EpochRecord[] = e.valAcc.map((_, i) => ({
    epoch: i + 1,
    trainLoss: e.trainLoss[i], trainAcc: e.trainAcc[i], valLoss: e.valLoss[i], valAcc: e.valAcc[i], seconds: e.seconds[i],
    layers: layersFrom(names, (m, j) => e.layers[m]?.[i]?.[j]),
    ...(e.stage ? { stage: e.stage[i] } : {}),
  }));
  const atInit = c.atInit;
  return { ...c.history, ...(atInit ? { atInit: { layers: layersFrom(names, (m, j) => atInit[m]?.[j]) } } : {}), epochs };
}

export function studyFilePath(): string {
  return process.env.VG_STUDY_FILE ? path.resolve(process.env.VG_STUDY_FILE) : path.join(projectRoot(), 'data', 'study-runs.json');
}

const round = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Number(x.toPrecision(DIGITS)));

function compactLayers(layers: LayerStats[]): LayerStats[] {
  return layers.map((l) => {
    const out = { name: l.name } as LayerStats;
    for (const m of LAYER_METRICS) out[m] = STUDY_METRICS.includes(m) ? round(l[m]) : null;
    return out;
  });
}

/** A run as the study file keeps it: losses, accuracies and the headline per-layer quantities, rounded; no histograms. */
export function compactHistory(h: History): History {
  const epochs: EpochRecord[] = h.epochs.map((e) => ({
    epoch: e.epoch,
    trainLoss: round(e.trainLoss) as number,
    trainAcc: round(e.trainAcc) as number,
    valLoss: round(e.valLoss) as number,
    valAcc: round(e.valAcc) as number,
    seconds: round(e.seconds) as number,
    layers: compactLayers(e.layers),
    ...(e.stage !== undefined ? { stage: e.stage } : {}),
  }));
  return { ...h, dataDir: 'data/fashion-mnist', ...(h.atInit ? { atInit: { layers: compactLayers(h.atInit.layers) } } : {}), epochs };
}

export interface StudyRunsOptions {
  /** Written into the file's meta: how to make it again. */
  command: string;
  /** Experiments to train. Default: all of them (`EXPERIMENT_IDS`). */
  ids?: readonly string[];
  /** Default 'study'; tests use 'smoke'. */
  preset?: string;
  /** Receives one line per experiment. Default: console.log. */
  log?: (line: string) => void;
}

/**
 * Trains (or reads from the run store) every experiment at the study preset over its seeds and writes
 * the compact file. This is what `npm run study-runs` does.
 */
export async function trainStudyRuns(options: StudyRunsOptions): Promise<StudyFile> {
  const { command, ids = EXPERIMENT_IDS, log = console.log } = options;
  const started = Date.now();
  const backend = await initBackend();
  const preset = getPreset(options.preset ?? 'study');
  const seeds = seedList(0, preset.seeds);
  const runs: History[] = [];
  for (const id of ids) {
    const t = Date.now();
    const set = await runSeeds(resolveSpec(id, { preset: preset.name }), seeds);
    runs.push(...set.runs.map(compactHistory));
    const accs = set.runs.map((h) => `${(100 * h.epochs[h.epochs.length - 1].valAcc).toFixed(1)} %`).join(', ');
    log(`${id}: final val acc ${accs} (${((Date.now() - t) / 60000).toFixed(1)} min)`);
  }
  const file: StudyFile = {
    meta: { lib: libVersion(), backend, date: new Date().toISOString(), command, preset: preset.name, seeds, minutes: round((Date.now() - started) / 60000) as number },
    runs,
  };
  writeFileAtomic(studyFilePath(), `${JSON.stringify({ meta: file.meta, runs: file.runs.map(toColumns) })}\n`);
  return file;
}

export function readStudyFile(file = studyFilePath()): StudyFile {
  let parsed: { meta?: StudyFileMeta; runs?: StoredColumns[] };
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the study runs from ${file}: ${(e as Error).message}; write it again with \`npm run study-runs\``);
  }
  if (!parsed.meta || !Array.isArray(parsed.runs)) throw new Error(`${file} is not a study-runs file (no meta or runs); write it again with \`npm run study-runs\``);
  return { meta: parsed.meta, runs: parsed.runs.map(fromColumns) };
}

/** The study-length runs of every experiment, and where they came from. */
export interface StudyRuns {
  /** 'store': trained here with this library; 'file': the committed file's (no sets when it is missing). */
  source: 'store' | 'file';
  /** When they were trained (ISO 8601): the file's date, or the latest run's in the store. */
  date: string;
  /** One line for captions: "100 epochs: from the study runs of 2026-12-04". */
  provenance: string;
  sets: Map<string, RunSet>;
}

function setOf(experiment: string, runs: History[], storedAt: Array<string | null>): RunSet {
  return { experiment, label: runs[0].label, config: runs[0].config, seeds: runs.map((h) => h.seed), runs, storedAt };
}

let cached: StudyRuns | undefined;

/**
 * The study runs: from the run store when it holds every seed of every experiment at the study preset
 * trained by this library and this backend on this data, else from the committed file.
 */
export async function studyRuns(): Promise<StudyRuns> {
  const backend = await initBackend();
  const version = libVersion();
  if (cached && cached.source === 'file') return cached;
  const preset = getPreset('study');
  const seeds = seedList(0, preset.seeds);
  let identity: string | undefined;
  try {
    identity = dataIdentity(findDataDir());
  } catch {
    identity = undefined;
  }
  const fromStore = new Map<string, RunSet>();
  if (identity !== undefined) {
    for (const id of EXPERIMENT_IDS) {
      const hits = seeds.map((seed) => readStored(resolveSpec(id, { preset: 'study', seed }), backend, identity as string, version));
      if (hits.some((h) => h === undefined)) break;
      fromStore.set(id, setOf(id, hits.map((h) => h!.history), hits.map((h) => h!.storedAt)));
    }
  }
  if (fromStore.size === EXPERIMENT_IDS.length) {
    const date = [...fromStore.values()].flatMap((s) => s.storedAt as string[]).sort().pop() as string;
    return { source: 'store', date, provenance: `100 epochs: from your study runs of ${date.slice(0, 10)} (run store)`, sets: fromStore };
  }
  if (!fs.existsSync(studyFilePath())) {
    // The notebooks still run, judged at their own length only, and say why.
    return { source: 'file', date: '', provenance: `no study runs (${path.relative(projectRoot(), studyFilePath())} is missing: \`npm run study-runs\` writes it)`, sets: new Map() };
  }
  const file = readStudyFile();
  const sets = new Map<string, RunSet>();
  for (const id of EXPERIMENT_IDS) {
    const runs = file.runs.filter((h) => h.experiment === id).sort((a, b) => a.seed - b.seed);
    if (runs.length) sets.set(id, setOf(id, runs, runs.map(() => file.meta.date)));
  }
  cached = { source: 'file', date: file.meta.date, provenance: `100 epochs: from the study runs of ${file.meta.date.slice(0, 10)}`, sets };
  return cached;
}
