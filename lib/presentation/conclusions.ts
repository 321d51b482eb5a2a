/**
 * Numbers that sum up a run, and conclusions written from them: every figure in the text is
 * computed from the run at hand, so the prose stays true whatever the preset, seed or backend.
 *
 * The headline is the gradient that flows, dL/dh: RMS dL/dh at layer 1 over RMS dL/dh at the last
 * hidden layer in use. The weight gradient dL/dW = hᵀ·δ (what the optimizer sees) multiplies that by the
 * layer's input h, so it also carries the forward signal's scale: with ReLU at a small init, dL/dh falls
 * per layer while dL/dW stays flat because the activations shrink forward by the same factor. It stays
 * as a secondary figure. Three questions are answered separately: does the gradient reach layer 1, does
 * the signal reach the output (the spread of a unit's output across images, last hidden layer over layer
 * 1), and did the network learn.
 */
import { History, specKey } from '../runs/run';
import { Runs, seedRuns, spreadOf } from '../runs/seeds';
import { superscript } from './html';
import { isBaseline } from './plots';
import { EpochRecord } from '../training/train';
import { gradientRatio, isHidden, log10, signalRatio, weightGradientRatio } from '../theory/ratios';

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

export function summarizeRun(h: History): RunSummary {
  if (h.epochs.length === 0) throw new Error(`run ${h.experiment} has no completed epoch${h.stopped ? `: ${h.stopped.message}` : ''}`);
  const first = h.epochs[0];
  const last = h.epochs[h.epochs.length - 1];
  const best = h.epochs.reduce((a, b) => (b.valAcc > a.valAcc ? b : a));
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
    gradientRatioInit: h.atInit ? gradientRatio(h.atInit) : null,
    gradientRatioLast: gradientRatio(last),
    depthLast: depthInUse(last, h),
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
  seeds: number[];
  /** One summary per seed, in the order of `seeds`. */
  perSeed: RunSummary[];
}

export function summarizeRuns(r: Runs): RunSetSummary {
  const runs = seedRuns(r);
  const first = runs[0];
  return {
    experiment: first.experiment,
    label: first.label,
    key: specKey({ ...first.config, seed: 0 }, first.backend),
    baseline: isBaseline(first),
    seeds: runs.map((h) => h.seed),
    perSeed: runs.map(summarizeRun),
  };
}

/** 10^x in markdown, e.g. 10⁻⁶·² (Unicode, readable in an untrusted notebook and in text/plain). */
export function pow10(x: number | null): string {
  // + 0 turns the "-0.0" that a small negative exponent rounds to into "0.0"
  return x === null ? 'n/a' : `10${superscript((Number(x.toFixed(1)) + 0).toFixed(1))}`;
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);

/** Accuracy gain (fraction) that counts as the remedy making the network learn. */
export const ACCURACY_MARGIN = 0.05;
/** Validation accuracy from which a run counts as having learned (chance is 10 %). */
export const LEARNED_ACCURACY = 0.5;
/**
 * Decades between layer 1 and the last hidden layer beyond which the gradient counts as vanishing (or
 * exploding) on its way down, and the signal as collapsing (or growing) on its way up.
 */
export const FLOW_MARGIN = 1;

/** Where a ratio between layer 1 and the last hidden layer falls: within FLOW_MARGIN decades of 1, below, above. */
export function flowVerdict(ratio: number | null): 'kept' | 'lost' | 'grown' | null {
  if (ratio === null) return null;
  return ratio < -FLOW_MARGIN ? 'lost' : ratio > FLOW_MARGIN ? 'grown' : 'kept';
}

const GRADIENT_WORDS = { kept: 'reaches layer 1', lost: 'vanishes before layer 1', grown: 'explodes on its way to layer 1' };
const SIGNAL_WORDS = { kept: 'reaches the output', lost: 'collapses before the output', grown: 'grows on its way to the output' };

