/** What every figure shares: panel titles, the HTML, layers by name, run names and colours, the seeds' mean and band. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as vm from 'vm';
import {
  BASELINE_COLOR, Figure, SUBTITLE_CHARS, TITLE_ANCHOR, TITLE_CHARS, colorFor, figureHtml, figureJson, fitTitle, layerAxis, layerColor, panelTitles, runColors, runLabels, topMargin, Trace,
} from '../../lib/presentation/plots';
import { plotGradientFlow, plotGradientHeatmap, plotSignalFlow } from '../../lib/presentation/figures/flow';
import { plotActivationDistributions, plotActivationStats, plotRawVsNormalized, plotSaturation } from '../../lib/presentation/figures/units';
import { plotUpdateRatio } from '../../lib/presentation/figures/updates';
import { plotLearningCurves, stageStarts } from '../../lib/presentation/figures/curves';
import { History } from '../../lib/runs/run';
import { assertClose, fakeHistory, fakeLayer, fakeRunSet } from '../helpers';
import { axis, title, baseline, relu } from './plots.fixtures';

describe('panelTitles', () => {
  test('wraps a title to its panel\'s share of the width and makes room above for the extra lines', () => {
    const notes = panelTitles(['the gradient that flows: RMS dL/dh', 'loss'], [{ domain: [0, 0.47] }, { domain: [0.53, 1] }]);
    assert.equal(notes[0].text, '<b>the gradient that</b><br><b>flows: RMS dL/dh</b>');
    assert.equal(notes[1].text, '<b>loss</b>');
    for (const n of notes) for (const line of String(n.text).split('<br>')) assert.ok(line.replace(/<\/?b>/g, '').length <= 20, line);
    assert.equal(topMargin(70, notes), 86);
    assert.equal(topMargin(70, [{ text: '<b>one line</b>' }]), 70);
    assert.equal(topMargin(70, undefined), 70);
  });
});

describe('figureHtml', () => {
  const EVIL = '</script><script>alert(1)</script>';
  const figure = (): Figure => ({
    data: [{ type: 'bar', name: EVIL, x: ['a <!-- b', 'c </SCRIPT> d'], y: [1, 2] } as Trace],
    layout: { title: { text: `title ${EVIL}` }, height: 333 },
  });

  test('escapes </script inside the data: the only closing tag is the script\'s own', () => {
    const html = figureHtml(figure());
    assert.ok(!html.includes('</script><script>'), 'no raw </script><script> from the data');
    assert.equal(html.match(/<\/script/gi)?.length, 1, 'one </script, at the end');
    assert.ok(html.trimEnd().endsWith('</script>'), 'ends with its own </script>');
    assert.ok(!html.includes('<!-- b'), 'no raw <!-- from the data');
    assert.match(html, /class="vg-figure"/);
    assert.match(html, /height:333px/);
  });

  test('the script finds its div and draws the embedded figure, data intact', () => {
    const html = figureHtml(figure());
    const div = /<div id="([^"]+)" class="vg-figure"/.exec(html);
    assert.ok(div, 'a div with an id');
    const script = /<script type="text\/javascript">([\s\S]*)<\/script>\s*$/.exec(html);
    assert.ok(script, 'an inline script');
    const calls: unknown[][] = [];
    const el = { id: div[1] };
    const lookedUp: string[] = [];
    vm.runInNewContext(script[1], {
      document: { getElementById: (id: string) => (lookedUp.push(id), id === div[1] ? el : null) },
      window: { Plotly: { newPlot: (...args: unknown[]) => calls.push(args) } },
      setTimeout: () => assert.fail('Plotly is present: no retry expected'),
    });
    assert.deepEqual(lookedUp, [div[1]], 'getElementById is asked for the div\'s id');
    assert.equal(calls.length, 1, 'newPlot called once');
    assert.equal(calls[0][0], el);
    const [, data, layout, config] = JSON.parse(JSON.stringify(calls[0])) as [unknown, Trace[], Figure['layout'], Record<string, unknown>];
    const f = figure();
    assert.deepEqual(data, f.data);
    assert.deepEqual(layout, { ...f.layout, title: { ...TITLE_ANCHOR, ...f.layout.title } }, 'the layout, its title hung from the top');
    assert.deepEqual(config, { responsive: true });
  });

  test('two figures get different ids', () => {
    const id = (html: string) => /<div id="([^"]+)"/.exec(html)?.[1];
    const a = id(figureHtml(figure()));
    const b = id(figureHtml(figure()));
    assert.ok(a && b && a !== b, `distinct ids: ${a} / ${b}`);
  });
});

describe('runs of different depth and runs that share an id', () => {
  /** A run of `depth` hidden layers whose every metric at layer `name` encodes the layer: value = its index + 1. */
  const deep = (depth: number, label: string, seed = 0): History => {
    const names = [...Array.from({ length: depth }, (_, i) => `hidden${i + 1}`), 'output'];
    const h = fakeHistory('relu', 2, names, {
      layer: (_, li) => ({ weightGradMeanAbs: li + 1, activationGradRms: li + 1, saturation: (li + 1) / 100, updateRatio: li + 1, activationMean: li + 1, activationStd: 0.5 }),
    });
    h.label = label;
    h.seed = seed;
    h.config = { ...h.config, label, seed, changes: [`depth ${depth}`] };
    return h;
  };
  const hidden = (n: number) => Array.from({ length: n }, (_, i) => `hidden${i + 1}`);
  const runs = () => [deep(3, 'depth 3'), deep(7, 'depth 7'), deep(20, 'depth 20')];

  test('layerAxis: every layer of every run, hidden layers by number, the output last', () => {
    assert.deepEqual(layerAxis(runs()), [...hidden(20), 'output']);
    assert.deepEqual(layerAxis(runs(), true), hidden(20));
  });

  test('gradient flow: each run plotted at its own layers by name, blank where it has none', () => {
    const fig = plotGradientFlow(runs());
    const x = [...hidden(20), 'output'];
    for (const t of fig.data) assert.deepEqual(t.x, x);
    const [d3, d7, d20] = [fig.data[0].y, fig.data[2].y, fig.data[4].y] as Array<Array<number | null>>;
    // the output point of the 3-layer run sits at "output" (value 4), not at hidden4
    assert.deepEqual(d3, [1, 2, 3, ...new Array(17).fill(null), 4]);
    assert.deepEqual(d7, [1, 2, 3, 4, 5, 6, 7, ...new Array(13).fill(null), 8]);
    assert.deepEqual(d20, Array.from({ length: 21 }, (_, i) => i + 1));
    assert.deepEqual(axis(fig, 'xaxis').categoryarray, x, 'the layer order is fixed, not Plotly\'s order of first appearance');
    assert.deepEqual(fig.data.slice(0, 6).map((t) => t.name), [
      'depth 3, epoch 1', 'depth 3, epoch 2', 'depth 7, epoch 1', 'depth 7, epoch 2', 'depth 20, epoch 1', 'depth 20, epoch 2',
    ]);
    const colors = fig.data.map((t) => (t.line as { color: string }).color);
    assert.equal(new Set([colors[0], colors[2], colors[4]]).size, 3, 'three runs, three colours');
  });

  test('heatmap, saturation, activation statistics and update ratios align by name too', () => {
    const heat = plotGradientHeatmap(runs());
    for (const t of heat.data) assert.deepEqual(t.y, [...hidden(20), 'output']);
    const z3 = heat.data[0].z as Array<Array<number | null>>;
    assert.deepEqual(z3.map((row) => row[0]), [0, Math.log10(2), Math.log10(3), ...new Array(17).fill(null), Math.log10(4)]);
    const sat = plotSaturation(runs());
    assert.deepEqual(sat.data[0].x, hidden(20));
    assert.deepEqual(sat.data[0].y, [0.01, 0.02, 0.03, ...new Array(17).fill(null)]);
    const act = plotActivationStats(runs());
    assert.deepEqual(act.data[1].y, [1, 2, 3, 4, 5, 6, 7, ...new Array(13).fill(null)]);
    const upd = plotUpdateRatio(runs());
    // one line per layer a run has: 4 + 8 + 21; one legend entry per layer name
    assert.equal(upd.data.length, 33);
    assert.equal(upd.data.filter((t) => t.showlegend).length, 21);
    const outputLines = upd.data.filter((t) => t.name === 'output');
    assert.deepEqual(outputLines.map((t) => (t.y as number[])[0]), [4, 8, 21], 'each run\'s output line is its own output layer');
    assert.equal(new Set(outputLines.map((t) => (t.line as { color: string }).color)).size, 1, 'one colour per layer name across panels');
    assert.deepEqual([2, 3].map((k) => axis(upd, `yaxis${k}`).matches), ['y', 'y'], 'one y axis for all panels: the 10⁻³ line at one height');
    assert.deepEqual([1, 2, 3].map((k) => axis(upd, k === 1 ? 'yaxis' : `yaxis${k}`).dtick), [1, 1, 1], 'a label per decade');
    assert.deepEqual(act.data.filter((t) => t.mode === 'markers+lines').map((t) => (t.x as number[])[0]), [-0.12, 0, 0.12],
      'three runs side by side around each layer, so that equal means keep their error bars apart');
    assert.deepEqual(axis(act, 'xaxis').ticktext, hidden(20));
  });

  test('two runs with one label get distinct names and colours; none is dropped', () => {
    const a = deep(7, 'ReLU', 1);
    const b = deep(7, 'ReLU', 2);
    assert.deepEqual(runLabels([a, b]), ['ReLU (seed 1)', 'ReLU (seed 2)']);
    assert.deepEqual(runLabels([a, deep(7, 'ReLU', 1)]), ['ReLU #1', 'ReLU #2']);
    const fig = plotLearningCurves([a, b]);
    assert.equal(fig.data.length, 8, 'both runs drawn');
    assert.deepEqual(fig.data.filter((t) => t.showlegend).map((t) => t.name), [
      'ReLU (seed 1) train', 'ReLU (seed 1) validation', 'ReLU (seed 2) train', 'ReLU (seed 2) validation',
    ]);
    assert.notEqual((fig.data[0].line as { color: string }).color, (fig.data[4].line as { color: string }).color);
  });

  test('only the unchanged baseline is grey, once', () => {
    const base = fakeHistory('baseline', 2, ['hidden1', 'output']);
    const derived = fakeHistory('baseline', 2, ['hidden1', 'output']);
    derived.config = { ...derived.config, changes: ['Adam lr 0.001'] };
    const again = fakeHistory('baseline', 2, ['hidden1', 'output'], { history: { seed: 4 } });
    const fig = plotLearningCurves([derived, base, again]);
    const colors = [0, 4, 8].map((i) => (fig.data[i].line as { color: string }).color);
    assert.equal(colors[1], BASELINE_COLOR);
    assert.notEqual(colors[0], BASELINE_COLOR);
    assert.notEqual(colors[2], BASELINE_COLOR);
    assert.equal(new Set(colors).size, 3);
  });
});

