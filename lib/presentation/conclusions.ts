/**
 * Conclusions written from the runs at hand: every number in the text is computed from them, so the
 * prose stays true whatever the preset, seed or backend. Each remedy's block is short (its key number,
 * the verdict of verdicts.ts in three lines, a compact table); every number stays behind a fold.
 *
 * The headline is the gradient that flows, dL/dh: RMS dL/dh at layer 1 over RMS dL/dh at the last
 * hidden layer in use. The weight gradient dL/dW = hᵀ·δ (what the optimizer sees) multiplies that by the
 * layer's input h, so it also carries the forward signal's scale: with ReLU at a small init, dL/dh falls
 * per layer while dL/dW stays flat because the activations shrink forward by the same factor. It stays
 * a secondary figure, in the fold.
 */
import { History } from '../runs/run';
import { Runs, geometricMean, seedRuns, spreadOf } from '../runs/seeds';
import { StudyRuns } from '../runs/study';
import { describeChanges } from '../spec/wording';
import { gradFactors, gradientRatio, isHidden, log10 } from '../theory/ratios';
import { meanOf, overSeeds, pct, sci, sentence, share, shareCell } from './format';
import { atStudyLength } from './lengths';
import { RunSetSummary, RunSummary, runSummary, runSetSummary } from './summary';
import { GRADIENT_WORDS, JudgedRunSet, LEARNED_PCT, SIGNAL_WORDS, confounds, flowVerdict, judgeLengths } from './verdicts';

/** How a notebook's conclusions are drawn. */
export interface ConcludeOptions {
  /**
   * Put the baseline in the key sentence and the table. Default true; false where the notebook has
   * already shown the baseline's numbers (a Try-it cell after the main conclusions).
   */
  showBaseline?: boolean;
}

type NumberField = Exclude<{ [K in keyof RunSummary]-?: RunSummary[K] extends number | null ? K : never }[keyof RunSummary], undefined>;
const field = (runs: RunSummary[], f: NumberField) => runs.map((r) => r[f]);

/** A remedy's summaries at both lengths and its verdict: what its conclusions say and `saveSummary` keeps. */
export function judgeRuns(remedy: Runs, study?: StudyRuns, baseline?: Runs): JudgedRunSet {
  const set = runSetSummary(remedy);
  const twin = atStudyLength(remedy, study);
  const studySummaries = twin ? twin.runs.map(runSummary) : null;
  return {
    ...set,
    study: twin && study ? { provenance: study.provenance, perSeed: studySummaries! } : null,
    verdict: judgeLengths(set.perSeed, studySummaries),
    confound: baseline && !set.baseline ? confoundOf(baseline, remedy) : null,
  };
}

/** `confounds` of a remedy's spec against the baseline's. */
function confoundOf(baseline: Runs, remedy: Runs): string | null {
  const base = seedRuns(baseline)[0].config;
  const spec = seedRuns(remedy)[0].config;
  return confounds(base, spec, describeChanges(base, spec));
}

/** At the last epoch, whether the gradient reaches layer 1 and the signal the output, counted over seeds. */
function flowLine(rs: RunSummary[]): string {
  const n = rs.length;
  const counted = <T extends string>(values: Array<T | null>, words: Record<T, string>, what: string) => {
    const counts = new Map<T | null, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts].map(([v, k]) => `${what} ${v === null ? 'was not measured' : words[v]}${counts.size > 1 ? ` in ${k} of ${n} seeds` : ''}`).join(', ');
  };
  const g = counted(rs.map((r) => flowVerdict(r.gradientRatioLast)), GRADIENT_WORDS, 'the gradient');
  const s = counted(rs.map((r) => flowVerdict(r.signalRatioLast)), SIGNAL_WORDS, 'the signal');
  return `At epoch ${rs[0].epochs}, ${g}; ${s}${n > 1 ? ` (${n} seeds)` : ''}.`;
}

/** Seeds whose accuracies span less than this (2 points) or whose log10 shares span less than this (a factor 2) agree, for the compact table. */
const ACC_WIDE = 0.02;
const SHARE_WIDE = Math.log10(2);

/** `overSeeds`, but the mean alone where the seeds span less than `wide`: the compact table shows ranges that matter, the fold all of them. */
function wideOnly(values: Array<number | null>, show: (x: number | null) => string, wide: number): string {
  const s = spreadOf(values);
  return s !== null && s.max - s.min < wide ? show(s.mean) : overSeeds(values, show);
}

