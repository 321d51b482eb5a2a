/**
 * Verdicts, judged at both lengths: a remedy *works* when it learns within the run's own length (the
 * `default` preset's 10 epochs), is *slow* when it does not yet but learns by the study's 100 epochs in
 * every seed, *does not work* when it has not learned by 100 epochs, and is *inconclusive* where seeds
 * disagree. "Learned" means a validation accuracy of at least LEARNED_ACCURACY (50 %; chance is 10 %).
 * Each verdict comes with its measured reason in one sentence, and the three questions a run answers
 * separately: does the gradient reach layer 1, does the signal reach the output, did it learn.
 */
import { PRESETS } from '../spec/presets';
import { RunSpec } from '../spec/spec';
import { meanOf, pct, sci, sentence, share } from './format';
import { LEARNED_ACCURACY, RunSetSummary, RunSummary } from './summary';

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

export const GRADIENT_WORDS = { kept: 'reaches layer 1', lost: 'vanishes before layer 1', grown: 'explodes on its way to layer 1' };
export const SIGNAL_WORDS = { kept: 'reaches the output', lost: 'collapses before the output', grown: 'grows on its way to the output' };

/** What a run did, over its seeds, judged at its own length and, where there is one, at the study's. */
export type Outcome = 'works' | 'slow' | 'does not work' | 'inconclusive' | 'not yet';

export interface LengthVerdict {
  outcome: Outcome;
  /** One line: the outcome in words, with the seeds counted. */
  summary: string;
  /** The measured reason, one sentence. */
  reason: string;
  /** The run's own epochs, and the study's (null without a study run of this spec). */
  epochs: number;
  studyEpochs: number | null;
}

/**
 * The share of hidden units out of action (saturated, or inactive for ReLU) above which a run that does
 * not learn is said to have lost its units: N(0, 1) learns with 58 % of its units saturated; N(0, 10²) has 96 %.
 */
const NEARLY_ALL_OUT = 0.9;

type SeedOutcome = 'works' | 'slow' | 'does not work' | 'forgets' | 'not yet';

/** "50 %". */
export const LEARNED_PCT = `${100 * LEARNED_ACCURACY} %`;

const learned = (s: RunSummary) => s.finalValAcc >= LEARNED_ACCURACY;

function seedOutcome(live: RunSummary, study: RunSummary | undefined): SeedOutcome {
  if (!study) return learned(live) ? 'works' : 'not yet';
  if (learned(live)) return learned(study) ? 'works' : 'forgets';
  return learned(study) ? 'slow' : 'does not work';
}

/** Layer 1's share of the last hidden layer's gradient, the factor per layer, and layer 1's step size, as words. */
function flowNumbers(runs: RunSummary[]) {
  const ratio = meanOf(runs.map((r) => r.gradientRatioLast));
  const depth = runs[0].depthLast;
  const perLayer = ratio !== null && depth > 1 ? 10 ** (ratio / (depth - 1)) : null;
  return {
    gets: `layer 1 gets ${share(ratio)} layer ${depth}'s gradient`,
    perLayer: perLayer === null ? null : perLayer.toPrecision(2),
    step: `${sci(meanOf(runs.map((r) => r.updateRatioLast)))} of their size per step`,
  };
}

/** "epoch 37" or "epochs 31 to 52" over seeds. */
function epochRange(epochs: number[]): string {
  const lo = Math.min(...epochs);
  const hi = Math.max(...epochs);
  return lo === hi ? `epoch ${lo}` : `epochs ${lo} to ${hi}`;
}

/**
 * The verdict of a run over its seeds, from its summaries at its own length (`live`) and at the study's
 * (`study`, the same spec and seeds trained for 100 epochs; null when there is none).
 */
