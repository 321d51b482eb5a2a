/** A run beside the same run at the study's length, and the index page's overview of every remedy. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { atStudyLength, plotBothLengths, plotStudyOverview } from '../../lib/presentation/lengths';
import { BASELINE_COLOR } from '../../lib/presentation/plots';
import { RunSetSummary, runSetSummary } from '../../lib/presentation/summary';
import { JudgedRunSet, judgeLengths } from '../../lib/presentation/verdicts';
import { RunSet } from '../../lib/runs/seeds';
import { StudyRuns } from '../../lib/runs/study';
import { LayerwiseSchedule } from '../../lib/spec/spec';
import { Trace } from '../../lib/presentation/plots';
import { assertClose, fakeHistory, fakeRunSet } from '../helpers';

const LAYERS = ['hidden1', 'hidden2', 'output'];

/** A plain run of `epochs` epochs whose validation accuracy is `acc(epoch, seed)`. */
const plain = (id: string, epochs: number, acc: (e: number, seed: number) => number) =>
  fakeRunSet((seed) => fakeHistory(id, epochs, LAYERS, { epoch: (e) => ({ valAcc: acc(e, seed), trainLoss: 2.3 / e }) }));

/** A layer-wise run: `stages` stages of `perStage` epochs each. */
function layerwise(perStage: number, stages = 3, acc: (e: number) => number = () => 0.1): RunSet {
  return fakeRunSet((seed) => {
    const h = fakeHistory('layerwise', perStage * stages, LAYERS, { epoch: (e) => ({ valAcc: acc(e), trainLoss: 2, stage: Math.ceil(e / perStage) }) });
    const schedule: LayerwiseSchedule = {
      kind: 'layerwise', stageEpochs: perStage, blocks: [[1], [2]],
      stages: Array.from({ length: stages }, (_, i) => ({ blocks: Math.min(2, i + 1), train: [Math.min(2, i + 1)] })),
    };
    return { ...h, seed, config: { ...h.config, schedule } };
  });
}

function study(...sets: RunSet[]): StudyRuns {
  return { source: 'file', date: '2026-12-04T10:00:00Z', provenance: '100 epochs: from the study runs of 2026-12-04', sets: new Map(sets.map((s) => [s.experiment, s])) };
}

/** The same runs as a spec derived from their experiment (`vg.run({ from: …, … })`). */
function derive(set: RunSet, change: string): RunSet {
  const runs = set.runs.map((h) => ({ ...h, config: { ...h.config, changes: [change] } }));
  return { ...set, runs, config: runs[0].config };
}

const traces = (fig: { data: Trace[] }, name: RegExp) => fig.data.filter((t) => name.test(String(t.name ?? '')));

describe('atStudyLength', () => {
  test('the same named experiment from the study runs; none for a derived spec', () => {
    const long = plain('relu', 100, () => 0.6);
    const s = study(long);
    assert.equal(atStudyLength(plain('relu', 10, () => 0.2), s), long);
    assert.equal(atStudyLength(derive(plain('relu', 10, () => 0.2), 'He init'), s), undefined, 'the study did not train a derived spec');
    assert.equal(atStudyLength(plain('adam', 10, () => 0.2), s), undefined);
    assert.equal(atStudyLength(plain('relu', 10, () => 0.2), undefined), undefined);
    const fewer = plain('relu', 2, () => 0.2);
    fewer.runs = fewer.runs.map((h) => ({ ...h, config: { ...h.config, limit: 2000 } }));
    assert.equal(atStudyLength(fewer, s), undefined, 'a run on 2,000 images (the smoke preset) is not the study\'s');
  });
});

