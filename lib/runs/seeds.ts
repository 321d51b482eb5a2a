/**
 * One run spec over several seeds: the record that holds every seed's History (`RunSet`), and what
 * the seeds agree on, per epoch and per layer (`summarizeSeeds`). A seed changes the train/validation
 * split, the initial weights and every epoch's shuffle, and on these networks that alone can decide
 * whether a run learns, so every figure and verdict is drawn from all of a run's seeds.
 */
import { History } from './run';
import { RunSpec } from '../spec/spec';
import { LAYER_METRICS, LayerMetric, LayerStats } from '../training/stats';

/** Every seed of one run spec, in seed order. */
export interface RunSet {
  experiment: string;
  label: string;
  /** The resolved spec of the first seed (the others differ only in `seed`). */
  config: RunSpec;
  seeds: number[];
  /** One History per seed, in the order of `seeds`. */
  runs: History[];
  /** For each of `runs`, when it was stored if it came from the run store (ISO 8601), else null: trained now. */
  storedAt: Array<string | null>;
}

/** What a figure, table or conclusion accepts: one run, or one spec over several seeds. */
export type Runs = History | RunSet;

export function isRunSet(r: Runs): r is RunSet {
  return Array.isArray((r as RunSet).runs);
}

/** The seeds' Histories of either form. */
export function seedRuns(r: Runs): History[] {
  return isRunSet(r) ? r.runs : [r];
}

/** The seeds `count` seeds starting at `first`: first, first + 1, … */
export function seedList(first: number, count: number): number[] {
  if (!(Number.isInteger(count) && count >= 1)) throw new Error(`seeds must be a whole number ≥ 1, got ${count}`);
  return Array.from({ length: count }, (_, i) => first + i);
}

/**
 * How one number varies over seeds. `mean` and `sd` (sample standard deviation, 0 for one seed) are
 * arithmetic; `geoMean`, the mean on a log scale, is set when every value is positive: the centre a
 * log axis should draw for gradients and spreads that differ by orders of magnitude between seeds.
 */
export interface Spread {
  mean: number;
  sd: number;
  min: number;
  max: number;
  geoMean: number | null;
  /** Seeds that had a value. */
  n: number;
}

/** Geometric mean of positive numbers; null if any is missing or not positive, or there are none. */
export function geometricMean(xs: ReadonlyArray<number | null>): number | null {
  if (xs.length === 0 || xs.some((x) => x === null || !(x > 0) || !Number.isFinite(x))) return null;
  return 10 ** ((xs as number[]).reduce((a, x) => a + Math.log10(x), 0) / xs.length);
}

/** The spread of the finite values among `values`; null when there is none. */
export function spreadOf(values: Array<number | null | undefined>): Spread | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, sd, min: Math.min(...v), max: Math.max(...v), geoMean: geometricMean(v), n: v.length };
}

export type LayerSpread = { name: string } & Record<LayerMetric, Spread | null>;

export interface EpochSpread {
  epoch: number;
  stage?: number;
  trainLoss: Spread | null;
  trainAcc: Spread | null;
  valLoss: Spread | null;
  valAcc: Spread | null;
  layers: LayerSpread[];
}

/** Per epoch and per layer, over the seeds: what `--json` writes as `summary` for several seeds. */
export interface SeedSummary {
  seeds: number[];
  atInit?: { layers: LayerSpread[] };
  /** Epochs that at least one seed completed (a seed that stopped early counts until it stopped). */
  epochs: EpochSpread[];
}

function layerSpreads(perSeed: LayerStats[][]): LayerSpread[] {
  const names = perSeed.find((l) => l.length > 0)?.map((l) => l.name) ?? [];
  return names.map((name) => {
    const rows = perSeed.map((layers) => layers.find((l) => l.name === name));
    const out = { name } as LayerSpread;
    for (const m of LAYER_METRICS) out[m] = spreadOf(rows.map((r) => r?.[m]));
    return out;
  });
}

/** Each record's summary, made on its first use: figures ask for it several times per run set. */
const seedSummaries = new WeakMap<Runs, SeedSummary>();

/**
 * The spread over seeds of every epoch's and layer's numbers (`SeedSummary`), computed once per run
 * set or History: they are finished records when anything summarises them, and the summary is read,
 * never changed.
 */
export function summarizeSeeds(r: Runs): SeedSummary {
  let summary = seedSummaries.get(r);
  if (!summary) seedSummaries.set(r, (summary = spreadOverSeeds(r)));
  return summary;
}

function spreadOverSeeds(r: Runs): SeedSummary {
  const runs = seedRuns(r);
  const last = Math.max(...runs.map((h) => h.epochs.length));
  const epochs: EpochSpread[] = Array.from({ length: last }, (_, i) => {
    const records = runs.map((h) => h.epochs[i]).filter((e) => e !== undefined);
    const of = (key: 'trainLoss' | 'trainAcc' | 'valLoss' | 'valAcc') => spreadOf(records.map((e) => e[key]));
    return {
      epoch: i + 1,
      ...(records[0].stage !== undefined ? { stage: records[0].stage } : {}),
      trainLoss: of('trainLoss'),
      trainAcc: of('trainAcc'),
      valLoss: of('valLoss'),
      valAcc: of('valAcc'),
      layers: layerSpreads(records.map((e) => e.layers)),
    };
  });
  const inits = runs.flatMap((h) => (h.atInit ? [h.atInit.layers] : []));
  return {
    seeds: runs.map((h) => h.seed),
    ...(inits.length ? { atInit: { layers: layerSpreads(inits) } } : {}),
    epochs,
  };
}
