/**
 * The numbers that sum up a run, one record per seed (`RunSummary`) and per spec over its seeds
 * (`RunSetSummary`): what conclusions, tables and the reports' index are written from. The headline is
 * the gradient that flows, dL/dh: RMS dL/dh at layer 1 over RMS dL/dh at the last hidden layer in use.
 * The weight gradient dL/dW = hᵀ·δ multiplies that by the layer's input h, so it also carries the
 * forward signal's scale and stays secondary.
 */
import { History, specKey } from '../runs/run';
import { Runs, seedRuns } from '../runs/seeds';
import { isBaseline } from './plots';
import { EpochRecord } from '../training/train';
import { gradientRatio, isHidden, log10, signalRatio, weightGradientRatio } from '../theory/ratios';

/** Validation accuracy from which a run counts as having learned (chance is 10 %). */
export const LEARNED_ACCURACY = 0.5;

export interface RunSummary {
  experiment: string;
  label: string;
  seed: number;
  /** Identifies the run's spec and backend (`specKey`): two summaries with one key are the same run. */
  key: string;
  /** The study's unchanged baseline. */
  baseline: boolean;
  epochs: number;
  finalValAcc: number;
  bestValAcc: number;
  bestEpoch: number;
  /**
   * The first epoch whose validation accuracy reaches LEARNED_ACCURACY (50 %) with every layer of the
   * network in use, or null: a layer-wise run's early stages are shallower networks, which learn sooner.
   */
  firstLearnedEpoch: number | null;
  /** The first epoch with every layer of the network in use: 1, unless layer-wise training grows the network. */
  fullDepthEpoch: number;
  /** The headline: log10(RMS dL/dh at hidden1 / RMS dL/dh at the last hidden layer in use), at initialisation. */
  gradientRatioInit: number | null;
  /** The same at the last epoch (mean over its steps). */
  gradientRatioLast: number | null;
  /** Hidden layers in use at the last epoch (layer-wise training grows the network to its full depth). */
  depthLast: number;
  /** log10(signal spread at the last hidden layer in use / at hidden1), at initialisation. */
  signalRatioInit: number | null;
  /** The same at the last epoch. */
  signalRatioLast: number | null;
  /** Secondary: log10(mean |dL/dW| of hidden1 / of the output layer) at the first epoch. */
  weightGradRatioFirst: number | null;
  /** The same at the last epoch. */
  weightGradRatioLast: number | null;
  /** Mean saturated fraction over the hidden layers at the first epoch. */
  saturationFirst: number | null;
  /** log10 of hidden1's update:data ratio at the last epoch. */
  updateRatioLast: number | null;
  seconds: number;
  backend: string;
  /** Why the run ended early, if it did. */
  stopped?: string;
}

/** Hidden layers in use at an epoch: those with a gradient or a signal (the spec's depth when nothing was measured). */
function depthInUse(e: EpochRecord, h: History): number {
  const inUse = e.layers.filter((l) => isHidden(l) && (l.activationGradRms !== null || l.signalSpread !== null)).length;
  return inUse || h.config.model.depth;
}

function meanSaturation(e: EpochRecord): number | null {
  const vals = e.layers.map((l) => l.saturation).filter((v): v is number => v !== null);
  return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
}

export function runSummary(h: History): RunSummary {
  if (h.epochs.length === 0) throw new Error(`run ${h.experiment} has no completed epoch${h.stopped ? `: ${h.stopped.message}` : ''}`);
  const first = h.epochs[0];
  const last = h.epochs[h.epochs.length - 1];
  const best = h.epochs.reduce((a, b) => (b.valAcc > a.valAcc ? b : a));
  const fullDepth = depthInUse(last, h);
  return {
    experiment: h.experiment,
    label: h.label,
    seed: h.seed,
    key: specKey(h.config, h.backend),
    baseline: isBaseline(h),
    epochs: h.epochs.length,
    finalValAcc: last.valAcc,
    bestValAcc: best.valAcc,
    bestEpoch: best.epoch,
    firstLearnedEpoch: h.epochs.find((e) => e.valAcc >= LEARNED_ACCURACY && depthInUse(e, h) === fullDepth)?.epoch ?? null,
    fullDepthEpoch: h.epochs.find((e) => depthInUse(e, h) === fullDepth)!.epoch,
    gradientRatioInit: h.atInit ? gradientRatio(h.atInit) : null,
    gradientRatioLast: gradientRatio(last),
    depthLast: fullDepth,
    signalRatioInit: h.atInit ? signalRatio(h.atInit) : null,
    signalRatioLast: signalRatio(last),
    weightGradRatioFirst: weightGradientRatio(first),
    weightGradRatioLast: weightGradientRatio(last),
    saturationFirst: meanSaturation(first),
    updateRatioLast: log10(last.layers.find((l) => l.name === 'hidden1')?.updateRatio),
    seconds: h.seconds,
    backend: h.backend,
    ...(h.stopped ? { stopped: h.stopped.message } : {}),
  };
}

/** One run spec's summaries over its seeds: what `saveSummary` writes and the index page reads. */
export interface RunSetSummary {
  experiment: string;
  label: string;
  /** Identifies the spec and backend whatever the seed: two summaries with one key are the same runs. */
  key: string;
  baseline: boolean;
  /** What the spec changes against its named experiment (empty: the experiment itself). */
  changes: string[];
  seeds: number[];
  /** One summary per seed, in the order of `seeds`. */
  perSeed: RunSummary[];
}

export function runSetSummary(r: Runs): RunSetSummary {
  const runs = seedRuns(r);
  const first = runs[0];
  return {
    experiment: first.experiment,
    label: first.label,
    key: specKey({ ...first.config, seed: 0 }, first.backend),
    baseline: isBaseline(first),
    changes: first.config.changes,
    seeds: runs.map((h) => h.seed),
    perSeed: runs.map(runSummary),
  };
}