describe('plotBothLengths', () => {
  test("the study run's mean and min–max band over 100 epochs, the live epochs as circles over their first ones, in one colour", () => {
    const long = plain('relu', 100, (e, seed) => Math.min(0.9, 0.01 * e + 0.05 * seed));
    const live = plain('relu', 10, (e) => 0.01 * e + 0.05);
    const fig = plotBothLengths([live], study(long));
    const [mean] = traces(fig, /^ReLU, 100 epochs$/);
    assert.equal((mean.x as number[]).length, 100);
    // epoch 50: seeds 0.5, 0.55, 0.6 → mean 55 %
    assertClose((mean.y as number[])[49], 55, { atol: 1e-9, msg: 'the mean over seeds, in %' });
    const band = fig.data.filter((t) => t.fill === 'tonexty' && t.xaxis === 'x');
    assert.equal(band.length, 1, 'one band in the accuracy panel');
    assertClose((band[0].y as number[])[49], 60, { atol: 1e-9, msg: "the band's top: the highest seed" });
    const [circles] = traces(fig, /this notebook's 10 epochs$/);
    assert.deepEqual(circles.x, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'the live epochs over the first ten');
    assertClose(circles.y as number[], Array.from({ length: 10 }, (_, i) => i + 6), { atol: 1e-9, msg: 'live accuracy in %' });
    assert.equal((circles.marker as { symbol: string }).symbol, 'circle-open');
    assert.equal((circles.marker as { color: string }).color, (mean.line as { color: string }).color, 'the run in one colour');
    assert.match(fig.layout.title.text, /Where the first 10 epochs lead<br><sup>100 epochs: from the study runs of 2026-12-04<br>/, 'says where the 100 epochs come from');
    const shapes = fig.layout.shapes as Array<{ y0: number; x0: number; line: { dash: string } }>;
    assert.ok(shapes.some((s) => s.y0 === 50 && s.line.dash === 'dash'), 'the 50 % line');
    assert.ok(shapes.some((s) => s.x0 === 10.5 && s.line.dash === 'dot'), "the live run's end");
    assert.equal((fig.layout.yaxis2 as { type: string }).type, 'log', 'the loss on a log axis');
  });

  test("the baseline grey; a run the study did not train is drawn alone and says so", () => {
    const base = plain('baseline', 10, () => 0.1);
    const derived = derive(plain('relu', 10, () => 0.3), 'He init');
    const fig = plotBothLengths([base, derived], study(plain('baseline', 100, () => 0.1)));
    assert.equal((traces(fig, /^baseline \(sigmoid\), 100 epochs$/)[0].line as { color: string }).color, BASELINE_COLOR);
    assert.equal(traces(fig, /^ReLU, 100 epochs/).length, 0);
    assert.deepEqual(traces(fig, /^ReLU, this notebook's 10 epochs \(no study run of this spec\)$/).map((t) => t.xaxis), ['x', 'x2'], 'its circles alone, in both panels');
  });

  test("layer-wise: each stage's live epochs sit over the start of the same stage at the study's length, stage lines dotted", () => {
    const long = layerwise(100);
    const live = layerwise(3);
    const fig = plotBothLengths([live], study(long));
    const [circles] = traces(fig, /this notebook's 9 epochs$/);
    assert.deepEqual(circles.x, [1, 2, 3, 101, 102, 103, 201, 202, 203]);
    const stageLines = (fig.layout.shapes as Array<{ x0: number; xref: string; line: { dash: string } }>).filter((s) => s.line.dash === 'dot' && s.xref === 'x');
    assert.deepEqual(stageLines.map((s) => s.x0), [100.5, 200.5]);
    assert.match(fig.layout.title.text, /dotted: stage boundaries/);
  });
});

describe('plotStudyOverview', () => {
  const judged = (set: RunSet, long: RunSet): RunSetSummary & Partial<JudgedRunSet> => {
    const s = runSetSummary(set);
    const l = runSetSummary(long);
    return { ...s, study: { provenance: 'p', perSeed: l.perSeed }, verdict: judgeLengths(s.perSeed, l.perSeed) };
  };

  test('a panel per remedy with its curve, the baseline grey beside it, and the live final accuracy at its length; the verdict in the title', () => {
    const base = plain('baseline', 100, () => 0.1);
    const slow = plain('custom-norm', 100, (e) => (e > 40 ? 0.8 : 0.1));
    const fast = plain('batchnorm', 100, () => 0.85);
    const lw = layerwise(100, 3, (e) => (e > 250 ? 0.7 : 0.1));
    const liveSlow = plain('custom-norm', 10, () => 0.1);
    const liveFast = plain('batchnorm', 10, () => 0.8);
    const liveLw = layerwise(3);
    const fig = plotStudyOverview(study(base, slow, fast, lw), [judged(liveSlow, slow), judged(liveFast, fast), judged(liveLw, lw)]);
    const titles = (fig.layout.annotations as Array<{ text: string }>).map((a) => a.text);
    assert.deepEqual(titles, ['<b>custom-norm</b>: slow', '<b>BatchNorm</b>: works', '<b>layer-wise training</b>: slow']);
    const greys = fig.data.filter((t) => t.name && t.mode === 'lines' && (t.line as { color: string }).color === BASELINE_COLOR);
    assert.deepEqual(greys.map((t) => t.xaxis), ['x', 'x2'], "the baseline beside each plain remedy, not on the layer-wise panel's 300 epochs");
    const live = fig.data.filter((t) => t.mode === 'markers');
    assert.deepEqual(live.map((t) => [t.xaxis, (t.x as number[])[0]]), [['x', 10], ['x2', 10], ['x3', 203]], "each live run at its length (layer-wise: 3 epochs into its last stage)");
    assertClose(live.map((t) => (t.y as number[])[0]), [10, 80, 10], { atol: 1e-9, msg: 'its final accuracy, in %' });
    assert.match(fig.layout.title.text, /100 epochs: from the study runs of 2026-12-04/);
    assert.equal((fig.layout.shapes as unknown[]).length, 3, 'a 50 % line per panel');
  });
});
