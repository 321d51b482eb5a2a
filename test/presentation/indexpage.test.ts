import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { RunSetSummary, RunSummary, runSetSummary } from '../../lib/presentation/summary';
import { judgeRuns } from '../../lib/presentation/conclusions';
import { readSummaries, saveSummary } from '../../lib/presentation/notebook';
import { NotebookReport, distinctRuns, indexHtml, remedyTableHtml, plotRemedySummary } from '../../lib/presentation/indexpage';
import { assertClose, fakeHistory, fakeRunSet, makeTmpDir } from '../helpers';

const summary = (experiment: string, label: string, finalValAcc: number, gradientRatioInit: number | null, seconds = 10): RunSummary => ({
  experiment, label, key: `key-of-${label}`, seed: 0, baseline: experiment === 'baseline', epochs: 5, finalValAcc, bestValAcc: finalValAcc, bestEpoch: 5, firstLearnedEpoch: null, fullDepthEpoch: 1,
  gradientRatioInit, gradientRatioLast: gradientRatioInit === null ? null : gradientRatioInit / 2, depthLast: 7, signalRatioInit: null, signalRatioLast: null,
  weightGradRatioFirst: null, weightGradRatioLast: null, saturationFirst: 0, updateRatioLast: -3, seconds, backend: 'cpu',
});

/** One run spec over the seeds 0, 1, … of the given summaries. */
const set = (...perSeed: RunSummary[]): RunSetSummary => ({
  experiment: perSeed[0].experiment, label: perSeed[0].label, key: perSeed[0].key, baseline: perSeed[0].baseline, changes: [],
  seeds: perSeed.map((_, i) => i), perSeed: perSeed.map((p, i) => ({ ...p, seed: i })),
});

const BASELINE = set(summary('baseline', 'baseline (sigmoid)', 0.1, -6.2));
const RELU = set(summary('relu', 'ReLU', 0.8, -0.7));
const ADAM = set(summary('adam', 'Adam', 0.5, null));

const REPORTS: NotebookReport[] = [
  { notebook: '01-weight-increasing', title: 'Larger weights', href: '01-weight-increasing.html', ok: true, seconds: 61.4, runs: [BASELINE] },
  // the baseline again, with other numbers: the first one seen is kept
  { notebook: '02-better-activation', title: 'ReLU & <friends>', href: '02-better-activation.html', ok: true, seconds: 30, runs: [set(summary('baseline', 'baseline (sigmoid)', 0.99, 9, 99)), RELU] },
  { notebook: '03-better-optimizer', title: 'Adam', href: '03-better-optimizer.html?a=1&b=2', ok: false, seconds: 5, runs: [ADAM] },
  { notebook: '04-normalize-inside-network', title: 'Normalisation', href: '04-normalize-inside-network.html', ok: false, seconds: 0, runs: [] },
];
const META = { preset: 'quick', backend: 'wasm', seconds: 1234.4, date: '2025-01-02 <today>' };

let tmp: string;
let plotlyFile: string;
const PLOTLY_MARKER = 'FAKE_PLOTLY_BUNDLE_7c1e';