describe('titles that fit a narrow notebook', () => {
  test('fitTitle wraps the title and each subtitle line at their widths, tags not counted, and counts the lines added', () => {
    const long = 'Gradient flow at initialisation: RMS dL/dh per layer, measured (solid) and predicted';
    const f = fitTitle(`${long}<br><sup>geometric mean over 3 seeds<br>${'word '.repeat(30).trim()}</sup>`);
    const [head, sub] = f.text.split('<br><sup>');
    assert.ok(head.split('<br>').every((l) => l.length <= TITLE_CHARS), head);
    assert.equal(head.split('<br>').join(' '), long, 'no word lost');
    const subLines = sub.replace('</sup>', '').split('<br>');
    assert.equal(subLines[0], 'geometric mean over 3 seeds');
    assert.ok(subLines.every((l) => l.length <= SUBTITLE_CHARS));
    assert.deepEqual(f.added, { title: 1, subtitle: 1 });
    assert.deepEqual(fitTitle('N(0, σ<sub>w</sub>²) weights').added, { title: 0, subtitle: 0 }, 'tags are not counted');
    assert.equal(fitTitle('short').text, 'short');
  });

  test('figureJson saves the fitted title and grows the top margin and the height by the lines it added', () => {
    const fig: Figure = { data: [], layout: { title: { text: `${'a '.repeat(40).trim()}<br><sup>note</sup>` }, margin: { t: 90 }, height: 400 } };
    const saved = figureJson(fig);
    assert.equal((saved.layout.title.text.match(/<br>/g) ?? []).length, 2);
    assert.equal((saved.layout.margin as { t: number }).t, 112);
    assert.equal(saved.layout.height, 422, 'the plot keeps its height');
    assert.equal(fig.layout.title.text.includes('<br>a'), false, 'the figure itself is left as it was');
  });
});