type NumberField = Exclude<{ [K in keyof RunSummary]-?: RunSummary[K] extends number | null ? K : never }[keyof RunSummary], undefined>;

/** One number over a run's seeds: the mean, and with several seeds the range, "x (lo to hi)". */
function overSeeds(runs: RunSummary[], field: NumberField, show: (x: number | null) => string): string {
  const s = spreadOf(runs.map((r) => r[field]));
  if (s === null) return show(null);
  return s.n === 1 ? show(s.mean) : `${show(s.mean)} (${show(s.min)} to ${show(s.max)})`;
}

/** A summary whose numbers are the mean over the seeds (each log10 ratio averaged in decades). */
function meanSummary(runs: RunSummary[]): RunSummary {
  const out = { ...runs[0] };
  for (const key of Object.keys(out) as Array<keyof RunSummary>) {
    const v = runs.map((r) => r[key]);
    const s = v.every((x) => typeof x === 'number' || x === null) ? spreadOf(v as Array<number | null>) : null;
    if (s !== null) (out as Record<string, unknown>)[key] = s.mean;
  }
  return out;
}

/**
 * Conclusions comparing a remedy with the baseline, as markdown bullet points. With several seeds,
 * every number is the mean over seeds with its range, and the verdict counts the seeds.
 */
export function concludeRemedy(baseline: Runs, remedy: Runs): string {
  const bs = seedRuns(baseline).map(summarizeRun);
  const rs = seedRuns(remedy).map(summarizeRun);
  const b = bs[0];
  const r = rs[0];
  const several = rs.length > 1 || bs.length > 1;
  const log = (runs: RunSummary[], field: NumberField) => overSeeds(runs, field, pow10);
  const pc = (runs: RunSummary[], field: NumberField) => overSeeds(runs, field, pct);
  const depth = (x: RunSummary) => (b.depthLast !== r.depthLast ? ` (${x.depthLast} hidden layers)` : '');
  const pair = (field: NumberField, at: string) => `${at} ${log(bs, field)} in the baseline${depth(b)} and ${log(rs, field)} with ${r.label}${depth(r)}`;
  const lines: string[] = [];
  if (several) lines.push(`Over ${rs.length} seeds (${rs.map((x) => x.seed).join(', ')}): each number is the mean, with the range over seeds in brackets.`);
  lines.push(
    `The gradient that flows (RMS dL/dh), layer 1 over the last hidden layer: ${pair('gradientRatioInit', 'at initialisation')}; ` +
      `${pair('gradientRatioLast', `at the last epoch (${b.epochs} and ${r.epochs})`)}.`,
  );
  lines.push(
    `The signal going forward (spread of a unit's output across images), last hidden layer over layer 1: ` +
      `${pair('signalRatioInit', 'at initialisation')}; ${pair('signalRatioLast', 'at the last epoch')}.`,
  );
  lines.push(
    `What the first weights get (mean |dL/dW|, layer 1 over the output layer, epoch 1): ${log(bs, 'weightGradRatioFirst')} in the baseline and ` +
      `${log(rs, 'weightGradRatioFirst')} with ${r.label}. dL/dW = hᵀ·δ also carries the layer's input, so it mixes the forward signal into the gradient's figure.`,
  );
  if ([...bs, ...rs].some((x) => (x.saturationFirst ?? 0) > 0.05)) {
    lines.push(
      seedRuns(remedy)[0].config.model.activation === 'relu'
        ? `Saturated hidden units at epoch 1: ${pc(bs, 'saturationFirst')} in the baseline. With ${r.label}, ${pc(rs, 'saturationFirst')} of the ` +
          'units are inactive instead (output exactly 0 for an image, so no gradient through them for that image; about half by construction ' +
          'when their inputs are centred): not saturation, and not comparable with it.'
        : `Saturated hidden units at epoch 1: ${pc(bs, 'saturationFirst')} in the baseline, ${pc(rs, 'saturationFirst')} with ${r.label}.`,
    );
  }
  lines.push(
    `Layer 1's weights move by ${log(bs, 'updateRatioLast')} of their spread per step in the baseline and by ` +
      `${log(rs, 'updateRatioLast')} with ${r.label} (rule of thumb: about 10⁻³).`,
  );
  const best = several ? `best ${pc(rs, 'bestValAcc')}` : `best ${pct(r.bestValAcc)} at epoch ${r.bestEpoch}`;
  lines.push(`Validation accuracy at the end: ${pc(bs, 'finalValAcc')} for the baseline, ${pc(rs, 'finalValAcc')} with ${r.label} (${best}; chance is 10 %).`);
  lines.push(`**Verdict:** ${several ? verdictOverSeeds(rs, bs) : verdict(r, b)}`);
  return lines.map((l) => `- ${l}`).join('\n');
}