before(() => {
  tmp = makeTmpDir('vg-reports-test-');
  plotlyFile = path.join(tmp, 'plotly.js');
  fs.writeFileSync(plotlyFile, `window.Plotly = { newPlot: function () {} }; /* ${PLOTLY_MARKER} "</script>" */`);
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const count = (text: string, what: string | RegExp) =>
  typeof what === 'string' ? text.split(what).length - 1 : (text.match(new RegExp(what.source, what.flags.includes('g') ? what.flags : what.flags + 'g')) ?? []).length;

describe('distinctRuns', () => {
  test('every run once, in order of first appearance: the baseline kept once, as first seen', () => {
    const runs = distinctRuns(REPORTS);
    assert.deepEqual(runs.map((r) => r.experiment), ['baseline', 'relu', 'adam']);
    assert.equal(runs[0], BASELINE, 'the first baseline');
    assert.deepEqual(distinctRuns([]), []);
  });
});

describe('plotRemedySummary', () => {
  test('bars: final validation accuracy, and the dL/dh ratio at initialisation and at the last epoch, per run', () => {
    const fig = plotRemedySummary([BASELINE, RELU, ADAM]);
    assert.equal(fig.data.length, 3);
    assert.ok(fig.data.every((t) => t.type === 'bar'), 'bars');
    assert.ok(fig.data.every((t) => JSON.stringify(t.x) === JSON.stringify(['baseline (sigmoid)', 'ReLU', 'Adam'])), 'runs by label');
    assert.deepEqual(fig.data[0].y, [10, 80, 50], 'accuracy in %');
    assert.deepEqual(fig.data[1].y, [-6.2, -0.7, null], 'the dL/dh ratio at initialisation');
    const ratioAxis = fig.layout.yaxis2 as { tickvals: number[]; ticktext: string[] };
    assert.deepEqual(ratioAxis.tickvals, [-7, -6, -5, -4, -3, -2, -1, 0], 'whole powers of ten');
    assert.deepEqual([ratioAxis.ticktext[0], ratioAxis.ticktext[7]], ['10<sup>-7</sup>', '1'], 'labelled as powers, not log10 values');
    assert.deepEqual(fig.data[2].y, [-3.1, -0.35, null], 'and at the last epoch');
    assert.deepEqual(fig.data.map((t) => [t.xaxis, t.yaxis]), [['x', 'y'], ['x2', 'y2'], ['x2', 'y2']]);
    assert.deepEqual((fig.data[0].marker as { color: string[] }).color, ['#7f7f7f', '#1f77b4', '#1f77b4'], 'the baseline grey');
    assert.ok(fig.layout.title.text.length > 0, 'a title');
    assert.ok(fig.data.every((t) => t.error_y === undefined), 'one seed each: no error bars');
    assert.doesNotMatch(fig.layout.title.text, /seeds/);
  });

  test('several seeds: bars at the mean over seeds, asymmetric min–max error bars', () => {
    const relu = set(summary('relu', 'ReLU', 0.7, -1), summary('relu', 'ReLU', 0.8, -0.4), summary('relu', 'ReLU', 0.95, -0.1));
    const fig = plotRemedySummary([BASELINE, relu]);
    const acc = (0.7 + 0.8 + 0.95) / 3;
    const ratio = (-1 - 0.4 - 0.1) / 3;
    assertClose(fig.data[0].y as number[], [10, 100 * acc], { rtol: 1e-12, msg: 'mean accuracy, in %' });
    assertClose(fig.data[1].y as number[], [-6.2, ratio], { rtol: 1e-12, msg: 'mean ratio at initialisation' });
    const bars = (k: number) => fig.data[k].error_y as { symmetric: boolean; array: Array<number | null>; arrayminus: Array<number | null> };
    assert.equal(bars(0).symmetric, false);
    assert.equal(bars(0).array[0], null, 'no bar for the baseline\'s one seed');
    assertClose(bars(0).array[1]!, 100 * (0.95 - acc), { rtol: 1e-12, msg: 'max - mean' });
    assertClose(bars(0).arrayminus[1]!, 100 * (acc - 0.7), { rtol: 1e-12, msg: 'mean - min' });
    assertClose(bars(2).array[1]!, -0.05 - ratio / 2, { rtol: 1e-12, msg: 'last epoch: max - mean' });
    assertClose(bars(2).arrayminus[1]!, ratio / 2 + 0.5, { rtol: 1e-12, msg: 'last epoch: mean - min' });
    assert.match(fig.layout.title.text, /mean over 1–3 seeds, error bars: min–max/);
  });
});

describe('indexHtml', () => {
  test('links every report, marks the failed ones, escapes names', () => {
    const html = indexHtml(REPORTS, META, plotlyFile);
    for (const r of REPORTS) {
      const href = (r.href as string).replace(/&/g, '&amp;');
      assert.ok(html.includes(`<a href="${href}">${r.notebook}</a>`), `a link to ${r.href}`);
    }
    assert.ok(html.includes('— Larger weights (61 s)</li>'), 'seconds of a notebook that ran');
    assert.ok(html.includes('— ReLU &amp; &lt;friends&gt; (30 s)</li>'), 'escaped title');
    assert.equal(count(html, '<b style="color:#b00">failed</b>'), 2, 'two failed notebooks');
    assert.match(html, /03-better-optimizer<\/a> — Adam \(<b style="color:#b00">failed<\/b>\)<\/li>/);
    assert.ok(html.includes('Preset <b>quick</b>, backend <b>wasm</b>, 1234 s in all, 2025-01-02 &lt;today&gt;.'), 'meta, escaped');
  });

  test('links the other presets\' pages, and says nothing of them when there are none', () => {
    const html = indexHtml(REPORTS, { ...META, others: [{ preset: 'study', href: 'study/index.html' }] }, plotlyFile);
    assert.ok(html.includes('2025-01-02 &lt;today&gt;. The reports of the <a href="study/index.html">study</a> preset are on its own page.</p>'));
    const two = indexHtml(REPORTS, { ...META, others: [{ preset: 'default', href: '../index.html' }, { preset: 'smoke', href: '../smoke/index.html' }] }, plotlyFile);
    assert.ok(two.includes('The reports of the <a href="../index.html">default</a>, <a href="../smoke/index.html">smoke</a> presets are on their own pages.'));
    assert.ok(!indexHtml(REPORTS, { ...META, others: [] }, plotlyFile).includes('The reports of the'));
  });

  test('a notebook never run, and one whose latest run failed with an earlier report kept', () => {
    const html = indexHtml([
      { notebook: '05-skip', title: 'Skips', ok: false, seconds: 0, runs: [] },
      {
        notebook: '06-layers', title: 'Layers', href: '06-layers.html', ok: true, seconds: 42, date: '2026-01-01 10:00',
        failure: { date: '2026-01-02 11:00', message: 'code cell 4 failed (const x = 1)', href: '06-layers.failed.html' }, runs: [],
      },
      { notebook: '07-norm', title: 'Norm', href: '07-norm.failed.html', ok: false, seconds: 0, failure: { date: 'd', message: 'killed', href: '07-norm.failed.html' }, runs: [] },
    ], META, plotlyFile);
    assert.ok(html.includes('<li>05-skip — Skips (not run yet)</li>'), 'no link to a report that does not exist');
    assert.ok(html.includes('<a href="06-layers.html">06-layers</a> — Layers (42 s, 2026-01-01 10:00) — its latest run <b style="color:#b00">failed</b> ' +
      '(2026-01-02 11:00: code cell 4 failed (const x = 1); <a href="06-layers.failed.html">the partial report</a>)</li>'), 'the good report linked, the failure beside it');
    assert.ok(html.includes('<a href="07-norm.failed.html">07-norm</a> — Norm (<b style="color:#b00">failed</b>) — killed</li>'));
  });

  test('the summary figure and a table row per distinct run', () => {
    const html = indexHtml(REPORTS, META, plotlyFile);
    assert.equal(count(html, 'class="vg-figure"'), 1, 'one figure');
    const fig = /var fig = (.*);\n/.exec(html);
    assert.ok(fig, 'the figure payload');
    const payload = JSON.parse(fig[1]) as { data: Array<{ y: unknown[] }> };
    assert.deepEqual(payload.data[0].y, [10, 80, 50], 'final accuracies of the distinct runs, in %');
    assert.deepEqual(payload.data[1].y, [-6.2, -0.7, null]);
    assert.deepEqual(payload.data[2].y, [-3.1, -0.35, null]);
    const start = html.indexOf('<table class="vg-table"');
    const table = html.slice(start, html.indexOf('</table>', start));
    assert.ok(table.length > 0, 'a results table');
    assert.equal(count(table, '<tr>'), 1 + 3, 'header + 3 distinct runs');
    for (const label of ['baseline (sigmoid)', 'ReLU', 'Adam']) assert.ok(table.includes(`>${label}</td>`), `a row for ${label}`);
    assert.ok(!table.includes('>99.0 %</td>'), 'not the second baseline');
    assert.ok(html.includes('<p>Every run over <b>1 seed</b>.</p>'), 'says how many seeds');
  });

  test('several seeds: the page says how many, the table shows mean ± sd', () => {
    const relu = set(summary('relu', 'ReLU', 0.7, -1), summary('relu', 'ReLU', 0.8, -0.4), summary('relu', 'ReLU', 0.9, -0.1));
    const html = indexHtml([{ ...REPORTS[0], runs: [BASELINE, relu] }], META, plotlyFile);
    assert.match(html, /<p>Every run over <b>1–3 seeds<\/b>: bars show the mean over seeds, whiskers their min–max; the table, mean ± sd\.<\/p>/);
    // 80 % ± sqrt((100 + 0 + 100) / 2) = 10 %
    assert.ok(html.includes('>80.0 ± 10.0 %</td>'), 'mean ± sd of the final accuracy, in %');
  });

  test('inlines the plotly bundle exactly once, escaped', () => {
    const html = indexHtml(REPORTS, META, plotlyFile);
    assert.equal(count(html, PLOTLY_MARKER), 1);
    assert.ok(html.includes(`/* ${PLOTLY_MARKER} "<\\/script>" */</script>`), 'the bundle\'s </script escaped');
    assert.ok(html.indexOf(PLOTLY_MARKER) < html.indexOf('class="vg-figure"'), 'plotly before the figure');
    assert.equal(count(html, /<\/script/i), 2, 'two scripts: plotly and the figure');
  });

  test('no results: says so, no figure and no table', () => {
    for (const reports of [[], [REPORTS[3]]]) {
      const html = indexHtml(reports, META, plotlyFile);
      assert.ok(html.includes('<p>No notebook produced results.</p>'), 'the no-results note');
      assert.ok(!html.includes('vg-figure') && !html.includes('vg-table'), 'no figure, no table');
      assert.equal(count(html, PLOTLY_MARKER), 1);
    }
  });
});

describe('saveSummary and readSummaries', () => {
  let dir: string;
  let saved: string | undefined;
  before(() => {
    dir = makeTmpDir('vg-summary-test-');
    saved = process.env.VG_REPORTS_DIR;
    process.env.VG_REPORTS_DIR = dir;
  });
  after(() => {
    if (saved === undefined) delete process.env.VG_REPORTS_DIR;
    else process.env.VG_REPORTS_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('nothing written yet: no summaries', () => {
    assert.deepEqual(readSummaries(), []);
  });

  test('writes <dir>/summary/<name>.json, read back in name order', () => {
    const layers = ['hidden1', 'output'];
    const a = fakeHistory('baseline', 2, [...layers.slice(0, 1), 'hidden2', 'output'], { layer: (_, li) => ({ activationGradRms: li === 0 ? 1e-6 : 1e-2 }), epoch: (e) => ({ valAcc: 0.1 * e }) });
    const b = fakeHistory('relu', 1, layers, { epoch: () => ({ valAcc: 0.75 }) });
    saveSummary('02-better-activation', [a, b]);
    saveSummary('01-weight-increasing', [a]);
    fs.writeFileSync(path.join(dir, 'summary', 'notes.txt'), 'not a summary');
    assert.deepEqual(fs.readdirSync(path.join(dir, 'summary')).sort(), ['01-weight-increasing.json', '02-better-activation.json', 'notes.txt']);
    const stored = JSON.parse(fs.readFileSync(path.join(dir, 'summary', '01-weight-increasing.json'), 'utf8')) as { notebook: string; runs: RunSetSummary[] };
    assert.equal(stored.notebook, '01-weight-increasing');
    assert.equal(stored.runs[0].experiment, 'baseline');
    assert.deepEqual(stored.runs[0].seeds, [0]);
    assert.equal(stored.runs[0].perSeed[0].finalValAcc, 0.2);
    assert.equal(stored.runs[0].perSeed[0].gradientRatioLast, -4);

    const read = readSummaries();
    assert.deepEqual(read.map((s) => s.notebook), ['01-weight-increasing', '02-better-activation']);
    assert.deepEqual(read.map((s) => s.runs.map((r) => [r.experiment, r.perSeed.map((p) => p.finalValAcc)])), [[['baseline', [0.2]]], [['baseline', [0.2]], ['relu', [0.75]]]]);
    assert.deepEqual(read[1].runs, [judgeRuns(a), judgeRuns(b)], 'whole summaries, verdicts included, survive the round trip');
    assert.deepEqual(readSummaries(path.join(dir, 'summary')), read, 'an explicit dir reads the same');
  });

  test('a set of seeds: one summary with every seed\'s', () => {
    const relu = fakeRunSet((seed) => fakeHistory('relu', 1, ['hidden1', 'output'], { epoch: () => ({ valAcc: 0.7 + 0.1 * seed }) }));
    saveSummary('03-better-optimizer', [relu]);
    const [read] = readSummaries().filter((s) => s.notebook === '03-better-optimizer');
    assert.equal(read.runs.length, 1);
    assert.deepEqual(read.runs[0].seeds, [0, 1, 2]);
    assertClose(read.runs[0].perSeed.map((p) => p.finalValAcc), [0.7, 0.8, 0.9], { rtol: 1e-12, msg: 'each seed\'s accuracy' });
  });
});

describe('remedyTableHtml', () => {
  const judged = (experiment: string, label: string, live: number[], long: number[] | null, changes: string[] = []) => {
    const perSeed = live.map((a, i) => ({ ...summary(experiment, label, a, -5), seed: i, epochs: 10 }));
    const study = long ? { provenance: '100 epochs: from the study runs of 2026-12-04', perSeed: long.map((a, i) => ({ ...summary(experiment, label, a, -5), seed: i, epochs: 100 })) } : null;
    const verdict = { outcome: 'slow' as const, summary: 'Not within 10 epochs, but by 100 in all 3 seeds.', reason: 'It takes 40 epochs.', epochs: 10, studyEpochs: 100 };
    return { ...set(...perSeed), changes, study, verdict };
  };

  test('a row per remedy: the factor it changes, both lengths over seeds, the verdict; where the 100 epochs come from', () => {
    const html = remedyTableHtml([judged('custom-norm', 'whole-tensor norm', [0.1040, 0.1041, 0.1039], [0.83, 0.85, 0.84]), judged('relu', 'ReLU, He init', [0.6, 0.7, 0.8], null, ['He init'])]);
    const rows = html.split('<tr>').slice(2);
    assert.equal(rows.length, 2);
    assert.match(rows[0], /whole-tensor norm<\/td><td[^>]*>normalisation scale<\/td>/, 'the factor from the experiment registry');
    assert.match(rows[0], />10\.4 %<br><small>10 epochs<\/small>/, 'no range where the seeds print the same');
    assert.match(rows[0], />84\.0 % \(83\.0 % to 85\.0 %\)<br><small>100 epochs<\/small>/);
    assert.match(rows[0], /<b>slow<\/b> — Not within 10 epochs, but by 100 in all 3 seeds\.<br><small>It takes 40 epochs\.<\/small>/);
    assert.match(rows[1], /ReLU, He init<\/td><td[^>]*>—<\/td>/, 'a derived spec changes no single named factor');
    assert.match(rows[1], /<td[^>]*>—<\/td><td[^>]*><b>slow/, 'no study run: a dash');
    assert.match(html, /100 epochs: from the study runs of 2026-12-04\./);
    assert.match(html, /Learned means at least 50 % validation accuracy/);
  });

  test("a run that changes more than its remedy says so in its verdict", () => {
    const confound = "This run changes 3 things at once (ReLU, N(0, 0.05²) init, SGD lr 0.001) — its learning rate is 10x smaller than the baseline's: what it shows is theirs together.";
    const html = remedyTableHtml([{ ...judged('relu', 'ReLU', [0.13, 0.13, 0.13], [0.2, 0.2, 0.2]), confound }, { ...judged('adam', 'Adam', [0.7, 0.7, 0.7], [0.8, 0.8, 0.8]), confound: null }]);
    const rows = html.split('<tr>').slice(2);
    assert.match(rows[0], /It takes 40 epochs\. <i>This run changes 3 things at once \(ReLU, N\(0, 0\.05²\) init, SGD lr 0\.001\) — its learning rate is 10x smaller than the baseline's: what it shows is theirs together\.<\/i><\/small>/);
    assert.doesNotMatch(rows[1].split('</tr>')[0], /<i>/, 'one change: nothing to add');
  });
});