/** The compact table: a row per run, the three questions' numbers over seeds, both lengths' accuracy. */
function compactTable(rows: Array<{ label: string; live: RunSummary[]; study: RunSummary[] | null }>): string {
  const depth = rows[0].live[0].depthLast;
  // Epochs in the header when every row has the same; else beside each number (layer-wise runs have more).
  const epochsOf = (runs: RunSummary[] | null) => runs?.[0].epochs ?? null;
  const shared = (get: (r: (typeof rows)[number]) => number | null) => {
    const values = new Set(rows.map(get).filter((e) => e !== null));
    return values.size === 1 ? [...values][0] : null;
  };
  const liveEpochs = shared((r) => epochsOf(r.live));
  const studyEpochs = shared((r) => epochsOf(r.study));
  const hasStudy = rows.some((r) => r.study);
  const acc = (runs: RunSummary[] | null, header: number | null) =>
    runs ? `${wideOnly(field(runs, 'finalValAcc'), pct, ACC_WIDE)}${header === null ? ` (${runs[0].epochs} epochs)` : ''}` : '—';
  const head = ['run', `gradient at layer 1, of layer ${depth}'s`, `signal at layer ${depth}, of layer 1's`,
    liveEpochs !== null ? `val acc, ${liveEpochs} epochs` : 'val acc, this run',
    ...(hasStudy ? [studyEpochs !== null ? `val acc, ${studyEpochs} epochs` : 'val acc, study length'] : [])];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(head),
    line(head.map(() => '---')),
    ...rows.map((r) => line([
      r.label,
      wideOnly(field(r.live, 'gradientRatioLast'), shareCell, SHARE_WIDE),
      wideOnly(field(r.live, 'signalRatioLast'), shareCell, SHARE_WIDE),
      acc(r.live, liveEpochs),
      ...(hasStudy ? [acc(r.study, studyEpochs)] : []),
    ])),
  ].join('\n');
}

/**
 * The conclusions of a remedy against the baseline, as markdown: one sentence with the number that
 * matters (how much of the gradient reaches layer 1), the verdict at both lengths in three short lines
 * (outcome, measured reason, the gradient and the signal), a compact table over seeds, and every number
 * behind a fold. `study` (from `studyRuns()`) gives the 100-epoch runs; without it, or for a derived spec
 * the study did not train, the verdict is the run's own length's.
 */
export function concludeRemedy(baseline: Runs, remedy: Runs, study?: StudyRuns, options: ConcludeOptions = {}): string {
  const showBaseline = options.showBaseline ?? true;
  const b = judgeRuns(baseline, study);
  const r = judgeRuns(remedy, study, baseline);
  const v = r.verdict;
  const depth = r.perSeed[0].depthLast;
  const gets = (s: RunSetSummary) => share(meanOf(field(s.perSeed, 'gradientRatioLast')));
  const epoch = r.perSeed[0].epochs;
  const key = showBaseline
    ? `In the baseline, layer 1 gets ${gets(b)} layer ${b.perSeed[0].depthLast}'s gradient at epoch ${b.perSeed[0].epochs}; with ${r.label}, ${gets(r)} layer ${depth}'s.`
    : `With ${r.label}, layer 1 gets ${gets(r)} layer ${depth}'s gradient at epoch ${epoch}.`;
  const rows = [...(showBaseline ? [b] : []), r].map((s) => ({ label: s.label, live: s.perSeed, study: s.study?.perSeed ?? null }));
  const source = r.study ? r.study.provenance : b.study ? `${b.study.provenance}; no study run of ${r.label}` : null;
  return [
    key,
    '',
    `**Verdict: ${v.outcome}.** ${v.summary}  `,
    `${v.reason}  `,
    flowLine(r.perSeed),
    '',
    compactTable(rows),
    '',
    [`Learned means at least ${LEARNED_PCT} validation accuracy (chance is 10 %); each number is the mean over seeds, with their range where they differ by a factor 2 or 2 points (all ranges are in the fold).`,
      source ? `${sentence(source)}.` : '', r.confound ? `*${r.confound}*` : ''].filter(Boolean).join(' '),
    '',
    '<details><summary>All numbers of this comparison</summary>',
    '',
    fullNumbers(b.perSeed, r.perSeed, seedRuns(remedy)[0].config.model.activation === 'relu'),
    '',
    '</details>',
  ].join('\n');
}

/**
 * Every number of the comparison, as markdown bullets: the baseline and the remedy over their seeds, in
 * the formats the rest of the block uses (shares for what reaches a layer, a whole power of ten for a
 * step's size, accuracy in %).
 */