/** A seed's three answers: gradient, signal, learned (against the baseline's mean accuracy). */
function answersOf(r: RunSummary, baselineAcc: number) {
  const gained = r.finalValAcc - baselineAcc;
  return {
    g: flowVerdict(r.gradientRatioLast),
    s: flowVerdict(r.signalRatioLast),
    learned: gained >= ACCURACY_MARGIN && r.finalValAcc >= LEARNED_ACCURACY,
  };
}

/**
 * The verdict over several seeds: each question answered in every seed, and counted. When the seeds
 * agree on all three the verdict says what they mean together, as for one seed; when they do not, it
 * says the result is inconclusive rather than pick a seed.
 */
function verdictOverSeeds(rs: RunSummary[], bs: RunSummary[]): string {
  const stopped = rs.filter((r) => r.stopped);
  if (stopped.length) return `${stopped.length} of ${rs.length} seeds did not finish: ${stopped.map((r) => r.stopped).join('; ')}.`;
  const n = rs.length;
  const baseAcc = bs.reduce((a, x) => a + x.finalValAcc, 0) / bs.length;
  const answers = rs.map((r) => answersOf(r, baseAcc));
  const counted = <T extends string>(values: Array<T | null>, words: Record<T, string>, what: string) => {
    const counts = new Map<T | null, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    if (counts.size === 1) {
      const [only] = counts.keys();
      return only === null ? `${what} was not measured` : `${what} ${words[only]} in all ${n} seeds`;
    }
    return `${what} ${[...counts].map(([v, k]) => `${v === null ? 'was not measured' : words[v]} in ${k} of ${n} seeds`).join(', ')}`;
  };
  const learnedCount = answers.filter((a) => a.learned).length;
  const text = [
    `${counted(answers.map((a) => a.g), GRADIENT_WORDS, 'the gradient')} (${overSeeds(rs, 'gradientRatioLast', pow10)} of the last hidden layer's)`,
    `${counted(answers.map((a) => a.s), SIGNAL_WORDS, 'the signal')} (${overSeeds(rs, 'signalRatioLast', pow10)} of layer 1's spread)`,
    `${learnedCount === n ? `the network learned in all ${n} seeds` : learnedCount === 0 ? `the network did not learn in any of the ${n} seeds` : `the network learned in ${learnedCount} of ${n} seeds`} ` +
      `(${overSeeds(rs, 'finalValAcc', pct)})`,
  ].join('; ');
  const disagree = [
    new Set(answers.map((a) => a.g)).size > 1 ? 'whether the gradient reaches layer 1' : '',
    new Set(answers.map((a) => a.s)).size > 1 ? 'whether the signal reaches the output' : '',
    learnedCount > 0 && learnedCount < n ? 'whether the network learns' : '',
  ].filter(Boolean);
  if (disagree.length) {
    return `at the last epoch, ${text}. **Inconclusive:** the seeds disagree on ${disagree.join(' and ')}, so no single answer holds; ` +
      'more seeds (or epochs) would tell which is typical.';
  }
  return `at the last epoch, ${text}. ${meaningOf(meanSummary(rs), meanSummary(bs))}`;
}

