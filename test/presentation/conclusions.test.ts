import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { concludeRemedy, describeGradientFlow, judgeRuns } from '../../lib/presentation/conclusions';
import { RunSet } from '../../lib/runs/seeds';
import { StudyRuns } from '../../lib/runs/study';
import { fakeHistory, fakeLayer, fakeRunSet } from '../helpers';
import { BASELINE, LAYERS, RunNumbers, baseline, relu } from './conclusions.fixtures';

/** The fold's bullets (every number), the verdict's three lines, the table's rows. */
const parts = (text: string) => {
  const lines = text.split('\n');
  const verdict = lines.findIndex((l) => l.startsWith('**Verdict: '));
  assert.ok(verdict > 0, `a verdict line in:\n${text}`);
  return {
    key: lines[0],
    verdict: lines.slice(verdict, verdict + 3).map((l) => l.trimEnd()),
    table: lines.filter((l) => l.startsWith('| ')),
    bullets: lines.slice(lines.indexOf('<details><summary>All numbers of this comparison</summary>')).filter((l) => l.startsWith('- ')),
    lines,
  };
};

/** Study runs holding the given sets (100 epochs of a remedy, say), as `studyRuns()` gives them. */
function study(...sets: RunSet[]): StudyRuns {
  return { source: 'file', date: '2026-12-04T10:00:00Z', provenance: '100 epochs: from the study runs of 2026-12-04', sets: new Map(sets.map((s) => [s.experiment, s])) };
}
const seeds = (make: (seed: number) => Partial<RunNumbers>, id: 'relu' | 'baseline' = 'relu') =>
  fakeRunSet((seed) => (id === 'relu' ? relu(make(seed)) : baseline(make(seed))), [0, 1, 2]);
const lost = { g1: BASELINE.g1 };