function fullNumbers(bs: RunSummary[], rs: RunSummary[], relu: boolean): string {
  const b = bs[0];
  const r = rs[0];
  const shares = (runs: RunSummary[], f: NumberField) => overSeeds(field(runs, f), shareCell);
  const steps = (runs: RunSummary[], f: NumberField) => overSeeds(field(runs, f), sci);
  const pc = (runs: RunSummary[], f: NumberField) => overSeeds(field(runs, f), pct);
  const depth = (x: RunSummary) => (b.depthLast !== r.depthLast ? ` (${x.depthLast} hidden layers)` : '');
  const pair = (f: NumberField, at: string) => `${at} ${shares(bs, f)} in the baseline${depth(b)} and ${shares(rs, f)} with ${r.label}${depth(r)}`;
  const lines: string[] = [];
  if (rs.length > 1 || bs.length > 1) lines.push(`Over ${rs.length} seeds (${rs.map((x) => x.seed).join(', ')}): each number is the mean, with the range over seeds in brackets where it differs.`);
  lines.push(
    `The gradient that flows (RMS dL/dh) at layer 1, as a share of the last hidden layer's: ${pair('gradientRatioInit', 'at initialisation')}; ` +
      `${pair('gradientRatioLast', `at the last epoch (${b.epochs} and ${r.epochs})`)}.`,
    `The signal going forward (spread of a unit's output across images) at the last hidden layer, as a share of layer 1's: ` +
      `${pair('signalRatioInit', 'at initialisation')}; ${pair('signalRatioLast', 'at the last epoch')}.`,
    `What the first weights get (mean |dL/dW| at layer 1, as a share of the output layer's, epoch 1): ${shares(bs, 'weightGradRatioFirst')} in the baseline and ` +
      `${shares(rs, 'weightGradRatioFirst')} with ${r.label}. dL/dW = hᵀ·δ also carries the layer's input, so it mixes the forward signal into the gradient's figure.`,
  );
  if ([...bs, ...rs].some((x) => (x.saturationFirst ?? 0) > 0.05)) {
    lines.push(
      relu
        ? `Saturated hidden units at epoch 1: ${pc(bs, 'saturationFirst')} in the baseline. With ${r.label}, ${pc(rs, 'saturationFirst')} of the ` +
          'units are inactive instead (output exactly 0 for an image, so no gradient through them for that image; about half by construction ' +
          'when their inputs are centred): not saturation, and not comparable with it.'
        : `Saturated hidden units at epoch 1: ${pc(bs, 'saturationFirst')} in the baseline, ${pc(rs, 'saturationFirst')} with ${r.label}.`,
    );
  }
  lines.push(
    `Layer 1's weights move by ${steps(bs, 'updateRatioLast')} of their size per step in the baseline and by ` +
      `${steps(rs, 'updateRatioLast')} with ${r.label} (rule of thumb: about 10⁻³).`,
    `Validation accuracy at the end: ${pc(bs, 'finalValAcc')} for the baseline, ${pc(rs, 'finalValAcc')} with ${r.label} ` +
      `(best ${pc(rs, 'bestValAcc')}${rs.length === 1 ? ` at epoch ${r.bestEpoch}` : ''}; chance is 10 %).`,
  );
  return lines.map((l) => `- ${l}`).join('\n');
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
  const decades = gradientRatio(at);
  if (decades === null) return { when: at.when, flow: null };
  const top = layers[layers.length - 1];
  const bottom = layers[0];
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
    `${h.label}, ${when}: RMS dL/dh is ${sci(log10(top.activationGradRms))} at ${top.name} and ` +
    `${sci(log10(bottom.activationGradRms))} at ${bottom.name}, ${share(decades)} it: on average the gradient is ` +
    `multiplied by ${Math.pow(10, perLayer).toPrecision(2)} at each layer it crosses.`
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
    const pairs = all.flatMap((seed) => gradFactors(seed.atInit?.layers ?? [], 'output').flatMap(({ name, measured, predicted }) =>
      (predicted !== null && measured !== null && measured > 0 ? [{ name, seed: seed.seed, measured, predicted }] : [])));
    if (pairs.length === 0) {
      const why = h.config.model.gradNorm ? 'gradient normalisation rescales the gradient at every layer' : 'skip connections add a second way back at every layer';
      return `- ${h.label}: the theory does not apply here (${why}).`;
    }
    const geo = (xs: number[]) => geometricMean(xs)?.toPrecision(2) ?? 'n/a';
    const worst = pairs.reduce((a, p) => (Math.abs(p.measured / p.predicted - 1) > Math.abs(a.measured / a.predicted - 1) ? p : a));
    const perSeed = Math.round(pairs.length / all.length);
    const skipped = layers.length - 1 - perSeed;
    const seeds = all.length > 1 ? ` and ${all.length} seeds` : '';
    return (
      `- ${h.label}, at initialisation: the gradient is multiplied by ${geo(pairs.map((p) => p.measured))} per layer ` +
      `on its way down, theory predicts ${geo(pairs.map((p) => p.predicted))} ` +
      `(over ${perSeed} layer${perSeed === 1 ? '' : 's'}${seeds}${skipped ? `; ${skipped} where it does not apply left out` : ''}); the largest gap is ` +
      `${(Math.abs(worst.measured / worst.predicted - 1) * 100).toFixed(0)} % at ${worst.name}${all.length > 1 ? ` (seed ${worst.seed})` : ''}.`
    );
  }).join('\n');
}