describe('one colour per run in every figure of a notebook', () => {
  test('a run keeps its colour whatever the figure and the order of its runs; the baseline is grey everywhere', () => {
    const base = fakeHistory('baseline', 2, ['hidden1', 'output']);
    const std1 = fakeHistory('weight-std-1', 2, ['hidden1', 'output'], { history: { label: 'weights N(0, 1) (colour test)' } });
    const std10 = fakeHistory('weight-std-10', 2, ['hidden1', 'output'], { history: { label: 'weights N(0, 10²) (colour test)' } });
    const first = runColors([base, std1, std10]);
    assert.equal(first[0], BASELINE_COLOR);
    assert.deepEqual(runColors([std10, base]), [first[2], BASELINE_COLOR], 'N(0, 10²) keeps its colour without N(0, 1) before it');
    assert.deepEqual(runColors([std1]), [first[1]]);
    const line = (fig: Figure, name: string) => (fig.data.find((t) => String(t.name).startsWith(name))!.line as { color: string }).color;
    assert.equal(line(plotLearningCurves([std10, std1]), 'weights N(0, 1)'), first[1], 'the same colour in another figure');
    assert.equal(colorFor('weights N(0, 1) (colour test)', false), first[1]);
    assert.notEqual(first[1], first[2]);
  });

  test('layer colours: eight layers far apart, in a fixed order; more layers interpolate', () => {
    const eight = Array.from({ length: 8 }, (_, i) => layerColor(i, 8));
    const rgb = (c: string) => (c.startsWith('#') ? [1, 3, 5].map((k) => parseInt(c.slice(k, k + 2), 16)) : c.slice(4, -1).split(', ').map(Number));
    const distance = (a: string, b: string) => Math.hypot(...rgb(a).map((v, k) => v - rgb(b)[k]));
    for (let i = 1; i < 8; i++) assert.ok(distance(eight[i - 1], eight[i]) > 80, `neighbours ${i - 1} and ${i} apart (${eight[i - 1]}, ${eight[i]})`);
    assert.equal(new Set(eight).size, 8);
    assert.deepEqual([layerColor(0, 4), layerColor(3, 4)], [eight[0], eight[7]], 'fewer layers: the ends stay the ends');
    const many = Array.from({ length: 15 }, (_, i) => layerColor(i, 15));
    assert.equal(new Set(many).size, 15);
    assert.equal(many[14], 'rgb(33, 33, 33)');
  });
});

