import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  concludeRemedy,
  describeGradientFlow,
  gradientRatio,
  pow10,
  summarizeRun,
} from '../../lib/presentation/conclusions';
import { History } from '../../lib/training/run';
import { assertClose, fakeEpoch, fakeHistory, fakeLayer } from '../helpers';

const LAYERS = ['hidden1', 'hidden2', 'hidden3', 'output'];

interface RunSpec {
  /** mean |dL/dW| of hidden1 and of the output layer at the first and at the last epoch */
  g1: [number | null, number | null];
  out: [number | null, number | null];
  /** val acc per epoch */
  acc: number[];
  /** saturation of every hidden layer at every epoch */
  sat?: number | null;
  /** hidden1's update ratio at every epoch */
  upd?: number | null;
  stopped?: string;
}

/** A run of acc.length epochs with the chosen numbers (middle layers and middle epochs get filler values). */
function run(id: string, s: RunSpec): History {
  const n = s.acc.length;
  return fakeHistory(id, n, LAYERS, {
    layer: (e, li) => {
      const at = (pair: [number | null, number | null]) => (e === 1 ? pair[0] : e === n ? pair[1] : 1e-4);
      return {
        weightGradMeanAbs: li === 0 ? at(s.g1) : li === 3 ? at(s.out) : 1e-4,
        saturation: li === 3 ? null : s.sat === undefined ? 0.02 : s.sat,
        updateRatio: li === 0 ? (s.upd === undefined ? 1e-3 : s.upd) : 5e-3,
      };
    },
    epoch: (e) => ({ valAcc: s.acc[e - 1] }),
    history: s.stopped ? { stopped: { reason: 'non-finite-loss', epoch: n + 1, step: 2, message: s.stopped } } : {},
  });
}

/**
 * The baseline: layer 1 gets log10(6.3e-9 / 1e-2) = -6.2007 decades of the output's gradient at
 * epoch 1, log10(2e-8 / 1e-2) = -5.699 at the last; update ratio 3e-6 (log10 -5.52); 10 % accuracy.
 */
const BASELINE: RunSpec = { g1: [6.3e-9, 2e-8], out: [1e-2, 1e-2], acc: [0.1, 0.1, 0.1], upd: 3e-6 };
const baseline = (over: Partial<RunSpec> = {}) => run('baseline', { ...BASELINE, ...over });
/** ReLU: log10(2e-3 / 1e-2) = -0.699 at epoch 1, log10(1e-3 / 1e-2) = -1 at the last; update ratio 2e-3 (log10 -2.70). */
const relu = (over: Partial<RunSpec> = {}) => run('relu', { g1: [2e-3, 1e-3], out: [1e-2, 1e-2], acc: [0.4, 0.7, 0.8], upd: 2e-3, ...over });

const bullets = (text: string) => text.split('\n');
const verdictOf = (text: string) => {
  const line = bullets(text).find((l) => l.startsWith('- **Verdict:** '));
  assert.ok(line, `a verdict line in:\n${text}`);
  return line.slice('- **Verdict:** '.length);
};

describe('gradientRatio', () => {
  test('log10(hidden1 mean |dW|) - log10(output mean |dW|) at one epoch', () => {
    const e = fakeEpoch(1, [fakeLayer('hidden1', { weightGradMeanAbs: 3e-8 }), fakeLayer('hidden2', { weightGradMeanAbs: 9 }), fakeLayer('output', { weightGradMeanAbs: 2e-2 })]);
    // log10(3e-8) = -7.5229, log10(2e-2) = -1.6990
    assertClose(gradientRatio(e) as number, -7.522878745280337 - -1.6989700043360187, { atol: 1e-12, msg: 'ratio' });
    const up = fakeEpoch(1, [fakeLayer('hidden1', { weightGradMeanAbs: 1 }), fakeLayer('output', { weightGradMeanAbs: 1e-3 })]);
    assertClose(gradientRatio(up) as number, 3, { atol: 1e-12, msg: 'more gradient at layer 1 is positive' });
  });

  test('null when either value is null or 0, or there are no layers', () => {
    const e = (a: number | null, b: number | null) => fakeEpoch(1, [fakeLayer('hidden1', { weightGradMeanAbs: a }), fakeLayer('output', { weightGradMeanAbs: b })]);
    assert.equal(gradientRatio(e(null, 1e-2)), null);
    assert.equal(gradientRatio(e(1e-6, null)), null);
    assert.equal(gradientRatio(e(0, 1e-2)), null);
    assert.equal(gradientRatio(e(1e-6, 0)), null);
    assert.equal(gradientRatio(fakeEpoch(1, [])), null);
  });
});