/** Three answers at the remedy's last epoch (gradient, signal, learning), then what they mean together. */
function verdict(r: RunSummary, b: RunSummary): string {
  if (r.stopped) return `the run did not finish: ${r.stopped}.`;
  const { g, s, learned } = answersOf(r, b.finalValAcc);
  const gained = r.finalValAcc - b.finalValAcc;
  const points = `${gained >= 0 ? '+' : ''}${(gained * 100).toFixed(1)} points`;
  const answers = [
    g ? `the gradient ${GRADIENT_WORDS[g]} (${pow10(r.gradientRatioLast)} of the last hidden layer's)` : 'the gradient was not measured',
    s ? `the signal ${SIGNAL_WORDS[s]} (${pow10(r.signalRatioLast)} of layer 1's spread)` : 'the signal was not measured',
    learned ? `the network learned (${pct(r.finalValAcc)}, ${points})` : `the network did not learn (${pct(r.finalValAcc)}, ${points})`,
  ].join('; ');
  return `at the last epoch, ${answers}. ${meaningOf(r, b)}`;
}

/** What a remedy's three answers mean together (for one seed, or the seeds' means when they agree). */
function meaningOf(r: RunSummary, b: RunSummary): string {
  const { g, learned } = answersOf(r, b.finalValAcc);
  const gained = r.finalValAcc - b.finalValAcc;
  const within = `within ${r.epochs} epochs`;
  let meaning: string;
  if (learned && g === 'kept' && flowVerdict(r.gradientRatioInit) === 'lost') {
    meaning = `Untrained, the network loses the gradient on its way down as the baseline does; training with ${r.label} changed the weights until it reaches layer 1, and the network learns.`;
  } else if (learned && g === 'kept') meaning = `${r.label} keeps the gradient alive through the whole network from the start, and the network learns.`;
  else if (learned && g) meaning = `The network learns although the gradient still ${GRADIENT_WORDS[g]}: ${r.label} works around the gradient's fall rather than removing it.`;
  else if (learned) meaning = `${r.label} makes the network learn.`;
  else if (gained >= ACCURACY_MARGIN) meaning = `${within} ${r.label} helps only a little: ${pct(r.finalValAcc)} is still far from a trained network (an MLP reaches about 85-89 % on FashionMNIST).`;
  else if (gained <= -ACCURACY_MARGIN) meaning = `${within} ${r.label} does worse than the baseline.`;
  else if (g === 'kept') meaning = `The gradient reaches layer 1, but ${within} that has not turned into accuracy; the \`study\` preset (100 epochs) shows whether it does.`;
  else meaning = `${within} ${r.label} does not help.`;
  return meaning;
}

/**
 * What the gradient does on its way down one run, in numbers: RMS dL/dh at the last hidden layer and at
 * layer 1, and the factor per layer crossed. At initialisation by default, else at an epoch's index.
 */
export function describeGradientFlow(runs: Runs, epochIndex?: number): string {
  const all = seedRuns(runs);
  const text = describeOne(all[0], epochIndex);
  if (all.length < 2) return text;
  const factors = all.map((h) => perLayerFactor(h, epochIndex)).filter((f): f is number => f !== null);
  return factors.length < 2 ? text
    : `${text} Over seeds ${all.map((h) => h.seed).join(', ')} the factor per layer ranges from ${Math.min(...factors).toPrecision(2)} to ${Math.max(...factors).toPrecision(2)}.`;
}

