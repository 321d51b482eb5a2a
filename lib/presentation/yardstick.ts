/**
 * A yardstick for how fast a network learns when nothing vanishes: the same data, optimizer, learning
 * rate and initialisation in a shallow network (one hidden layer, whose gradient crosses no sigmoid on
 * its way to the weights it trains but its own), beside the deep one.
 */
import { Runs, Spread, seedRuns, summarizeSeeds } from '../runs/seeds';

/** "84 %", or "84 % (82–85 % over 3 seeds)" where the seeds differ by a point or more. */
function accuracy(s: Spread | null): string {
  if (s === null) return 'n/a';
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
  return s.n > 1 && pct(s.min) !== pct(s.max) ? `${pct(s.mean)} (${(s.min * 100).toFixed(0)}–${pct(s.max)} over ${s.n} seeds)` : pct(s.mean);
}

/** The hidden layers of a run's network. */
const depthOf = (r: Runs) => r.config.model.depth;

/**
 * One sentence from the two runs: the shallow run's validation accuracy after its first and its last
 * epoch (mean over its seeds, their range) against the deep run's after the same epochs.
 */
export function describeYardstick(deep: Runs, shallow: Runs): string {
  const d = summarizeSeeds(deep).epochs;
  const s = summarizeSeeds(shallow).epochs;
  if (d.length === 0 || s.length === 0) return 'No epochs to compare.';
  const last = Math.min(d.length, s.length);
  const lr = shallow.config.optimizer.lr;
  const layers = (r: Runs) => `${depthOf(r)} hidden layer${depthOf(r) > 1 ? 's' : ''}`;
  const seeds = seedRuns(shallow).length;
  return `**The yardstick.** With ${layers(shallow)} and everything else the same (${shallow.config.optimizer.kind === 'sgd' ? 'SGD' : 'Adam'} at ${lr}, ` +
    `the same initialisation, data and batches${seeds > 1 ? `, ${seeds} seeds` : ''}), the network reaches ${accuracy(s[0].valAcc)} validation accuracy after epoch 1 ` +
    `and ${accuracy(s[last - 1].valAcc)} after epoch ${last}; with ${layers(deep)}, ${accuracy(d[0].valAcc)} and ${accuracy(d[last - 1].valAcc)} (chance is 10 %). ` +
    verdict(s[last - 1].valAcc, d[last - 1].valAcc, last);
}

/** What the two accuracies after `epochs` epochs say: a lead of `LEAD` or more is the optimizer learning where the gradient arrives. */
function verdict(shallow: Spread | null, deep: Spread | null, epochs: number): string {
  if (shallow === null || deep === null) return '';
  const lead = shallow.mean - deep.mean;
  const within = epochs === 1 ? 'one epoch' : `${epochs} epochs`;
  return lead >= LEAD
    ? `So this optimizer and learning rate do learn FashionMNIST within ${within} in a network shallow enough that neither the gradient nor the signal fades: ` +
      'what stops the deep one is what its depth does to them, not too few epochs.'
    : `Here the two end ${(Math.abs(lead) * 100).toFixed(0)} points apart after ${within}: too close for the yardstick to tell the optimizer's pace from the depth's cost.`;
}

/** Accuracy points by which the shallow network must lead for the sentence to say that the optimizer learns. */
const LEAD = 0.2;