describe('summarizeRun', () => {
  test('every field from the numbers chosen', () => {
    const h = fakeHistory('baseline', 4, LAYERS, {
      layer: (e, li) => ({
        weightGradMeanAbs: li === 0 ? [1e-7, 1e-6, 1e-6, 1e-5][e - 1] : li === 3 ? 1e-2 : 1e-4,
        saturation: e === 1 ? [0.1, null, 0.4, null][li] : 0.9,
        updateRatio: li === 0 ? [1, 1, 1, 1e-4][e - 1] : 7,
      }),
      epoch: (e) => ({ valAcc: [0.2, 0.6, 0.6, 0.5][e - 1] }),
      history: { seconds: 42.5, backend: 'wasm' },
    });
    const s = summarizeRun(h);
    assert.equal(s.experiment, 'baseline');
    assert.equal(s.label, 'baseline (sigmoid)');
    assert.equal(s.epochs, 4);
    assert.equal(s.finalValAcc, 0.5);
    assert.equal(s.bestValAcc, 0.6);
    assert.equal(s.bestEpoch, 2, 'the first of two equal best epochs');
    assertClose(s.gradientRatioFirst as number, -5, { atol: 1e-12, msg: 'log10(1e-7 / 1e-2)' });
    assertClose(s.gradientRatioLast as number, -3, { atol: 1e-12, msg: 'log10(1e-5 / 1e-2)' });
    assertClose(s.saturationFirst as number, 0.25, { atol: 1e-12, msg: 'mean of 0.1 and 0.4, nulls left out' });
    assertClose(s.updateRatioLast as number, -4, { atol: 1e-12, msg: "log10 of hidden1's update ratio at the last epoch" });
    assert.equal(s.seconds, 42.5);
    assert.equal(s.backend, 'wasm');
    assert.ok(!('stopped' in s), 'no stopped field for a finished run');
  });

  test('a stopped run keeps its reason; null statistics give null', () => {
    const h = run('relu', { g1: [null, null], out: [1e-2, 1e-2], acc: [0.3], sat: null, upd: null, stopped: 'loss became NaN at epoch 2, step 2' });
    const s = summarizeRun(h);
    assert.equal(s.stopped, 'loss became NaN at epoch 2, step 2');
    assert.equal(s.gradientRatioFirst, null);
    assert.equal(s.saturationFirst, null);
    assert.equal(s.updateRatioLast, null);
    assert.equal(s.bestEpoch, 1);
  });

  test('an unknown experiment id is its own label', () => {
    assert.equal(summarizeRun(fakeHistory('my-try', 1, LAYERS)).label, 'my-try');
  });

  test('a run with no epochs: a clear error, with the reason it stopped', () => {
    assert.throws(() => summarizeRun(fakeHistory('relu', 0, LAYERS)), /run relu has no completed epoch$/);
    const stopped = fakeHistory('relu', 0, LAYERS, { history: { stopped: { reason: 'interrupted', epoch: 1, step: 3, message: 'interrupted at epoch 1, step 3' } } });
    assert.throws(() => summarizeRun(stopped), /run relu has no completed epoch: interrupted at epoch 1, step 3/);
  });
});

