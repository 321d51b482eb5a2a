import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { confounds, flowVerdict, judgeLengths } from '../../lib/presentation/verdicts';
import { RunSummary, runSummary } from '../../lib/presentation/summary';
import { resolveSpec } from '../../lib/spec/experiments';
import { describeChanges } from '../../lib/spec/wording';
import { relu } from './conclusions.fixtures';

/** A seed's summary with chosen final accuracy (and the first epoch that reached 50 %). */
function seed(s: number, finalValAcc: number, epochs: number, firstLearnedEpoch: number | null = finalValAcc >= 0.5 ? epochs : null): RunSummary {
  return { ...runSummary(relu()), seed: s, finalValAcc, epochs, firstLearnedEpoch };
}
const live = (...accs: number[]) => accs.map((a, i) => seed(i, a, 10));
const long = (...accs: number[]) => accs.map((a, i) => seed(i, a, 100, a >= 0.5 ? 30 + 10 * i : null));

describe('flowVerdict', () => {
  test('kept within FLOW_MARGIN (1) decade either way, lost below, grown above', () => {
    assert.equal(flowVerdict(-1.01), 'lost');
    assert.equal(flowVerdict(-0.99), 'kept');
    assert.equal(flowVerdict(0.99), 'kept');
    assert.equal(flowVerdict(1.01), 'grown');
    assert.equal(flowVerdict(null), null);
  });
});

describe('judgeLengths', () => {
  test('works: learned (50 % or more) within the run\'s length in every seed, and still at the study\'s', () => {
    const v = judgeLengths(live(0.5, 0.7, 0.6), long(0.8, 0.8, 0.8));
    assert.equal(v.outcome, 'works');
    assert.equal(v.summary, 'Learns within 10 epochs in all 3 seeds (60.0 % after 10 epochs, 80.0 % after 100).');
    assert.match(v.reason, /^It passes 50 % by epoch 10: layer 1 gets 1\/10 of layer 3's gradient/);
  });

  test('slow: not within the run\'s length in any seed, by the study\'s in every seed; the epochs it took', () => {
    const v = judgeLengths(live(0.1, 0.2, 0.49), long(0.84, 0.82, 0.86));
    assert.equal(v.outcome, 'slow');
    assert.equal(v.summary, 'Not within 10 epochs, but by 100 in all 3 seeds (26.3 % after 10 epochs, 84.0 % after 100).');
    // -1 decade over 2 crossings: 10^-0.5 = 0.32 per layer; hidden1's update ratio 2e-3
    assert.equal(v.reason, "Each layer keeps about 0.32 of the gradient, so layer 1 gets 1/10 of layer 3's gradient, and its weights move by about 2×10⁻³ of their size per step (about 10⁻³ is healthy): it passes 50 % only at epochs 30 to 50 of 100.");
  });

  test('slow for a network grown in stages: when the whole network exists, when it learned, and the run\'s own gradient', () => {
    const grown = (runs: RunSummary[], full: number) => runs.map((r) => ({ ...r, fullDepthEpoch: full }));
    const study = grown(long(0.76, 0.76, 0.76), 501).map((r, i) => ({ ...r, epochs: 700, firstLearnedEpoch: 503 + Math.min(i, 1) }));
    const v = judgeLengths(grown(live(0.1, 0.1, 0.1), 16).map((r) => ({ ...r, epochs: 21 })), study);
    assert.equal(v.outcome, 'slow');
    assert.equal(v.reason, 'The stages build the whole network only at epoch 501 of 700 (16 of 21 here), after training its blocks in shallower networks; ' +
      "it passes 50 % at epochs 503 to 504. Here, after 21 epochs, layer 1 gets 1/10 of layer 3's gradient, and its weights move by about 2×10⁻³ of their size per step (about 10⁻³ is healthy).");
  });

  test('does not work: not learned by the study\'s length in any seed', () => {
    const v = judgeLengths(live(0.1, 0.1, 0.1), long(0.2, 0.3, 0.49));
    assert.equal(v.outcome, 'does not work');
    assert.equal(v.summary, 'Has not learned after 100 epochs in all 3 seeds (10.0 % after 10 epochs, 33.0 % after 100).');
    assert.doesNotMatch(v.reason, /out of action/);
    const saturated = judgeLengths(live(0.1, 0.1, 0.1).map((r) => ({ ...r, saturationFirst: 0.96 })), long(0.1, 0.1, 0.1));
    assert.match(saturated.reason, / From the first epoch 96\.0 % of its hidden units are out of action \(slope near 0\)\.$/);
  });

  test('inconclusive where the seeds disagree, each kind counted', () => {
    const v = judgeLengths(live(0.1, 0.6, 0.1), long(0.8, 0.3, 0.2));
    assert.equal(v.outcome, 'inconclusive');
    assert.equal(v.reason, '1 of 3 seeds learns only by 100, 1 of 3 seeds has not learned by 100, 1 of 3 seeds learns within 10 epochs but falls back below 50 % by 100: more seeds would tell which is typical.');
    assert.equal(judgeLengths(live(0.1, 0.1, 0.1), long(0.8, 0.8, 0.3)).reason, '2 of 3 seeds learn only by 100, 1 of 3 seeds has not learned by 100: more seeds would tell which is typical.');
  });

  test('without a study run: works, or "not yet" (cannot tell slow from not working)', () => {
    assert.equal(judgeLengths(live(0.6, 0.6), null).outcome, 'works');
    const v = judgeLengths(live(0.2, 0.2), null);
    assert.equal(v.outcome, 'not yet');
    assert.equal(v.summary, 'Has not learned within 10 epochs in both seeds (20.0 %).');
    assert.equal(v.studyEpochs, null);
  });

  test('a seed that did not finish makes it inconclusive, with the reason', () => {
    const runs = live(0.9, 0.9);
    runs[1] = { ...runs[1], stopped: 'the loss became NaN at epoch 4, step 2' };
    const v = judgeLengths(runs, long(0.9, 0.9));
    assert.deepEqual([v.outcome, v.summary, v.reason], ['inconclusive', '1 of 2 seeds did not finish.', 'the loss became NaN at epoch 4, step 2.']);
  });
});

describe('confounds', () => {
  const of = (id: string) => {
    const b = resolveSpec('baseline');
    const r = resolveSpec(id);
    return confounds(b, r, describeChanges(b, r));
  };
  test("the study's runs that change more than one thing are named, with the learning rate against the baseline's", () => {
    assert.equal(of('relu'), "This run changes 3 things at once (ReLU, N(0, 0.05²) init, SGD lr 0.001) — its learning rate is 10x smaller than the baseline's: what it shows is theirs together.");
    assert.equal(of('batchnorm'), 'This run changes 3 things at once (N(0, 0.05²) init, BatchNorm, Adam lr 0.001): what it shows is theirs together.');
    assert.equal(of('weight-std-1'), null, 'one change: no confound');
    assert.equal(of('adam'), null, 'the optimizer with its own learning rate is one change');
  });
});