describe('runs of several seeds: the mean over seeds and a min–max band', () => {
  const NAMES = ['hidden1', 'hidden2', 'output'];
  /** RMS dL/dh per seed (0, 1, 2) at hidden1 / hidden2 / output, every epoch. */
  const RMS = [[1e-3, 1e-2, 0.1], [1e-5, 2e-2, 0.1], [1e-4, 3e-2, 0.1]];
  const ACC = [0.1, 0.4, 0.7];
  const SAT = [0.1, 0.2, 0.6];
  const seedRun = (seed: number) => fakeHistory('relu', 2, NAMES, {
    layer: (_, li) => ({
      activationGradRms: RMS[seed][li], weightGradMeanAbs: RMS[seed][li], updateRatio: RMS[seed][li],
      saturation: li === 2 ? null : SAT[seed], activationMean: li === 2 ? null : ACC[seed], activationStd: 0.5,
    }),
    epoch: () => ({ valAcc: ACC[seed] }),
  });
  const three = () => fakeRunSet(seedRun);
  const isBand = (t: Trace) => t.fill === 'toself';
  const geo = (xs: number[]) => 10 ** (xs.reduce((a, x) => a + Math.log10(x), 0) / xs.length);
  const column = (li: number) => RMS.map((r) => r[li]);

  test('gradient flow: the line at the geometric mean, the band from the smallest to the largest seed', () => {
    const fig = plotGradientFlow([three()]);
    // per panel: band and line at epoch 1, band and line at epoch 2
    assert.equal(fig.data.length, 8);
    assert.deepEqual(fig.data.map(isBand), [true, false, true, false, true, false, true, false]);
    const [band, line] = fig.data;
    assertClose(line.y as number[], [1e-4, geo(column(1)), 0.1], { rtol: 1e-12, msg: 'geometric means' });
    assertClose((line.y as number[])[1], Math.cbrt(6) * 1e-2, { rtol: 1e-12, msg: 'hidden2: (1e-2 · 2e-2 · 3e-2)^(1/3)' });
    // out along the maxima, back along the minima
    assert.deepEqual(band.x, ['hidden1', 'hidden2', 'output', 'output', 'hidden2', 'hidden1']);
    assert.deepEqual(band.y, [1e-3, 3e-2, 0.1, 0.1, 1e-2, 1e-5]);
    assert.equal((band.line as { width: number }).width, 0);
    assert.equal(band.fillcolor, (line.line as { color: string }).color, 'the band in the line\'s colour');
    assert.ok((band.opacity as number) < 0.5, 'a pale band');
    assert.equal(band.showlegend, false);
    assert.equal(band.hoverinfo, 'skip');
    assert.equal(band.legendgroup, line.legendgroup, 'hidden and shown with its line');
    assert.deepEqual([band.xaxis, band.yaxis], [line.xaxis, line.yaxis]);
    assert.match(fig.layout.title.text, /mean over 3 seeds, band: min–max/);
  });

  test('one seed, as a plain History or a set of one: no band, no note, the same figure', () => {
    const plain = seedRun(1);
    const single = fakeRunSet(seedRun, [1]);
    for (const plot of [plotGradientFlow, plotSignalFlow, plotLearningCurves, plotUpdateRatio, plotActivationStats, plotSaturation, plotGradientHeatmap]) {
      const a = plot([plain]);
      const b = plot([single]);
      assert.ok(!a.data.some(isBand), `${plot.name}: no band for one seed`);
      assert.ok(!a.data.some((t) => t.error_y && t.type === 'bar'), `${plot.name}: no error bars for one seed`);
      assert.deepEqual(JSON.parse(JSON.stringify(b)), JSON.parse(JSON.stringify(a)), `${plot.name}: a set of one seed draws as its History`);
      assert.doesNotMatch(a.layout.title.text, /seeds/, `${plot.name}: no seeds note`);
    }
    assert.deepEqual(plotGradientFlow([plain]).data[0].y, RMS[1], 'one seed: its own values, exactly');
  });

  test('a band only for the run that has several seeds', () => {
    const fig = plotLearningCurves([seedRun(0), three()]);
    // the History: 4 lines; the set: 4 bands and 4 lines
    assert.equal(fig.data.length, 12);
    assert.deepEqual(fig.data.slice(0, 4).map(isBand), [false, false, false, false]);
    assert.equal(fig.data.slice(4).filter(isBand).length, 4);
    assert.match(fig.layout.title.text, /mean over 1–3 seeds, band: min–max/);
  });

  test('learning curves: the arithmetic mean on a linear axis', () => {
    const fig = plotLearningCurves([three()]);
    const line = fig.data.find((t) => t.name === 'ReLU validation' && t.xaxis === 'x2')!;
    const band = fig.data[fig.data.indexOf(line) - 1];
    const mean = (10 + 40 + 70) / 3;
    assertClose(line.y as number[], [mean, mean], { rtol: 1e-12, msg: 'accuracy: the arithmetic mean 40 %, not the geometric 30 %' });
    assert.deepEqual(band.x, [1, 2, 2, 1]);
    assertClose(band.y as number[], [70, 70, 10, 10], { rtol: 1e-12, msg: 'the band in %' });
  });

  test('saturation: bars at the mean with asymmetric min–max error bars', () => {
    const fig = plotSaturation([three()]);
    assert.equal(fig.data.length, 2);
    const mean = (0.1 + 0.2 + 0.6) / 3;
    for (const t of fig.data) {
      assertClose(t.y as number[], [mean, mean], { rtol: 1e-12, msg: 'bar heights' });
      const e = t.error_y as { symmetric: boolean; array: number[]; arrayminus: number[] };
      assert.equal(e.symmetric, false);
      assertClose(e.array, [0.6 - mean, 0.6 - mean], { rtol: 1e-12, msg: 'up to the largest seed' });
      assertClose(e.arrayminus, [mean - 0.1, mean - 0.1], { rtol: 1e-12, msg: 'down to the smallest seed' });
    }
    assert.match(fig.layout.title.text, /mean over 3 seeds, error bars: min–max/);
  });

  test('heatmap: log10 of the geometric mean over seeds, no band', () => {
    const fig = plotGradientHeatmap([three()]);
    assert.equal(fig.data.length, 1);
    const z = fig.data[0].z as number[][];
    assertClose(z.map((row) => row[0]), [-4, Math.log10(geo(column(1))), -1], { atol: 1e-12, msg: 'mean of log10 over seeds' });
    assert.match(fig.layout.title.text, /geometric mean over 3 seeds/);
  });

  test('update ratios: a band before every layer\'s line', () => {
    const fig = plotUpdateRatio([three()]);
    assert.equal(fig.data.length, 2 * NAMES.length);
    assert.deepEqual(fig.data.map(isBand), [true, false, true, false, true, false]);
    assertClose(fig.data[1].y as number[], [1e-4, 1e-4], { rtol: 1e-12, msg: 'hidden1' });
    assert.deepEqual(fig.data[0].y, [1e-3, 1e-3, 1e-5, 1e-5]);
  });

  test('activation statistics: the error bars stay the std, the band is the seeds\' min–max of the mean', () => {
    const fig = plotActivationStats([three()]);
    assert.equal(fig.data.length, 2);
    const [band, line] = fig.data;
    assertClose(line.y as number[], [0.4, 0.4], { rtol: 1e-12, msg: 'mean activation' });
    assert.deepEqual((line.error_y as { array: number[] }).array, [0.5, 0.5]);
    assert.deepEqual(band.y, [0.7, 0.7, 0.1, 0.1]);
  });

  test('signal flow and raw vs normalised: profile lines with bands', () => {
    const set = fakeRunSet((seed) => {
      const h = seedRun(seed);
      h.atInit = { layers: NAMES.map((n, li) => fakeLayer(n, { signalSpread: li === 2 ? null : RMS[seed][li] })) };
      for (const e of h.epochs) e.layers.forEach((l, li) => Object.assign(l, { activationGradMeanAbs: RMS[seed][li], normalizedGradMeanAbs: li === 2 ? null : 0.01 }));
      return h;
    });
    const signal = plotSignalFlow([set]);
    assert.deepEqual(signal.data.map((t) => [isBand(t), t.name ?? null]), [
      [true, null], [false, 'ReLU, at initialisation'], [false, 'ReLU, epoch 2'],
    ], 'no band for the last epoch: no seed measured a signal there');
    assertClose(signal.data[1].y as number[], [1e-4, geo(column(1))], { rtol: 1e-12, msg: 'at initialisation' });
    const raw = plotRawVsNormalized(set);
    assert.deepEqual(raw.data.map(isBand), [true, false, true, false]);
    assert.deepEqual(raw.data[0].x, ['hidden1', 'hidden2', 'hidden2', 'hidden1']);
    assert.deepEqual(raw.data[2].y, [0.01, 0.01, 0.01, 0.01], 'the seeds agree on the normalised gradient: a flat band');
    assertClose(raw.data[1].y as number[], [1e-4, geo(column(1))], { rtol: 1e-12, msg: 'raw' });
    assert.match(raw.layout.title.text, /mean over 3 seeds, band: min–max/);
  });

  test('the band breaks where the run has no layer, as its line does', () => {
    const shallow = fakeRunSet((seed) => fakeHistory('relu', 1, NAMES, { layer: (_, li) => ({ activationGradRms: RMS[seed][li] }) }));
    const deeper = fakeHistory('baseline', 1, ['hidden1', 'hidden2', 'hidden3', 'output'], { layer: () => ({ activationGradRms: 1 }) });
    const fig = plotGradientFlow([deeper, shallow]);
    const band = fig.data.find(isBand)!;
    assert.deepEqual(band.x, ['hidden1', 'hidden2', 'hidden2', 'hidden1', null, 'output', 'output']);
    assert.deepEqual(band.y, [1e-3, 3e-2, 1e-2, 1e-5, null, 0.1, 0.1]);
  });

  test('activation distributions: the first seed\'s histograms, said in the title', () => {
    const set = fakeRunSet((seed) => {
      const h = fakeHistory('relu', 1, NAMES);
      h.epochs[0].histograms = { hidden1: { activation: { lo: 0, hi: 1, counts: seed === 3 ? [1, 3] : [1, 0] } } };
      return h;
    }, [3, 4, 5]);
    const fig = plotActivationDistributions([set]);
    assert.deepEqual((fig.data[0].z as number[][])[0], [Math.log10(0.25), Math.log10(0.75)]);
    assert.match(fig.layout.title.text, /seed 3\b/);
    assert.doesNotMatch(plotActivationDistributions([set.runs[0]]).layout.title.text, /seed/, 'one seed: as before');
  });

  test('runLabels: sets that share a label are told apart by their seeds', () => {
    assert.deepEqual(runLabels([three(), fakeRunSet((seed) => seedRun(seed % 3), [3, 4])]), ['ReLU (seeds 0, 1, 2)', 'ReLU (seeds 3, 4)']);
    assert.deepEqual(layerAxis([three()]), NAMES);
    assert.deepEqual(stageStarts(fakeRunSet((seed) => fakeHistory('layerwise', seed + 2, NAMES, { epoch: (e) => ({ stage: e }) }))).map((s) => s.epoch), [1, 2, 3, 4],
      'stages of the longest seed');
  });
});