describe('concludeRemedy', () => {
  test('the numbers: powers of ten, accuracies as percentages, best epoch', () => {
    const text = concludeRemedy(baseline(), relu());
    const lines = bullets(text);
    assert.ok(lines.every((l) => l.startsWith('- ')), `markdown bullets:\n${text}`);
    assert.equal(lines.length, 5, 'no saturation sentence at 2 % saturation');
    assert.equal(
      lines[0],
      "- At epoch 1, layer 1 receives 10<sup>-6.2</sup> of the output layer's mean |dL/dW| in the baseline and 10<sup>-0.7</sup> with ReLU: 5.5 decades more gradient at layer 1.",
    );
    assert.equal(lines[1], '- At the last epoch (3 and 3): 10<sup>-5.7</sup> in the baseline, 10<sup>-1.0</sup> with ReLU.');
    assert.equal(lines[2], "- Layer 1's weights move by 10<sup>-5.5</sup> of their spread per step in the baseline and by 10<sup>-2.7</sup> with ReLU (rule of thumb: about 10<sup>-3</sup>).");
    assert.equal(lines[3], '- Validation accuracy at the end: 10.0 % for the baseline, 80.0 % with ReLU (best 80.0 % at epoch 3; chance is 10 %).');
  });

  test('verdict thresholds, on either side: 5 points of accuracy, 50 % to have learned, one decade of gradient', () => {
    const verdict = (remedy: Partial<RunSpec>, base: Partial<RunSpec> = {}) => verdictOf(concludeRemedy(baseline(base), relu(remedy)));
    // the baseline ends at 10 %; the remedy's gradient at layer 1 is the baseline's unless said otherwise
    const same = { g1: BASELINE.g1 };
    assert.match(verdict({ ...same, acc: [0.1, 0.1, 0.16] }), /helps only a little: \+6\.0 points/);
    assert.match(verdict({ ...same, acc: [0.1, 0.1, 0.14] }), /does not help/);
    assert.match(verdict({ ...same, acc: [0.5, 0.5, 0.44] }, { acc: [0.5, 0.5, 0.5] }), /does worse than the baseline \(-6\.0 points\)/);
    assert.match(verdict({ ...same, acc: [0.5, 0.5, 0.46] }, { acc: [0.5, 0.5, 0.5] }), /does not help/);
    assert.match(verdict({ acc: [0.1, 0.1, 0.49] }), /helps only a little: \+39\.0 points, but 49\.0 %/);
    assert.match(verdict({ acc: [0.1, 0.1, 0.5] }), /makes the network learn: 50\.0 %/);
    // no accuracy gained: 1.1 decades more gradient at layer 1 than the baseline's counts as restored, 0.9 does not
    assert.match(verdict({ acc: [0.1, 0.1, 0.1], g1: [BASELINE.g1[0]! * 10 ** 1.1, 1e-8] }), /^the gradient now reaches layer 1/);
    assert.match(verdict({ acc: [0.1, 0.1, 0.1], g1: [BASELINE.g1[0]! * 10 ** 0.9, 1e-8] }), /does not help/);
  });

  test('verdict: learned (gain ≥ margin, accuracy ≥ LEARNED_ACCURACY)', () => {
    assert.equal(verdictOf(concludeRemedy(baseline(), relu())), 'within 3 epochs ReLU makes the network learn: 80.0 %, +70.0 points of validation accuracy over the baseline.');
    // just above the bar: 0.1 → 0.5 is +40 points and exactly LEARNED_ACCURACY
    assert.match(verdictOf(concludeRemedy(baseline(), relu({ acc: [0.2, 0.3, 0.5] }))), /makes the network learn: 50\.0 %, \+40\.0 points/);
  });

  test('verdict: helps only a little (gain ≥ margin, accuracy below LEARNED_ACCURACY)', () => {
    const v = verdictOf(concludeRemedy(baseline(), relu({ acc: [0.2, 0.3, 0.3] })));
    assert.equal(v, 'within 3 epochs ReLU helps only a little: +20.0 points, but 30.0 % is still far from a trained network (an MLP reaches about 85-89 % on FashionMNIST).');
  });

  test('verdict: worse (gain ≤ -margin)', () => {
    const v = verdictOf(concludeRemedy(baseline({ acc: [0.3, 0.4, 0.5] }), relu({ acc: [0.2, 0.3, 0.25] })));
    assert.equal(v, 'within 3 epochs ReLU does worse than the baseline (-25.0 points).');
  });

  test('verdict: the gradient restored (≥ GRADIENT_MARGIN decades more at layer 1) without accuracy', () => {
    // log10(1e-7 / 1e-2) = -5: 1.2 decades more than the baseline's -6.2007
    const v = verdictOf(concludeRemedy(baseline(), relu({ g1: [1e-7, 1e-7], acc: [0.1, 0.11, 0.12] })));
    assert.match(v, /^the gradient now reaches layer 1, but within 3 epochs that has not yet turned into accuracy/);
  });

  test('verdict: does not help (little gain, less than a decade of gradient)', () => {
    // log10(1e-8 / 1e-2) = -6: 0.2 decades more than the baseline
    const text = concludeRemedy(baseline(), relu({ g1: [1e-8, 1e-8], acc: [0.1, 0.11, 0.12] }));
    assert.equal(verdictOf(text), 'within 3 epochs ReLU does not help: neither the gradient reaching layer 1 nor the accuracy improves by much.');
    assert.match(bullets(text)[0], /10<sup>-6\.0<\/sup> with ReLU: 0\.2 decades more gradient at layer 1\.$/);
  });

  test('verdict: a stopped run, whatever its accuracy', () => {
    const v = verdictOf(concludeRemedy(baseline(), relu({ stopped: 'the loss became NaN at epoch 4, step 2' })));
    assert.equal(v, 'the run did not finish: the loss became NaN at epoch 4, step 2.');
  });

  test('less gradient, no change, and a missing ratio are said as such', () => {
    const less = concludeRemedy(baseline(), relu({ g1: [1e-9, 1e-9], acc: [0.1, 0.1, 0.1] }));
    // log10(1e-9 / 1e-2) = -7: 0.8 decades less
    assert.match(bullets(less)[0], /10<sup>-7\.0<\/sup> with ReLU: 0\.8 decades less gradient at layer 1\.$/);
    const same = concludeRemedy(baseline(), relu({ g1: [6.4e-9, 1e-9], acc: [0.1, 0.1, 0.1] }));
    assert.match(bullets(same)[0], /10<sup>-6\.2<\/sup> with ReLU \(no change\)\.$/);
    const missing = concludeRemedy(baseline(), relu({ out: [0, 0] }));
    assert.match(bullets(missing)[0], /and n\/a with ReLU\.$/);
    assert.match(bullets(missing)[1], /n\/a with ReLU\.$/);
  });

  test('the saturation sentence only when either run saturates more than 5 % at epoch 1', () => {
    const sentence = /Saturated hidden units at epoch 1/;
    assert.doesNotMatch(concludeRemedy(baseline({ sat: 0.02 }), relu({ sat: 0.04 })), sentence);
    assert.doesNotMatch(concludeRemedy(baseline({ sat: 0.049 }), relu({ sat: 0.049 })), sentence, '4.9 % is not more than 5 %');
    assert.doesNotMatch(concludeRemedy(baseline({ sat: null }), relu({ sat: null })), sentence);
    const both = bullets(concludeRemedy(baseline({ sat: 0.6 }), relu({ sat: 0.02 })));
    assert.equal(both.length, 6);
    assert.equal(both[2], '- Saturated hidden units at epoch 1: 60.0 % in the baseline, 2.0 % with ReLU.');
    assert.match(concludeRemedy(baseline({ sat: 0.01 }), relu({ sat: 0.3 })), /Saturated hidden units at epoch 1: 1\.0 % in the baseline, 30\.0 % with ReLU\./);
    assert.match(concludeRemedy(baseline({ sat: null }), relu({ sat: 0.3 })), /n\/a in the baseline, 30\.0 % with ReLU/);
  });
});

