/**
 * Numbers that sum up a run, and conclusions written from them: every figure in the text is
 * computed from the run at hand, so the prose stays true whatever the preset, seed or backend.
 */
import { History, specKey } from '../training/run';
import { isBaseline } from './plots';
import { EpochRecord } from '../training/train';

export interface RunSummary {
  experiment: string;
  label: string;
  /** Identifies the run's spec and backend (`specKey`): two summaries with one key are the same run. */
  key: string;
  /** The study's unchanged baseline. */
  baseline: boolean;
  epochs: number;
  finalValAcc: number;
  bestValAcc: number;
  bestEpoch: number;
  /** log10(mean |dL/dW| of hidden1 / mean |dL/dW| of the output layer) at the first epoch. */
  gradientRatioFirst: number | null;
  /** The same at the last epoch. */
  gradientRatioLast: number | null;
  /** Mean saturated fraction over the hidden layers at the first epoch. */
  saturationFirst: number | null;
  /** log10 of hidden1's update:data ratio at the last epoch. */
  updateRatioLast: number | null;
  seconds: number;
  backend: string;
  /** Why the run ended early, if it did. */
  stopped?: string;
}

const log10 = (x: number | null | undefined) => (x !== null && x !== undefined && x > 0 ? Math.log10(x) : null);

/** log10 of layer 1's mean |dL/dW| over the output layer's, at one epoch. */
export function gradientRatio(e: EpochRecord): number | null {
  const first = e.layers.find((l) => l.name === 'hidden1')?.weightGradMeanAbs;
  const out = e.layers.find((l) => l.name === 'output')?.weightGradMeanAbs;
  const a = log10(first);
  const b = log10(out);
  return a !== null && b !== null ? a - b : null;
}

function meanSaturation(e: EpochRecord): number | null {
  const vals = e.layers.map((l) => l.saturation).filter((v): v is number => v !== null);
  return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
}

export function summarizeRun(h: History): RunSummary {
  if (h.epochs.length === 0) throw new Error(`run ${h.experiment} has no completed epoch${h.stopped ? `: ${h.stopped.message}` : ''}`);
  const first = h.epochs[0];
  const last = h.epochs[h.epochs.length - 1];
  const best = h.epochs.reduce((a, b) => (b.valAcc > a.valAcc ? b : a));
  return {
    experiment: h.experiment,
    label: h.label,
    key: specKey(h.config, h.backend),
    baseline: isBaseline(h),
    epochs: h.epochs.length,
    finalValAcc: last.valAcc,
    bestValAcc: best.valAcc,
    bestEpoch: best.epoch,
    gradientRatioFirst: gradientRatio(first),
    gradientRatioLast: gradientRatio(last),
    saturationFirst: meanSaturation(first),
    updateRatioLast: log10(last.layers.find((l) => l.name === 'hidden1')?.updateRatio),
    seconds: h.seconds,
    backend: h.backend,
    ...(h.stopped ? { stopped: h.stopped.message } : {}),
  };
}

/** 10^x in HTML/markdown, e.g. 10<sup>-6.2</sup>. */
export function pow10(x: number | null): string {
  return x === null ? 'n/a' : `10<sup>${x.toFixed(1)}</sup>`;
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);

/** Accuracy gain (fraction) that counts as the remedy making the network learn. */
export const ACCURACY_MARGIN = 0.05;
/** Validation accuracy from which a run counts as having learned (chance is 10 %). */
export const LEARNED_ACCURACY = 0.5;
/** Decades of extra gradient at layer 1 that count as the remedy restoring the gradient. */
export const GRADIENT_MARGIN = 1;