describe('concludeRemedy', () => {
  test('a block: the key sentence, the verdict in three lines, a compact table, every number behind a fold', () => {
    const text = concludeRemedy(baseline(), relu());
    const p = parts(text);
    // hidden1/hidden3 at the last epoch: 1e-8/1e-2 = 1/1,000,000 in the baseline, 1e-3/1e-2 = 1/10 with ReLU
    assert.equal(p.key, "In the baseline, layer 1 gets 1/1,000,000 of layer 3's gradient at epoch 3; with ReLU, 1/10 of layer 3's.");
    assert.equal(p.verdict[0], '**Verdict: works.** Learns within 3 epochs (80.0 %).');
    // 80 % first reached at epoch 3 (0.4, 0.7, 0.8: 0.7 at epoch 2)
    assert.equal(p.verdict[1], "It passes 50 % by epoch 2: layer 1 gets 1/10 of layer 3's gradient, and its weights move by 2×10⁻³ of their size per step.");
    assert.equal(p.verdict[2], 'At epoch 3, the gradient reaches layer 1; the signal reaches the output.');
    assert.deepEqual(p.table, [
      "| run | gradient at layer 1, of layer 3's | signal at layer 3, of layer 1's | val acc, 3 epochs |",
      '| --- | --- | --- | --- |',
      '| baseline (sigmoid) | 1/1,000,000 | 1/100,000 | 10.0 % |',
      '| ReLU | 1/10 | 1.0× | 80.0 % |',
    ]);
    assert.match(text, /<details><summary>All numbers of this comparison<\/summary>\n\n- /, 'a blank line after the summary, so that the fold\'s markdown renders');
    assert.equal(p.bullets.length, 5, 'no saturation sentence at 2 % saturation');
    assert.equal(
      p.bullets[0],
      // 10⁻⁵ = 1/100,000; 10⁻⁰·⁷ = 0.1995; 10⁻⁶ = 1/1,000,000; 10⁻¹ = 1/10
      "- The gradient that flows (RMS dL/dh) at layer 1, as a share of the last hidden layer's: at initialisation 1/100,000 in the baseline and " +
        '0.20 with ReLU; at the last epoch (3 and 3) 1/1,000,000 in the baseline and 1/10 with ReLU.',
    );
    assert.match(p.bullets[2], /^- What the first weights get \(mean \|dL\/dW\| at layer 1, as a share of the output layer's, epoch 1\): 1\/1,600,000 in the baseline and 0\.20 with ReLU\./);
    // 10⁻⁵·⁵ = 3.2×10⁻⁶ and 10⁻²·⁷ = 2.0×10⁻³, as the verdict writes a step's size
    assert.equal(p.bullets[3], "- Layer 1's weights move by 3×10⁻⁶ of their size per step in the baseline and by 2×10⁻³ with ReLU (rule of thumb: about 10⁻³).");
    assert.equal(p.bullets[4], '- Validation accuracy at the end: 10.0 % for the baseline, 80.0 % with ReLU (best 80.0 % at epoch 3; chance is 10 %).');
    // a sentence starts with a capital (or a symbol such as dL/dW), at a line's start and after a full stop
    const lower = p.lines.map((l) => l.replace(/^(- |\*\*Verdict: [a-z ]+\.\*\* )/, '')).filter((l) => /(^|[.!?] )(?!dL)[a-z]/.test(l));
    assert.deepEqual(lower, [], 'sentences start with a capital');
  });

  test('without the baseline (a Try-it cell after the main conclusions): neither in the key sentence nor in the table', () => {
    const p = parts(concludeRemedy(baseline(), relu(), undefined, { showBaseline: false }));
    assert.equal(p.key, "With ReLU, layer 1 gets 1/10 of layer 3's gradient at epoch 3.");
    assert.equal(p.table.length, 3);
    assert.ok(!p.table.some((r) => r.includes('baseline')));
  });

  test('the gradient and the signal, each answered at the last epoch', () => {
    assert.match(parts(concludeRemedy(baseline(), relu({ g1: [2e-3, 1e-5] }))).verdict[2], /the gradient vanishes before layer 1;/);
    assert.match(parts(concludeRemedy(baseline(), relu({ g1: [1, 10] }))).verdict[2], /the gradient explodes on its way to layer 1;/);
    assert.match(parts(concludeRemedy(baseline(), relu({ s3: [1e-6, 1e-4] }))).verdict[2], /the signal collapses before the output\.$/);
  });

  test('over seeds: means, a range only where it differs, seeds counted where they disagree', () => {
    const base = seeds(() => ({}), 'baseline');
    // hidden1 / hidden3 at the last epoch: 1e-3, 2e-3, 4e-3 over 1e-2 → -1, -0.699, -0.398 decades, mean -0.699 → 0.20
    const g1s: Array<[number, number]> = [[2e-3, 1e-3], [2e-3, 2e-3], [2e-3, 4e-3]];
    const p = parts(concludeRemedy(base, seeds((s) => ({ acc: [0.1, 0.1, [0.7, 0.8, 0.9][s]], g1: g1s[s] }))));
    assert.equal(p.table[2], '| baseline (sigmoid) | 1/1,000,000 | 1/100,000 | 10.0 % |', 'no range where every seed prints the same');
    assert.equal(p.table[3], '| ReLU | 0.20 (1/10 to 0.40) | 1.0× | 80.0 % (70.0 % to 90.0 %) |');
    // seeds within a factor 2 and within 2 points: the compact table gives the mean alone, the fold the range
    const near = parts(concludeRemedy(base, seeds((s) => ({ acc: [0.1, 0.1, [0.80, 0.81, 0.82][s]], g1: [[2e-3, 1e-3], [2e-3, 1.2e-3], [2e-3, 1.4e-3]][s] as [number, number] }))));
    assert.equal(near.table[3], '| ReLU | 0.12 | 1.0× | 81.0 % |');
    assert.match(near.bullets.join('\n'), /81\.0 % \(80\.0 % to 82\.0 %\) with ReLU/, 'the fold keeps the range');
    assert.equal(p.verdict[0], '**Verdict: works.** Learns within 3 epochs in all 3 seeds (80.0 %).');
    assert.equal(p.verdict[2], 'At epoch 3, the gradient reaches layer 1; the signal reaches the output (3 seeds).');
    const mixed = parts(concludeRemedy(base, seeds((s) => ({ acc: [0.1, 0.1, 0.8], g1: [2e-3, s === 1 ? 1e-6 : 1e-3] }))));
    assert.equal(mixed.verdict[2], 'At epoch 3, the gradient reaches layer 1 in 2 of 3 seeds, the gradient vanishes before layer 1 in 1 of 3 seeds; the signal reaches the output (3 seeds).');
  });

  test('with the study runs: both lengths in the verdict and the table, and where the 100 epochs come from', () => {
    const long = fakeRunSet((seed) => relu({ ...lost, acc: [...Array(9).fill(0.1), 0.6, 0.84], upd: 1e-6 }), [0, 1, 2]);
    const text = concludeRemedy(seeds(() => ({}), 'baseline'), seeds(() => ({ ...lost, acc: [0.1, 0.1, 0.12], upd: 1e-6 })), study(long));
    const p = parts(text);
    assert.equal(p.verdict[0], '**Verdict: slow.** Not within 3 epochs, but by 11 in all 3 seeds (12.0 % after 3 epochs, 84.0 % after 11).');
    // -6 decades over 2 crossings: 10^-3 = 0.0010 per layer
    assert.equal(p.verdict[1], "Each layer keeps about 0.0010 of the gradient, so layer 1 gets 1/1,000,000 of layer 3's gradient, and its weights move by about 10⁻⁶ of their size per step (about 10⁻³ is healthy): it passes 50 % only at epoch 10 of 11.");
    assert.equal(p.table[0], "| run | gradient at layer 1, of layer 3's | signal at layer 3, of layer 1's | val acc, 3 epochs | val acc, 11 epochs |");
    assert.equal(p.table[2], '| baseline (sigmoid) | 1/1,000,000 | 1/100,000 | 10.0 % | — |', 'the baseline has no study run here: said as a dash');
    assert.equal(p.table[3], '| ReLU | 1/1,000,000 | 1.0× | 12.0 % | 84.0 % |');
    assert.match(text, /100 epochs: from the study runs of 2026-12-04\./);
  });

  test('a derived spec the study did not train is judged at its own length, and says so', () => {
    const tried = relu({ ...lost, acc: [0.1, 0.1, 0.1] });
    tried.config = { ...tried.config, changes: ['He init'], label: 'ReLU, He init' };
    tried.label = 'ReLU, He init';
    const long = fakeRunSet(() => relu({ acc: [0.9] }), [0]);
    const p = parts(concludeRemedy(baseline(), tried, study(long)));
    assert.equal(p.verdict[0], '**Verdict: not yet.** Has not learned within 3 epochs (10.0 %).');
    assert.match(p.verdict[1], /there is no 100-epoch run of this spec to tell slow from not working/);
  });

  test('a run that changes several things names them; its learning rate against the baseline\'s', () => {
    const r = relu();
    r.config = { ...r.config, model: { ...r.config.model, activation: 'relu', init: { kind: 'normal', std: 0.05 } }, optimizer: { kind: 'sgd', lr: 1e-3 } };
    assert.match(concludeRemedy(baseline(), r), /\*This run changes 3 things at once \(ReLU, N\(0, 0\.05²\) init, SGD lr 0\.001\) — its learning rate is 10x smaller than the baseline's: what it shows is theirs together\.\*/);
    assert.doesNotMatch(concludeRemedy(baseline(), relu()), /things at once/, 'not for a run that changes nothing else');
  });

  test('a seed that did not finish: the verdict says so, whatever the accuracy', () => {
    const set = fakeRunSet((seed) => relu(seed === 1 ? { stopped: 'the loss became NaN at epoch 2, step 1' } : {}), [0, 1, 2]);
    const p = parts(concludeRemedy(seeds(() => ({}), 'baseline'), set));
    assert.equal(p.verdict[0], '**Verdict: inconclusive.** 1 of 3 seeds did not finish.');
    assert.equal(p.verdict[1], 'the loss became NaN at epoch 2, step 1.');
  });

  test('saturation in the fold; ReLU\'s zero outputs are inactive units, not saturation', () => {
    const sentence = /Saturated hidden units at epoch 1/;
    assert.doesNotMatch(concludeRemedy(baseline({ sat: 0.049 }), relu({ sat: 0.049 })), sentence, '4.9 % is not more than 5 %');
    assert.match(concludeRemedy(baseline({ sat: 0.6 }), relu({ sat: 0.02 })), /Saturated hidden units at epoch 1: 60\.0 % in the baseline, 2\.0 % with ReLU\./);
    const b = fakeHistory('baseline', 2, ['hidden1', 'hidden2', 'output'], { layer: (_, li) => ({ activationGradRms: 1e-3, saturation: li < 2 ? 0 : null }) });
    const r = fakeHistory('relu', 2, ['hidden1', 'hidden2', 'output'], { layer: (_, li) => ({ activationGradRms: 1e-3, saturation: li < 2 ? 0.5 : null }) });
    r.config = { ...r.config, model: { ...r.config.model, activation: 'relu' } };
    assert.match(concludeRemedy(b, r), /Saturated hidden units at epoch 1: 0\.0 % in the baseline\. With ReLU, 50\.0 % of the units are inactive instead \(output exactly 0/);
  });

  test('judgeRuns keeps both lengths and the verdict for the index', () => {
    const long = fakeRunSet(() => relu({ acc: [0.9] }), [0, 1, 2]);
    const j = judgeRuns(seeds(() => ({})), study(long));
    assert.equal(j.verdict.outcome, 'works');
    assert.equal(j.study?.provenance, '100 epochs: from the study runs of 2026-12-04');
    assert.deepEqual(j.study?.perSeed.map((s) => s.finalValAcc), [0.9, 0.9, 0.9]);
    assert.equal(judgeRuns(baseline(), study(long)).study, null, 'no study run of the baseline here');
  });

  test('judgeRuns names what a run changes besides its remedy, against the baseline saved beside it', () => {
    const b = baseline();
    const r = relu();
    r.config = { ...r.config, model: { ...r.config.model, activation: 'relu', init: { kind: 'normal', std: 0.05 } }, optimizer: { kind: 'sgd', lr: 1e-3 } };
    assert.equal(judgeRuns(r, undefined, b).confound,
      "This run changes 3 things at once (ReLU, N(0, 0.05²) init, SGD lr 0.001) — its learning rate is 10x smaller than the baseline's: what it shows is theirs together.");
    assert.equal(judgeRuns(r).confound, null, 'no baseline beside it: nothing to compare with');
    assert.equal(judgeRuns(b, undefined, b).confound, null, 'the baseline itself');
    assert.match(concludeRemedy(b, r), /\*This run changes 3 things at once \(ReLU, N\(0, 0\.05²\) init, SGD lr 0\.001\)/, 'the conclusions say the same');
  });
});

describe('describeGradientFlow', () => {
  test('per-layer factor = 10^(decades / (hidden layers - 1)), at initialisation unless an epoch is given', () => {
    const h = fakeHistory('baseline', 2, LAYERS, { layer: (e, li) => ({ activationGradRms: [[3e-7, 1e-5, 2e-3, 9], [1e-6, 1e-5, 1e-4, 9]][e - 1][li] }) });
    // epoch 2: 1e-4 at hidden3, 1e-6 at hidden1: -2 decades over 2 crossings, 0.10 per layer (the output layer left out)
    assert.equal(
      describeGradientFlow(h, 1),
      'baseline (sigmoid), epoch 2: RMS dL/dh is 10⁻⁴ at hidden3 and 10⁻⁶ at hidden1, 1/100 of it: ' +
        'on average the gradient is multiplied by 0.10 at each layer it crosses.',
    );
    // no atInit: the first epoch. log10(3e-7 / 2e-3) = -3.8239 decades; / 2 = -1.9119 per layer; 10^-1.9119 = 0.0122
    // 3e-7 / 2e-3 = 1/6,667 → 1/6,700
    assert.match(describeGradientFlow(h), /^baseline \(sigmoid\), epoch 1: RMS dL\/dh is 2×10⁻³ at hidden3 and 3×10⁻⁷ at hidden1, 1\/6,700 of it: .*by 0\.012 at each/);
    h.atInit = { layers: LAYERS.map((n, li) => fakeLayer(n, { activationGradRms: [1e-3, 1e-2, 1e-1, 1][li] })) };
    assert.match(describeGradientFlow(h), /^baseline \(sigmoid\), at initialisation: RMS dL\/dh is 10⁻¹ at hidden3 and 10⁻³ at hidden1/);
  });

  test('too few hidden layers with a gradient: said so', () => {
    const h = fakeHistory('relu', 1, LAYERS, { layer: (_, li) => ({ activationGradRms: li === 3 ? 1e-2 : li === 0 ? 1e-3 : null }) });
    assert.equal(describeGradientFlow(h), 'ReLU: too few hidden layers with a gradient epoch 1 to describe its flow.');
  });
});


