import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  concludeRemedy,
  describeGradientFlow,
  flowVerdict,
  pow10,
  summarizeRun,
} from '../../lib/presentation/conclusions';
import { History } from '../../lib/runs/run';
import { assertClose, fakeHistory, fakeLayer, fakeRunSet } from '../helpers';

const LAYERS = ['hidden1', 'hidden2', 'hidden3', 'output'];

interface RunNumbers {
  /** RMS dL/dh at hidden1 at initialisation and at the last epoch (hidden3 has 1e-2 throughout). */
  g1: [number | null, number | null];
  /** Signal spread at hidden3 at initialisation and at the last epoch (hidden1 has 1e-1 throughout). */
  s3?: [number | null, number | null];
  /** mean |dL/dW| of hidden1 at epoch 1 (the output layer has 1e-2). */
  w1?: number | null;
  /** val acc per epoch */
  acc: number[];
  /** saturation of every hidden layer at every epoch */
  sat?: number | null;
  /** hidden1's update ratio at every epoch */
  upd?: number | null;
  stopped?: string;
}

/** The layers' numbers of a run at initialisation (at = 0) or at the last epoch (at = 1); filler elsewhere. */
function layerValues(s: RunNumbers, li: number, at: 0 | 1 | null) {
  const s3 = s.s3 ?? [1e-1, 1e-1];
  return {
    activationGradRms: li === 0 ? (at === null ? 1e-4 : s.g1[at]) : li === 2 ? 1e-2 : li === 1 ? 1e-3 : 5e-2,
    signalSpread: li === 0 ? 1e-1 : li === 2 ? (at === null ? 1e-2 : s3[at]) : li === 1 ? 5e-2 : null,
  };
}

/** A run of acc.length epochs with the chosen numbers (middle layers and middle epochs get filler values). */
function run(id: string, s: RunNumbers): History {
  const n = s.acc.length;
  const h = fakeHistory(id, n, LAYERS, {
    layer: (e, li) => ({
      ...layerValues(s, li, e === n ? 1 : null),
      weightGradMeanAbs: li === 0 ? (e === 1 ? (s.w1 === undefined ? 1e-5 : s.w1) : 1e-5) : li === 3 ? 1e-2 : 1e-4,
      saturation: li === 3 ? null : s.sat === undefined ? 0.02 : s.sat,
      updateRatio: li === 0 ? (s.upd === undefined ? 1e-3 : s.upd) : 5e-3,
    }),
    epoch: (e) => ({ valAcc: s.acc[e - 1] }),
    history: s.stopped ? { stopped: { reason: 'non-finite-loss', epoch: n + 1, step: 2, message: s.stopped } } : {},
  });
  h.atInit = { layers: LAYERS.map((name, li) => fakeLayer(name, layerValues(s, li, 0))) };
  return h;
}

/**
 * The baseline: RMS dL/dh at layer 1 is log10(1e-7 / 1e-2) = -5 decades of hidden3's at initialisation,
 * log10(1e-8 / 1e-2) = -6 at the last epoch; signal log10(1e-6 / 1e-1) = -5 both times; dL/dW
 * log10(6.3e-9 / 1e-2) = -6.2007; update ratio 3e-6 (log10 -5.52); 10 % accuracy.
 */
const BASELINE: RunNumbers = { g1: [1e-7, 1e-8], s3: [1e-6, 1e-6], w1: 6.3e-9, acc: [0.1, 0.1, 0.1], upd: 3e-6 };
const baseline = (over: Partial<RunNumbers> = {}) => run('baseline', { ...BASELINE, ...over });
/** ReLU: gradient log10(2e-3 / 1e-2) = -0.699 at init, -1 at the last epoch; signal -0.3 and 0; dW -0.7; update ratio 2e-3 (log10 -2.70). */
const relu = (over: Partial<RunNumbers> = {}) => run('relu', { g1: [2e-3, 1e-3], s3: [5e-2, 1e-1], w1: 2e-3, acc: [0.4, 0.7, 0.8], upd: 2e-3, ...over });