describe('pow10 and describeGradientFlow', () => {
  test('pow10 writes one decimal of the exponent', () => {
    assert.equal(pow10(-6.2007), '10<sup>-6.2</sup>');
    assert.equal(pow10(3), '10<sup>3.0</sup>');
    assert.equal(pow10(null), 'n/a');
  });

  test('per-layer factor = 10^(decades / (layers - 1))', () => {
    // 1e-3 at the output, 1e-6 at hidden1: -3 decades over 3 crossings, a factor 10^-1 = 0.10 per layer
    const h = fakeHistory('baseline', 2, LAYERS, { layer: (e, li) => ({ weightGradMeanAbs: [[1e-6, 1e-5, 1e-4, 1e-3], [3e-7, 1e-5, 1e-4, 2e-3]][e - 1][li] }) });
    assert.equal(
      describeGradientFlow(h),
      'baseline (sigmoid), epoch 1: mean |dL/dW| is 1.0e-3 at output and 1.0e-6 at hidden1, 10<sup>-3.0</sup> of it: ' +
        'on average the gradient is multiplied by 10<sup>-1.0</sup> ≈ 0.10 at each layer it crosses.',
    );
    // log10(3e-7 / 2e-3) = -3.8239 decades; / 3 = -1.2746 per layer; 10^-1.2746 = 0.0531
    assert.equal(
      describeGradientFlow(h, 1),
      'baseline (sigmoid), epoch 2: mean |dL/dW| is 2.0e-3 at output and 3.0e-7 at hidden1, 10<sup>-3.8</sup> of it: ' +
        'on average the gradient is multiplied by 10<sup>-1.3</sup> ≈ 0.053 at each layer it crosses.',
    );
  });

  test('too few layers with a gradient: said so', () => {
    const h = fakeHistory('relu', 1, LAYERS, { layer: (_, li) => ({ weightGradMeanAbs: li === 3 ? 1e-2 : li === 0 ? 0 : null }) });
    assert.equal(describeGradientFlow(h), 'ReLU: too few layers with a gradient at epoch 1 to describe its flow.');
  });
});

describe('concludeRemedy with a ReLU remedy', () => {
  test("calls ReLU's zero outputs inactive units, not saturation", () => {
    const b = fakeHistory('baseline', 2, ['hidden1', 'hidden2', 'output'], { layer: (_, li) => ({ weightGradMeanAbs: 1e-3, saturation: li < 2 ? 0 : null }) });
    const r = fakeHistory('relu', 2, ['hidden1', 'hidden2', 'output'], { layer: (_, li) => ({ weightGradMeanAbs: 1e-3, saturation: li < 2 ? 0.5 : null }) });
    r.config = { ...r.config, model: { ...r.config.model, activation: 'relu' } };
    const text = concludeRemedy(b, r);
    assert.match(text, /Saturated hidden units at epoch 1: 0\.0 % in the baseline\. With ReLU, 50\.0 % of the units are inactive instead \(output exactly 0/);
    assert.doesNotMatch(text, /50\.0 % with ReLU/);
  });
});