function flowAt(h: History, epochIndex?: number) {
  const at = epochIndex === undefined && h.atInit ? { layers: h.atInit.layers, when: 'at initialisation' } : { layers: h.epochs[epochIndex ?? 0].layers, when: `epoch ${h.epochs[epochIndex ?? 0].epoch}` };
  const layers = at.layers.filter((l) => isHidden(l) && log10(l.activationGradRms) !== null);
  if (layers.length < 2 || layers[0].name !== 'hidden1') return { when: at.when, flow: null };
  const top = layers[layers.length - 1];
  const bottom = layers[0];
  const decades = log10(bottom.activationGradRms)! - log10(top.activationGradRms)!;
  return { when: at.when, flow: { top, bottom, decades, perLayer: decades / (layers.length - 1) } };
}

function perLayerFactor(h: History, epochIndex?: number): number | null {
  const { flow } = flowAt(h, epochIndex);
  return flow ? Math.pow(10, flow.perLayer) : null;
}

function describeOne(h: History, epochIndex?: number): string {
  const { when, flow } = flowAt(h, epochIndex);
  if (!flow) return `${h.label}: too few hidden layers with a gradient ${when} to describe its flow.`;
  const { top, bottom, decades, perLayer } = flow;
  return (
    `${h.label}, ${when}: RMS dL/dh is ${top.activationGradRms!.toExponential(1)} at ${top.name} and ` +
    `${bottom.activationGradRms!.toExponential(1)} at ${bottom.name}, ${pow10(decades)} of it: on average the gradient is ` +
    `multiplied by ${pow10(perLayer)} ≈ ${Math.pow(10, perLayer).toPrecision(2)} at each layer it crosses.`
  );
}

/**
 * How close mean-field theory's per-layer factors come to the measured ones at initialisation, one
 * markdown bullet per run: the measured and predicted factor by which the gradient (RMS dL/dh) is
 * multiplied per layer on its way down (geometric means over the layers where the theory applies),
 * and the largest gap.
 */
export function comparePrediction(runs: Runs[]): string {
  return runs.map((r) => {
    const all = seedRuns(r);
    const h = all[0];
    const layers = h.atInit?.layers;
    if (!layers) return `- ${h.label}: not measured at initialisation (statistics were off).`;
    // every seed's layers pooled: the geometric means and the largest gap are over all of them
    const pairs = all.flatMap((seed) => {
      const ls = seed.atInit?.layers ?? [];
      return ls.slice(1).flatMap((l, i) => {
        const below = ls[i].activationGradRms;
        const here = l.activationGradRms;
        return l.predictedGradFactor !== null && below !== null && here !== null && below > 0 && here > 0
          ? [{ name: l.name, seed: seed.seed, measured: below / here, predicted: l.predictedGradFactor }]
          : [];
      });
    });
    if (pairs.length === 0) {
      const why = h.config.model.gradNorm ? 'gradient normalisation rescales the gradient at every layer' : 'skip connections add a second way back at every layer';
      return `- ${h.label}: the theory does not apply here (${why}).`;
    }
    const geo = (xs: number[]) => Math.pow(10, xs.reduce((a, x) => a + Math.log10(x), 0) / xs.length);
    const worst = pairs.reduce((a, p) => (Math.abs(p.measured / p.predicted - 1) > Math.abs(a.measured / a.predicted - 1) ? p : a));
    const perSeed = Math.round(pairs.length / all.length);
    const skipped = layers.length - 1 - perSeed;
    const seeds = all.length > 1 ? ` and ${all.length} seeds` : '';
    return (
      `- ${h.label}, at initialisation: the gradient is multiplied by ${geo(pairs.map((p) => p.measured)).toPrecision(2)} per layer ` +
      `on its way down, theory predicts ${geo(pairs.map((p) => p.predicted)).toPrecision(2)} ` +
      `(over ${perSeed} layer${perSeed === 1 ? '' : 's'}${seeds}${skipped ? `; ${skipped} where it does not apply left out` : ''}); the largest gap is ` +
      `${(Math.abs(worst.measured / worst.predicted - 1) * 100).toFixed(0)} % at ${worst.name}${all.length > 1 ? ` (seed ${worst.seed})` : ''}.`
    );
  }).join('\n');
}