export function judgeLengths(live: RunSummary[], study: RunSummary[] | null): LengthVerdict {
  const n = live.length;
  const epochs = live[0].epochs;
  const studyEpochs = study?.[0]?.epochs ?? null;
  const stopped = live.filter((r) => r.stopped);
  if (stopped.length) {
    return {
      outcome: 'inconclusive', epochs, studyEpochs,
      summary: `${stopped.length} of ${n} seeds did not finish.`,
      reason: `${stopped.map((r) => r.stopped).join('; ')}.`,
    };
  }
  const bySeed = live.map((r) => seedOutcome(r, study?.find((s) => s.seed === r.seed)));
  const count = (o: SeedOutcome) => bySeed.filter((x) => x === o).length;
  const all = n === 1 ? '' : n === 2 ? ' in both seeds' : ` in all ${n} seeds`;
  const acc = (runs: RunSummary[]) => pct(meanOf(runs.map((r) => r.finalValAcc)));
  const at = study ? ` (${acc(live)} after ${epochs} epochs, ${acc(study)} after ${studyEpochs})` : ` (${acc(live)})`;
  const f = flowNumbers(live);
  const reached = [...new Set(live.map((r) => r.firstLearnedEpoch).filter((e): e is number => e !== null))];
  if (count('works') === n) {
    return {
      outcome: 'works', epochs, studyEpochs,
      summary: `Learns within ${epochs} epochs${all}${at}.`,
      reason: `It passes ${LEARNED_PCT} by ${epochRange(reached)}: ${f.gets}, and its weights move by ${f.step}.`,
    };
  }
  if (count('slow') === n) {
    const by = study!.map((s) => s.firstLearnedEpoch).filter((e): e is number => e !== null);
    const grown = study![0].fullDepthEpoch > 1;
    // A network grown stage by stage is slow because the whole of it exists only late in the schedule.
    const reason = grown
      ? `The stages build the whole network only at epoch ${study![0].fullDepthEpoch} of ${studyEpochs} (${live[0].fullDepthEpoch} of ${epochs} here), ` +
        `after training its blocks in shallower networks; it passes ${LEARNED_PCT} at ${epochRange(by)}. ` +
        `Here, after ${epochs} epochs, ${f.gets}, and its weights move by about ${f.step} (about 10⁻³ is healthy).`
      : `${f.perLayer !== null ? `Each layer keeps about ${f.perLayer} of the gradient, so ` : ''}${f.gets}, and its weights move by about ` +
        `${f.step} (about 10⁻³ is healthy): it passes ${LEARNED_PCT} only at ${epochRange(by)} of ${studyEpochs}.`;
    return { outcome: 'slow', epochs, studyEpochs, summary: `Not within ${epochs} epochs, but by ${studyEpochs}${all}${at}.`, reason };
  }
  if (count('does not work') === n) {
    const g = flowNumbers(study!);
    const out = meanOf(live.map((r) => r.saturationFirst));
    const outNote = out !== null && out >= NEARLY_ALL_OUT ? ` From the first epoch ${pct(out)} of its hidden units are out of action (slope near 0).` : '';
    return {
      outcome: 'does not work', epochs, studyEpochs,
      summary: `Has not learned after ${studyEpochs} epochs${all}${at}.`,
      reason: `After ${studyEpochs} epochs ${g.gets}, and its weights move by ${g.step}.${outNote}`,
    };
  }
  if (count('not yet') === n) {
    return {
      outcome: 'not yet', epochs, studyEpochs,
      summary: `Has not learned within ${epochs} epochs${all}${at}.`,
      reason: `${sentence(f.gets)}, and its weights move by ${f.step}; there is no ${PRESETS.study.epochs}-epoch run of this spec ` +
        'to tell slow from not working (`VG_PRESET=study` trains one).',
    };
  }
  // [one seed, several seeds]: "1 of 3 seeds has not learned", "2 of 3 seeds learn".
  const words: Record<SeedOutcome, [string, string]> = {
    works: [`learns within ${epochs} epochs`, `learn within ${epochs} epochs`],
    slow: [`learns only by ${studyEpochs}`, `learn only by ${studyEpochs}`],
    'does not work': [`has not learned by ${studyEpochs}`, `have not learned by ${studyEpochs}`],
    forgets: [`learns within ${epochs} epochs but falls back below ${LEARNED_PCT} by ${studyEpochs}`,
      `learn within ${epochs} epochs but fall back below ${LEARNED_PCT} by ${studyEpochs}`],
    'not yet': [`has not learned within ${epochs} epochs`, `have not learned within ${epochs} epochs`],
  };
  const parts = (Object.keys(words) as SeedOutcome[]).filter((o) => count(o) > 0)
    .map((o) => `${count(o)} of ${n} seeds ${words[o][count(o) === 1 ? 0 : 1]}`);
  return {
    outcome: 'inconclusive', epochs, studyEpochs,
    summary: `The seeds disagree${at}.`,
    reason: sentence(`${parts.join(', ')}: more seeds would tell which is typical.`),
  };
}

/**
 * What a run changes against the baseline besides its remedy, when it changes more than one thing (the
 * study's runs often pair a remedy with another init, optimizer or learning rate): null otherwise.
 */
export function confounds(baseline: RunSpec, remedy: RunSpec, changes: string[]): string | null {
  if (changes.length < 2) return null;
  const lr = remedy.optimizer.lr / baseline.optimizer.lr;
  const lrNote = remedy.optimizer.kind === baseline.optimizer.kind && lr !== 1
    ? ` — its learning rate is ${lr < 1 ? `${Number((1 / lr).toPrecision(2))}x smaller` : `${Number(lr.toPrecision(2))}x larger`} than the baseline's`
    : '';
  return `This run changes ${changes.length} things at once (${changes.join(', ')})${lrNote}: what it shows is theirs together.`;
}

/** A spec's summaries over its seeds with its verdict, as a notebook saves them for the reports' index. */
export interface JudgedRunSet extends RunSetSummary {
  /** The same spec at the study's length, with where it came from; null when there is none. */
  study: { provenance: string; perSeed: RunSummary[] } | null;
  verdict: LengthVerdict;
  /** What the run changes against the baseline besides its remedy (`confounds`); null when it changes one thing or has no baseline beside it. */
  confound: string | null;
}