/** Conclusions comparing a remedy with the baseline, as markdown bullet points. */
export function concludeRemedy(baseline: History, remedy: History): string {
  const b = summarizeRun(baseline);
  const r = summarizeRun(remedy);
  const lines: string[] = [];
  const change = (x: number | null, y: number | null) => {
    if (x === null || y === null) return '';
    const d = y - x;
    return Math.abs(d) < 0.05 ? ' (no change)' : `: ${Math.abs(d).toFixed(1)} decades ${d > 0 ? 'more' : 'less'} gradient at layer 1`;
  };
  lines.push(
    `At epoch 1, layer 1 receives ${pow10(b.gradientRatioFirst)} of the output layer's mean |dL/dW| in the baseline ` +
      `and ${pow10(r.gradientRatioFirst)} with ${r.label}${change(b.gradientRatioFirst, r.gradientRatioFirst)}.`,
  );
  lines.push(
    `At the last epoch (${b.epochs} and ${r.epochs}): ${pow10(b.gradientRatioLast)} in the baseline, ${pow10(r.gradientRatioLast)} with ${r.label}.`,
  );
  if ((b.saturationFirst ?? 0) > 0.05 || (r.saturationFirst ?? 0) > 0.05) {
    lines.push(
      remedy.config.model.activation === 'relu'
        ? `Saturated hidden units at epoch 1: ${pct(b.saturationFirst)} in the baseline. With ${r.label}, ${pct(r.saturationFirst)} of the ` +
          'units are inactive instead (output exactly 0 for an image, so no gradient through them for that image; about half by construction ' +
          'when their inputs are centred): not saturation, and not comparable with it.'
        : `Saturated hidden units at epoch 1: ${pct(b.saturationFirst)} in the baseline, ${pct(r.saturationFirst)} with ${r.label}.`,
    );
  }
  lines.push(
    `Layer 1's weights move by ${pow10(b.updateRatioLast)} of their spread per step in the baseline and by ` +
      `${pow10(r.updateRatioLast)} with ${r.label} (rule of thumb: about 10<sup>-3</sup>).`,
  );
  lines.push(
    `Validation accuracy at the end: ${pct(b.finalValAcc)} for the baseline, ${pct(r.finalValAcc)} with ${r.label} ` +
      `(best ${pct(r.bestValAcc)} at epoch ${r.bestEpoch}; chance is 10 %).`,
  );
  const gained = r.finalValAcc - b.finalValAcc;
  const restored = b.gradientRatioFirst !== null && r.gradientRatioFirst !== null && r.gradientRatioFirst - b.gradientRatioFirst >= GRADIENT_MARGIN;
  let verdict: string;
  if (r.stopped) verdict = `the run did not finish: ${r.stopped}.`;
  else if (gained >= ACCURACY_MARGIN && r.finalValAcc >= LEARNED_ACCURACY) verdict = `within ${r.epochs} epochs ${r.label} makes the network learn: ${pct(r.finalValAcc)}, +${(gained * 100).toFixed(1)} points of validation accuracy over the baseline.`;
  else if (gained >= ACCURACY_MARGIN) verdict = `within ${r.epochs} epochs ${r.label} helps only a little: +${(gained * 100).toFixed(1)} points, but ${pct(r.finalValAcc)} is still far from a trained network (an MLP reaches about 85-89 % on FashionMNIST).`;
  else if (gained <= -ACCURACY_MARGIN) verdict = `within ${r.epochs} epochs ${r.label} does worse than the baseline (${(gained * 100).toFixed(1)} points).`;
  else if (restored) verdict = `the gradient now reaches layer 1, but within ${r.epochs} epochs that has not yet turned into accuracy; the \`seed\` preset (100 epochs) shows whether it does.`;
  else verdict = `within ${r.epochs} epochs ${r.label} does not help: neither the gradient reaching layer 1 nor the accuracy improves by much.`;
  lines.push(`**Verdict:** ${verdict}`);
  return lines.map((l) => `- ${l}`).join('\n');
}

/** What the gradient does on its way down one run, in numbers: per-layer factor and total fall. */
export function describeGradientFlow(h: History, epochIndex = 0): string {
  const e = h.epochs[epochIndex];
  const layers = e.layers.filter((l) => l.weightGradMeanAbs !== null && l.weightGradMeanAbs > 0);
  if (layers.length < 2) return `${h.label}: too few layers with a gradient at epoch ${e.epoch} to describe its flow.`;
  const top = layers[layers.length - 1];
  const bottom = layers[0];
  const decades = Math.log10(bottom.weightGradMeanAbs!) - Math.log10(top.weightGradMeanAbs!);
  const perLayer = decades / (layers.length - 1);
  return (
    `${h.label}, epoch ${e.epoch}: mean |dL/dW| is ${top.weightGradMeanAbs!.toExponential(1)} at ${top.name} and ` +
    `${bottom.weightGradMeanAbs!.toExponential(1)} at ${bottom.name}, ${pow10(decades)} of it: on average the gradient is ` +
    `multiplied by ${pow10(perLayer)} ≈ ${Math.pow(10, perLayer).toPrecision(2)} at each layer it crosses.`
  );
}

/**
 * How close mean-field theory's per-layer factors come to the measured ones at initialisation, one
 * markdown bullet per run: the measured and predicted factor by which the gradient (RMS dL/dh) is
 * multiplied per layer on its way down (geometric means over the layers where the theory applies),
 * and the largest gap.
 */
export function comparePrediction(runs: History[]): string {
  return runs.map((h) => {
    const layers = h.atInit?.layers;
    if (!layers) return `- ${h.label}: not measured at initialisation (statistics were off).`;
    const pairs = layers.slice(1).flatMap((l, i) => {
      const below = layers[i].activationGradRms;
      const here = l.activationGradRms;
      return l.predictedGradFactor !== null && below !== null && here !== null && below > 0 && here > 0
        ? [{ name: l.name, measured: below / here, predicted: l.predictedGradFactor }]
        : [];
    });
    if (pairs.length === 0) return `- ${h.label}: the theory does not apply here (skip connections or gradient normalisation change the way back).`;
    const geo = (xs: number[]) => Math.pow(10, xs.reduce((a, x) => a + Math.log10(x), 0) / xs.length);
    const worst = pairs.reduce((a, p) => (Math.abs(p.measured / p.predicted - 1) > Math.abs(a.measured / a.predicted - 1) ? p : a));
    const skipped = layers.length - 1 - pairs.length;
    return (
      `- ${h.label}, at initialisation: the gradient is multiplied by ${geo(pairs.map((p) => p.measured)).toPrecision(2)} per layer ` +
      `on its way down, theory predicts ${geo(pairs.map((p) => p.predicted)).toPrecision(2)} ` +
      `(over ${pairs.length} layers${skipped ? `; ${skipped} where it does not apply left out` : ''}); the largest gap is ` +
      `${(Math.abs(worst.measured / worst.predicted - 1) * 100).toFixed(0)} % at ${worst.name}.`
    );
  }).join('\n');
}