const bullets = (text: string) => text.split('\n');
const verdictOf = (text: string) => {
  const line = bullets(text).find((l) => l.startsWith('- **Verdict:** '));
  assert.ok(line, `a verdict line in:\n${text}`);
  return line.slice('- **Verdict:** '.length);
};

describe('flowVerdict', () => {
  test('flowVerdict: kept within FLOW_MARGIN (1) decade either way, lost below, grown above', () => {
    assert.equal(flowVerdict(-1.01), 'lost');
    assert.equal(flowVerdict(-0.99), 'kept');
    assert.equal(flowVerdict(0.99), 'kept');
    assert.equal(flowVerdict(1.01), 'grown');
    assert.equal(flowVerdict(null), null);
  });
});

describe('summarizeRun', () => {
  test('every field from the numbers chosen', () => {
    const h = fakeHistory('baseline', 4, LAYERS, {
      layer: (e, li) => ({
        activationGradRms: li === 0 ? [1e-7, 1e-6, 1e-6, 1e-5][e - 1] : li === 2 ? 1e-2 : 1e-4,
        signalSpread: li === 0 ? 0.1 : li === 2 ? [1, 1, 1, 1e-3][e - 1] : null,
        weightGradMeanAbs: li === 0 ? [1e-9, 1, 1, 1e-8][e - 1] : li === 3 ? 1e-2 : 1e-4,
        saturation: e === 1 ? [0.1, null, 0.4, null][li] : 0.9,
        updateRatio: li === 0 ? [1, 1, 1, 1e-4][e - 1] : 7,
      }),
      epoch: (e) => ({ valAcc: [0.2, 0.6, 0.6, 0.5][e - 1] }),
      history: { seconds: 42.5, backend: 'wasm' },
    });
    h.atInit = { layers: LAYERS.map((name, li) => fakeLayer(name, { activationGradRms: [1e-9, 1, 1e-3, 1][li], signalSpread: [1e-1, 1, 1e-5, null][li] })) };
    const s = summarizeRun(h);
    assert.equal(s.experiment, 'baseline');
    assert.equal(s.label, 'baseline (sigmoid)');
    assert.equal(s.epochs, 4);
    assert.equal(s.finalValAcc, 0.5);
    assert.equal(s.bestValAcc, 0.6);
    assert.equal(s.bestEpoch, 2, 'the first of two equal best epochs');
    assertClose(s.gradientRatioInit as number, -6, { atol: 1e-12, msg: 'log10(1e-9 / 1e-3) at initialisation' });
    assertClose(s.gradientRatioLast as number, -3, { atol: 1e-12, msg: 'log10(1e-5 / 1e-2) at the last epoch' });
    assertClose(s.signalRatioInit as number, -4, { atol: 1e-12, msg: 'log10(1e-5 / 1e-1)' });
    assertClose(s.signalRatioLast as number, -2, { atol: 1e-12, msg: 'log10(1e-3 / 1e-1)' });
    assertClose(s.weightGradRatioFirst as number, -7, { atol: 1e-12, msg: 'log10(1e-9 / 1e-2)' });
    assertClose(s.weightGradRatioLast as number, -6, { atol: 1e-12, msg: 'log10(1e-8 / 1e-2)' });
    assert.equal(s.depthLast, 3);
    assertClose(s.saturationFirst as number, 0.25, { atol: 1e-12, msg: 'mean of 0.1 and 0.4, nulls left out' });
    assertClose(s.updateRatioLast as number, -4, { atol: 1e-12, msg: "log10 of hidden1's update ratio at the last epoch" });
    assert.equal(s.seconds, 42.5);
    assert.equal(s.backend, 'wasm');
    assert.ok(!('stopped' in s), 'no stopped field for a finished run');
  });

  test('a stopped run keeps its reason; missing statistics give null', () => {
    const h = run('relu', { g1: [null, null], s3: [null, null], w1: null, acc: [0.3], sat: null, upd: null, stopped: 'loss became NaN at epoch 2, step 2' });
    const s = summarizeRun(h);
    assert.equal(s.stopped, 'loss became NaN at epoch 2, step 2');
    assert.equal(s.gradientRatioInit, null);
    assert.equal(s.gradientRatioLast, null);
    assertClose(s.signalRatioLast as number, Math.log10(5e-2 / 1e-1), { atol: 1e-12, msg: 'hidden3 has no signal: the deepest that has, hidden2' });
    assert.equal(s.weightGradRatioFirst, null);
    assert.equal(s.saturationFirst, null);
    assert.equal(s.updateRatioLast, null);
    assert.equal(s.bestEpoch, 1);
    delete h.atInit;
    assert.equal(summarizeRun(h).gradientRatioInit, null, 'statistics off: nothing at initialisation');
  });

  test('layer-wise: the hidden layers in use at the last epoch, frozen ones included', () => {
    const h = fakeHistory('layerwise', 2, ['hidden1', 'hidden2', 'hidden3', 'hidden4', 'output'], {
      // epoch 2: hidden1 and 2 frozen (no gradient, but a signal), hidden3 trained, hidden4 not in use
      layer: (e, li) => (e === 2 ? { activationGradRms: li === 2 || li === 4 ? 1 : null, signalSpread: li < 3 ? 1 : null } : {}),
    });
    const s = summarizeRun(h);
    assert.equal(s.depthLast, 3);
    assert.equal(s.gradientRatioLast, null, 'hidden1 frozen: no ratio');
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
    assert.equal(lines.length, 6, 'no saturation sentence at 2 % saturation');
    assert.equal(
      lines[0],
      '- The gradient that flows (RMS dL/dh), layer 1 over the last hidden layer: at initialisation 10⁻⁵·⁰ in the baseline and ' +
        '10⁻⁰·⁷ with ReLU; at the last epoch (3 and 3) 10⁻⁶·⁰ in the baseline and 10⁻¹·⁰ with ReLU.',
    );
    assert.equal(
      lines[1],
      "- The signal going forward (spread of a unit's output across images), last hidden layer over layer 1: at initialisation " +
        '10⁻⁵·⁰ in the baseline and 10⁻⁰·³ with ReLU; at the last epoch 10⁻⁵·⁰ in the baseline and 10⁰·⁰ with ReLU.',
    );
    assert.match(lines[2], /^- What the first weights get \(mean \|dL\/dW\|, layer 1 over the output layer, epoch 1\): 10⁻⁶·² in the baseline and 10⁻⁰·⁷ with ReLU\./);
    assert.equal(lines[3], "- Layer 1's weights move by 10⁻⁵·⁵ of their spread per step in the baseline and by 10⁻²·⁷ with ReLU (rule of thumb: about 10⁻³).");
    assert.equal(lines[4], '- Validation accuracy at the end: 10.0 % for the baseline, 80.0 % with ReLU (best 80.0 % at epoch 3; chance is 10 %).');
  });

  test('verdict: three answers at the last epoch, then what they mean', () => {
    assert.equal(
      verdictOf(concludeRemedy(baseline(), relu({ g1: [2e-3, 2e-3] }))),
      "at the last epoch, the gradient reaches layer 1 (10⁻⁰·⁷ of the last hidden layer's); the signal reaches the output " +
        "(10⁰·⁰ of layer 1's spread); the network learned (80.0 %, +70.0 points). ReLU keeps the gradient alive through the whole network from the start, and the network learns.",
    );
    // lost at initialisation (5 decades), kept at the last epoch: training brought it back, as Adam's does
    assert.match(
      verdictOf(concludeRemedy(baseline(), relu({ g1: [1e-7, 2e-3] }))),
      /the network learned \(80\.0 %, \+70\.0 points\)\. Untrained, the network loses the gradient on its way down as the baseline does; training with ReLU changed the weights until it reaches layer 1, and the network learns\.$/,
    );
    // the same accuracy with the gradient lost on the way down: learned by working around it
    assert.match(verdictOf(concludeRemedy(baseline(), relu({ g1: [2e-3, 1e-5] }))), /the gradient vanishes before layer 1 \(10⁻³·⁰.*the network learned .*The network learns although the gradient still vanishes before layer 1: ReLU works around/);
    assert.match(verdictOf(concludeRemedy(baseline(), relu({ g1: [1, 10] }))), /the gradient explodes on its way to layer 1 \(10³·⁰/);
    assert.match(verdictOf(concludeRemedy(baseline(), relu({ s3: [1e-6, 1e-4] }))), /the signal collapses before the output \(10⁻³·⁰ of layer 1's spread\)/);
  });

  test('verdict thresholds, on either side: 5 points of accuracy, 50 % to have learned, one decade of gradient', () => {
    const verdict = (remedy: Partial<RunNumbers>, base: Partial<RunNumbers> = {}) => verdictOf(concludeRemedy(baseline(base), relu(remedy)));
    // the remedy's gradient vanishes as the baseline's unless said otherwise
    const lost = { g1: BASELINE.g1 };
    assert.match(verdict({ ...lost, acc: [0.1, 0.1, 0.16] }), /did not learn \(16\.0 %, \+6\.0 points\)\. within 3 epochs ReLU helps only a little/);
    assert.match(verdict({ ...lost, acc: [0.1, 0.1, 0.14] }), /does not help\.$/);
    assert.match(verdict({ ...lost, acc: [0.5, 0.5, 0.44] }, { acc: [0.5, 0.5, 0.5] }), /-6\.0 points\)\. within 3 epochs ReLU does worse than the baseline\.$/);
    assert.match(verdict({ ...lost, acc: [0.5, 0.5, 0.46] }, { acc: [0.5, 0.5, 0.5] }), /does not help\.$/);
    assert.match(verdict({ ...lost, acc: [0.1, 0.1, 0.49] }), /did not learn \(49\.0 %, \+39\.0 points\)\. within 3 epochs ReLU helps only a little: 49\.0 % is still far/);
    assert.match(verdict({ ...lost, acc: [0.1, 0.1, 0.5] }), /the network learned \(50\.0 %, \+40\.0 points\)/);
    // no accuracy gained: a gradient within one decade counts as reaching layer 1, 1.1 decades below does not
    assert.match(verdict({ acc: [0.1, 0.1, 0.1], g1: [1, 1e-2 * 10 ** -0.9] }), /The gradient reaches layer 1, but within 3 epochs that has not turned into accuracy/);
    assert.match(verdict({ acc: [0.1, 0.1, 0.1], g1: [1, 1e-2 * 10 ** -1.1] }), /within 3 epochs ReLU does not help\.$/);
  });

  test('verdict: a stopped run, whatever its accuracy', () => {
    const v = verdictOf(concludeRemedy(baseline(), relu({ stopped: 'the loss became NaN at epoch 4, step 2' })));
    assert.equal(v, 'the run did not finish: the loss became NaN at epoch 4, step 2.');
  });

  test('missing numbers are said as such', () => {
    const missing = bullets(concludeRemedy(baseline(), relu({ g1: [null, null], s3: [null, null] })));
    assert.match(missing[0], /and n\/a with ReLU; .* and n\/a with ReLU\.$/);
    assert.match(missing[missing.length - 1], /the gradient was not measured; .*ReLU makes the network learn\.$/);
  });

  test('runs of different depth say how many hidden layers each ratio spans', () => {
    const deep = fakeHistory('relu', 1, ['hidden1', 'hidden2', 'hidden3', 'hidden4', 'hidden5', 'output'], { epoch: () => ({ valAcc: 0.1 }) });
    assert.match(bullets(concludeRemedy(baseline(), deep))[0], /in the baseline \(3 hidden layers\) and n\/a with ReLU \(5 hidden layers\)/);
    assert.doesNotMatch(concludeRemedy(baseline(), relu()), /hidden layers\)/, 'not when the depths agree');
  });

  test('the saturation sentence only when either run saturates more than 5 % at epoch 1', () => {
    const sentence = /Saturated hidden units at epoch 1/;
    assert.doesNotMatch(concludeRemedy(baseline({ sat: 0.02 }), relu({ sat: 0.04 })), sentence);
    assert.doesNotMatch(concludeRemedy(baseline({ sat: 0.049 }), relu({ sat: 0.049 })), sentence, '4.9 % is not more than 5 %');
    assert.doesNotMatch(concludeRemedy(baseline({ sat: null }), relu({ sat: null })), sentence);
    const both = bullets(concludeRemedy(baseline({ sat: 0.6 }), relu({ sat: 0.02 })));
    assert.equal(both.length, 7);
    assert.equal(both[3], '- Saturated hidden units at epoch 1: 60.0 % in the baseline, 2.0 % with ReLU.');
    assert.match(concludeRemedy(baseline({ sat: 0.01 }), relu({ sat: 0.3 })), /Saturated hidden units at epoch 1: 1\.0 % in the baseline, 30\.0 % with ReLU\./);
    assert.match(concludeRemedy(baseline({ sat: null }), relu({ sat: 0.3 })), /n\/a in the baseline, 30\.0 % with ReLU/);
  });
});

describe('pow10 and describeGradientFlow', () => {
  test('pow10 writes one decimal of the exponent', () => {
    assert.equal(pow10(-6.2007), '10⁻⁶·²');
    assert.equal(pow10(3), '10³·⁰');
    assert.equal(pow10(null), 'n/a');
    assert.equal(pow10(-0.04), '10⁰·⁰', 'no minus sign on a zero');
  });

  test('per-layer factor = 10^(decades / (hidden layers - 1)), at initialisation unless an epoch is given', () => {
    const h = fakeHistory('baseline', 2, LAYERS, { layer: (e, li) => ({ activationGradRms: [[3e-7, 1e-5, 2e-3, 9], [1e-6, 1e-5, 1e-4, 9]][e - 1][li] }) });
    // epoch 2: 1e-4 at hidden3, 1e-6 at hidden1: -2 decades over 2 crossings, 0.10 per layer (the output layer left out)
    assert.equal(
      describeGradientFlow(h, 1),
      'baseline (sigmoid), epoch 2: RMS dL/dh is 1.0e-4 at hidden3 and 1.0e-6 at hidden1, 10⁻²·⁰ of it: ' +
        'on average the gradient is multiplied by 10⁻¹·⁰ ≈ 0.10 at each layer it crosses.',
    );
    // no atInit: the first epoch. log10(3e-7 / 2e-3) = -3.8239 decades; / 2 = -1.9119 per layer; 10^-1.9119 = 0.0122
    assert.match(describeGradientFlow(h), /^baseline \(sigmoid\), epoch 1: .*10⁻³·⁸ of it: .*10⁻¹·⁹ ≈ 0\.012 at each/);
    h.atInit = { layers: LAYERS.map((n, li) => fakeLayer(n, { activationGradRms: [1e-3, 1e-2, 1e-1, 1][li] })) };
    assert.match(describeGradientFlow(h), /^baseline \(sigmoid\), at initialisation: RMS dL\/dh is 1\.0e-1 at hidden3 and 1\.0e-3 at hidden1/);
  });

  test('too few hidden layers with a gradient: said so', () => {
    const h = fakeHistory('relu', 1, LAYERS, { layer: (_, li) => ({ activationGradRms: li === 3 ? 1e-2 : li === 0 ? 1e-3 : null }) });
    assert.equal(describeGradientFlow(h), 'ReLU: too few hidden layers with a gradient epoch 1 to describe its flow.');
  });
});

describe('concludeRemedy with a ReLU remedy', () => {
  test("calls ReLU's zero outputs inactive units, not saturation", () => {
    const b = fakeHistory('baseline', 2, ['hidden1', 'hidden2', 'output'], { layer: (_, li) => ({ activationGradRms: 1e-3, saturation: li < 2 ? 0 : null }) });
    const r = fakeHistory('relu', 2, ['hidden1', 'hidden2', 'output'], { layer: (_, li) => ({ activationGradRms: 1e-3, saturation: li < 2 ? 0.5 : null }) });
    r.config = { ...r.config, model: { ...r.config.model, activation: 'relu' } };
    const text = concludeRemedy(b, r);
    assert.match(text, /Saturated hidden units at epoch 1: 0\.0 % in the baseline\. With ReLU, 50\.0 % of the units are inactive instead \(output exactly 0/);
    assert.doesNotMatch(text, /50\.0 % with ReLU/);
  });
});


describe('concludeRemedy over seeds', () => {
  const seeds = (accs: number[], g1s: Array<[number, number]>) =>
    fakeRunSet((seed) => relu({ acc: [0.1, 0.1, accs[seed]], g1: g1s[seed] }), [0, 1, 2]);
  const base = fakeRunSet(() => baseline(), [0, 1, 2]);

  test('numbers are means over the seeds with their range; the verdict counts seeds', () => {
    // hidden1 / hidden3 at the last epoch: 1e-3, 2e-3, 4e-3 over 1e-2 → -1, -0.699, -0.398 decades, mean -0.699
    const text = concludeRemedy(base, seeds([0.7, 0.8, 0.9], [[2e-3, 1e-3], [2e-3, 2e-3], [2e-3, 4e-3]]));
    const lines = bullets(text);
    assert.equal(lines[0], '- Over 3 seeds (0, 1, 2): each number is the mean, with the range over seeds in brackets.');
    assert.match(lines[1], /at the last epoch \(3 and 3\) 10⁻⁶·⁰ \(10⁻⁶·⁰ to 10⁻⁶·⁰\) in the baseline and 10⁻⁰·⁷ \(10⁻¹·⁰ to 10⁻⁰·⁴\) with ReLU\.$/);
    assert.match(text, /Validation accuracy at the end: 10\.0 % \(10\.0 % to 10\.0 %\) for the baseline, 80\.0 % \(70\.0 % to 90\.0 %\) with ReLU/);
    assert.equal(
      verdictOf(text),
      "at the last epoch, the gradient reaches layer 1 in all 3 seeds (10⁻⁰·⁷ (10⁻¹·⁰ to 10⁻⁰·⁴) of the last hidden layer's); " +
        "the signal reaches the output in all 3 seeds (10⁰·⁰ (10⁰·⁰ to 10⁰·⁰) of layer 1's spread); " +
        'the network learned in all 3 seeds (80.0 % (70.0 % to 90.0 %)). ReLU keeps the gradient alive through the whole network from the start, and the network learns.',
    );
  });

  test('seeds that disagree make the verdict inconclusive, naming on what', () => {
    // the case: one seed at chance, one at 32 %, one that learned
    const v = verdictOf(concludeRemedy(base, seeds([0.09, 0.32, 0.7], [[2e-3, 1e-3], [2e-3, 1e-3], [2e-3, 1e-3]])));
    assert.match(v, /the network learned in 1 of 3 seeds \(37\.0 % \(9\.0 % to 70\.0 %\)\)\. \*\*Inconclusive:\*\* the seeds disagree on whether the network learns, so no single answer holds/);
    const g = verdictOf(concludeRemedy(base, seeds([0.8, 0.8, 0.8], [[2e-3, 1e-3], [2e-3, 1e-6], [2e-3, 1e-3]])));
    assert.match(g, /the gradient reaches layer 1 in 2 of 3 seeds, vanishes before layer 1 in 1 of 3 seeds/);
    assert.match(g, /the seeds disagree on whether the gradient reaches layer 1,/);
    const none = verdictOf(concludeRemedy(base, seeds([0.1, 0.11, 0.1], [[1e-7, 1e-8], [1e-7, 1e-8], [1e-7, 1e-8]])));
    assert.match(none, /the network did not learn in any of the 3 seeds .*within 3 epochs ReLU does not help\.$/);
  });

  test('a seed that did not finish is said as such', () => {
    const set = fakeRunSet((seed) => relu(seed === 1 ? { stopped: 'the loss became NaN at epoch 2, step 1' } : {}), [0, 1, 2]);
    assert.equal(verdictOf(concludeRemedy(base, set)), '1 of 3 seeds did not finish: the loss became NaN at epoch 2, step 1.');
  });
});
