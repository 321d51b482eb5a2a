import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as vm from 'vm';
import {
  layerAxis,
  plotActivationStats,
  runLabels,
  BASELINE_COLOR,
  Figure,
  Trace,
  figureHtml,
  plotActivationDistributions,
  plotDistributions,
  plotGradientFlow,
  plotGradientHeatmap,
  plotLearningCurves,
  plotSignalFlow,
  plotRawVsNormalized,
  plotSaturation,
  panelTitles,
  plotUpdateRatio,
  stageStarts,
  topMargin,
} from '../../lib/presentation/plots';
import { History } from '../../lib/runs/run';

import { assertClose, fakeHistory, fakeLayer, fakeRunSet } from '../helpers';

/** A panel title as one line: panelTitles wraps long ones to the panel's width. */
const panelText = (n: { text: string }) => n.text.replace(/<\/b><br><b>/g, ' ');

const LAYERS = ['hidden1', 'hidden2', 'hidden3', 'output'];

/** Chosen mean |dL/dW|, [epoch - 1][layer]: the gradient shrinks towards the input, less so later. */
const BASE_GRAD = [
  [3e-8, 4e-6, 5e-4, 2e-2],
  [1e-7, 1e-5, 1e-3, 1e-2],
  [2e-7, 3e-5, 2e-3, 1e-2],
];
const RELU_GRAD = [
  [1e-3, 2e-3, 5e-3, 0.2],
  [2e-3, 3e-3, 4e-3, 0.1],
  [null, 0, 3e-3, 0.05],
];

function baseline(epochs = 3): History {
  return fakeHistory('baseline', epochs, LAYERS, {
    layer: (e, li) => ({
      weightGradMeanAbs: BASE_GRAD[e - 1][li],
      activationGradMeanAbs: BASE_GRAD[e - 1][li] * 7,
      activationGradRms: BASE_GRAD[e - 1][li] * 3,
      signalSpread: li === 3 ? null : 10 ** -(li + e),
      saturation: li === 3 ? null : 0.1 * (li + 1) + 0.01 * e,
      updateRatio: 1e-5 * (li + 1) * e,
    }),
    epoch: (e) => ({ trainLoss: 2.3 - 0.01 * e, valLoss: 2.31 - 0.01 * e, trainAcc: 0.1 + 0.02 * e, valAcc: 0.1 + 0.01 * e }),
  });
}

function relu(): History {
  return fakeHistory('relu', 3, LAYERS, {
    layer: (e, li) => ({
      weightGradMeanAbs: RELU_GRAD[e - 1][li],
      activationGradMeanAbs: 0.5 ** li,
      activationGradRms: RELU_GRAD[e - 1][li],
      saturation: li === 3 ? null : 0.2 + 0.1 * li - 0.05 * e,
      updateRatio: 1e-3 * (li + 1) * e,
    }),
    epoch: (e) => ({ trainLoss: 2 - 0.5 * e, valLoss: 2.1 - 0.5 * e, trainAcc: 0.3 * e, valAcc: 0.28 * e }),
  });
}

const axis = (fig: Figure, key: string) => fig.layout[key] as Record<string, unknown> & { title?: { text: string } };
const title = (fig: Figure, key: string) => axis(fig, key)?.title?.text;

describe('plotGradientFlow', () => {
  test('two panels, RMS dL/dh left and mean |dL/dW| right; per run the first (dotted) and last (solid) epoch', () => {
    const fig = plotGradientFlow([baseline(), relu()]);
    assert.equal(fig.data.length, 8);
    const expected = (values: typeof BASE_GRAD, k: number, scale: number) => [
      { name: 'baseline (sigmoid), epoch 1', y: values[0], dash: 'dot' },
      { name: 'baseline (sigmoid), epoch 3', y: values[2], dash: 'solid' },
    ].map((e) => ({ ...e, y: e.y.map((v) => (v === null ? null : v * scale)), k }));
    const want = [
      ...expected(BASE_GRAD, 0, 3),
      { name: 'ReLU, epoch 1', y: RELU_GRAD[0], dash: 'dot', k: 0 },
      { name: 'ReLU, epoch 3', y: RELU_GRAD[2], dash: 'solid', k: 0 },
      ...expected(BASE_GRAD, 1, 1),
      { name: 'ReLU, epoch 1', y: RELU_GRAD[0], dash: 'dot', k: 1 },
      { name: 'ReLU, epoch 3', y: RELU_GRAD[2], dash: 'solid', k: 1 },
    ];
    fig.data.forEach((t, i) => {
      assert.equal(t.name, want[i].name);
      assert.deepEqual(t.x, ['hidden1', 'hidden2', 'hidden3', 'output']);
      want[i].y.forEach((v, li) => (v === null ? assert.equal((t.y as unknown[])[li], null) : assertClose((t.y as number[])[li], v, { rtol: 1e-12, msg: `${i}/${li}` })));
      assert.equal((t.line as { dash: string }).dash, want[i].dash);
      assert.equal(t.xaxis, want[i].k === 0 ? 'x' : 'x2');
      assert.equal(t.showlegend, want[i].k === 0, 'one legend entry per line, from the left panel');
    });
    assert.equal((fig.data[0].line as { color: string }).color, BASELINE_COLOR, 'the baseline is grey');
    assert.notEqual((fig.data[2].line as { color: string }).color, BASELINE_COLOR, 'a remedy is not grey');
    assert.deepEqual(fig.data.slice(0, 4).map((t) => [(t.line as { width: number }).width, t.opacity]), [[6, 0.45], [6, 0.45], [2, undefined], [2, undefined]],
      'the baseline wide and pale underneath, so that a remedy on the same line leaves it visible');
    assert.equal(axis(fig, 'yaxis').type, 'log');
    assert.equal(axis(fig, 'yaxis2').type, 'log');
    assert.match(fig.layout.title.text, /Gradient flow/);
    assert.match(String(title(fig, 'yaxis')), /RMS dL\/dh.*log/);
    assert.match(String(title(fig, 'yaxis2')), /mean \|dL\/dW\|.*log/);
    assert.equal(title(fig, 'xaxis'), 'layer (input → output)');
  });

  test('a run of one epoch gives one line per panel', () => {
    const fig = plotGradientFlow([baseline(1), relu()]);
    assert.equal(fig.data.length, 6);
    assert.deepEqual(fig.data.slice(0, 3).map((t) => t.name), ['baseline (sigmoid), epoch 1', 'ReLU, epoch 1', 'ReLU, epoch 3']);
    assert.deepEqual(fig.data[3].y, BASE_GRAD[0]);
  });
});

describe('plotSignalFlow', () => {
  test('signal spread per hidden layer, at initialisation (dashed) and the last epoch (solid)', () => {
    const h = baseline();
    h.atInit = { layers: LAYERS.map((name, li) => fakeLayer(name, { signalSpread: li === 3 ? null : 0.5 ** li })) };
    const fig = plotSignalFlow([h, relu()]);
    assert.deepEqual(fig.data.map((t) => t.name), ['baseline (sigmoid), at initialisation', 'baseline (sigmoid), epoch 3', 'ReLU, epoch 3']);
    assert.deepEqual(fig.data[0].x, ['hidden1', 'hidden2', 'hidden3'], 'hidden layers only');
    assert.deepEqual(fig.data[0].y, [1, 0.5, 0.25]);
    assert.deepEqual(fig.data[1].y, [10 ** -3, 10 ** -4, 10 ** -5]);
    assert.deepEqual(fig.data.map((t) => (t.line as { dash: string }).dash), ['dash', 'solid', 'solid']);
    assert.equal(axis(fig, 'yaxis').type, 'log');
  });
});

describe('plotGradientHeatmap', () => {
  test('z = log10 of the values (null for null or 0), layer × epoch, one shared colour range', () => {
    const runs = [baseline(), relu()];
    const fig = plotGradientHeatmap(runs, 'weightGradMeanAbs');
    assert.match(fig.layout.title.text, /log10 mean \|dL\/dW\|/);
    assert.equal(fig.data.length, 2);
    const grads = [BASE_GRAD, RELU_GRAD];
    fig.data.forEach((t, i) => {
      assert.equal(t.type, 'heatmap');
      assert.deepEqual(t.x, [1, 2, 3]);
      assert.deepEqual(t.y, LAYERS);
      const z = t.z as Array<Array<number | null>>;
      assert.equal(z.length, LAYERS.length, 'one row per layer');
      LAYERS.forEach((_, li) => {
        assert.equal(z[li].length, 3, 'one column per epoch');
        [0, 1, 2].forEach((ei) => {
          const v = grads[i][ei][li];
          if (v === null || v === 0) assert.equal(z[li][ei], null, `run ${i} layer ${li} epoch ${ei + 1}: null`);
          else assertClose(z[li][ei] as number, Math.log10(v), { atol: 1e-12, msg: `run ${i} layer ${li} epoch ${ei + 1}` });
        });
      });
      // smallest value 3e-8 (log10 -7.52), largest 0.2 (log10 -0.70): both panels on [-8, 0]
      assert.equal(t.zmin, -8);
      assert.ok(t.zmax === 0, `zmax ${String(t.zmax)} must be 0 (ceil of -0.70; -0 counts)`);
    });
    assert.deepEqual(fig.data.map((t) => t.showscale), [false, true], 'one colour bar');
  });

  test('one panel per run, each with its own axes side by side', () => {
    const fig = plotGradientHeatmap([baseline(), relu()]);
    assert.deepEqual(fig.data.map((t) => [t.xaxis, t.yaxis]), [['x', 'y'], ['x2', 'y2']]);
    assert.equal(axis(fig, 'xaxis').anchor, 'y');
    assert.equal(axis(fig, 'xaxis2').anchor, 'y2');
    assert.equal(axis(fig, 'yaxis2').anchor, 'x2');
    const [a, b] = [axis(fig, 'xaxis').domain as number[], axis(fig, 'xaxis2').domain as number[]];
    assert.ok(a[0] >= 0 && a[0] < a[1] && a[1] < b[0] && b[0] < b[1] && b[1] <= 1 + 1e-12, `panels must not overlap: ${a} / ${b}`);
    assert.equal(title(fig, 'xaxis'), 'epoch');
    assert.equal(title(fig, 'yaxis'), 'layer');
    const notes = fig.layout.annotations as Array<{ text: string }>;
    assert.deepEqual(notes.map(panelText), ['<b>baseline (sigmoid)</b>', '<b>ReLU</b>']);
    assert.match(fig.layout.title.text, /log10/);
  });
});

describe('plotUpdateRatio', () => {
  test('a line per layer and run, one dashed 1e-3 reference per panel, log y axes', () => {
    const fig = plotUpdateRatio([baseline(), relu()]);
    assert.equal(fig.data.length, 2 * LAYERS.length);
    assertClose(fig.data[1].y as number[], [2e-5, 4e-5, 6e-5], { rtol: 1e-12, msg: 'baseline hidden2' });
    assertClose(fig.data[4 + 3].y as number[], [4e-3, 8e-3, 12e-3], { rtol: 1e-12, msg: 'ReLU output' });
    assert.equal(fig.data[4 + 3].name, 'output');
    assert.deepEqual(fig.data.map((t) => t.yaxis), ['y', 'y', 'y', 'y', 'y2', 'y2', 'y2', 'y2']);
    const shapes = fig.layout.shapes as Array<Record<string, unknown>>;
    assert.equal(shapes.length, 2, 'one reference line per panel');
    assert.deepEqual(shapes.map((s) => [s.yref, s.y0, s.y1]), [['y', 1e-3, 1e-3], ['y2', 1e-3, 1e-3]]);
    assert.equal(axis(fig, 'yaxis').type, 'log');
    assert.equal(axis(fig, 'yaxis2').type, 'log');
    assert.ok(title(fig, 'yaxis'), 'the y axis has a title');
    assert.ok(fig.layout.title.text.length > 0, 'the figure has a title');
  });
});

describe('learning curves and stages', () => {
  const layerwise = () => fakeHistory('layerwise', 6, LAYERS, { epoch: (e) => ({ stage: Math.ceil(e / 2) }) });

  test('stageStarts: the epoch at which each stage begins; none for a plain run', () => {
    assert.deepEqual(stageStarts(layerwise()), [{ epoch: 1, stage: 1 }, { epoch: 3, stage: 2 }, { epoch: 5, stage: 3 }]);
    assert.deepEqual(stageStarts(baseline()), []);
  });

  test('four traces per run: train/validation loss and accuracy', () => {
    const fig = plotLearningCurves([baseline(), relu()]);
    assert.equal(fig.data.length, 8);
    const b = baseline().epochs;
    assert.deepEqual(fig.data.slice(0, 4).map((t) => t.y), [
      b.map((e) => e.trainLoss), b.map((e) => e.valLoss), b.map((e) => e.trainAcc), b.map((e) => e.valAcc),
    ]);
    assert.deepEqual(fig.data.slice(0, 4).map((t) => [t.xaxis, (t.line as { dash: string }).dash]), [
      ['x', 'dash'], ['x', 'solid'], ['x2', 'dash'], ['x2', 'solid'],
    ]);
    assert.deepEqual(fig.data[4].x, [1, 2, 3]);
    assert.deepEqual(fig.layout.shapes, [], 'no stage boundaries without layer-wise runs');
    assert.equal(title(fig, 'yaxis'), 'cross-entropy loss');
    assert.equal(title(fig, 'yaxis2'), 'accuracy');
  });

  test('dotted boundaries between layer-wise stages, in both panels: (stages - 1) × 2', () => {
    const fig = plotLearningCurves([baseline(), layerwise()]);
    assert.equal(fig.data.length, 8);
    const shapes = fig.layout.shapes as Array<Record<string, unknown>>;
    assert.equal(shapes.length, (3 - 1) * 2);
    assert.deepEqual(shapes.map((s) => [s.xref, s.x0, s.x1]), [['x', 2.5, 2.5], ['x2', 2.5, 2.5], ['x', 4.5, 4.5], ['x2', 4.5, 4.5]]);
    assert.ok(shapes.every((s) => (s.line as { dash: string }).dash === 'dot'), 'boundaries are dotted');
  });
});

describe('plotSaturation', () => {
  test('two bar traces per run (first and last epoch) over the hidden layers only', () => {
    const fig = plotSaturation([baseline(), relu()]);
    assert.equal(fig.data.length, 4);
    assert.ok(fig.data.every((t) => t.type === 'bar'), 'bars');
    assert.ok(fig.data.every((t) => JSON.stringify(t.x) === JSON.stringify(['hidden1', 'hidden2', 'hidden3'])), 'hidden layers only');
    assertClose(fig.data[0].y as number[], [0.11, 0.21, 0.31], { atol: 1e-12, msg: 'baseline, epoch 1' });
    assertClose(fig.data[1].y as number[], [0.13, 0.23, 0.33], { atol: 1e-12, msg: 'baseline, epoch 3' });
    assertClose(fig.data[2].y as number[], [0.15, 0.25, 0.35], { atol: 1e-12, msg: 'ReLU, epoch 1' });
    assertClose(fig.data[3].y as number[], [0.05, 0.15, 0.25], { atol: 1e-12, msg: 'ReLU, epoch 3' });
    assert.deepEqual(fig.data.map((t) => t.name), ['baseline (sigmoid), epoch 1', 'baseline (sigmoid), epoch 3', 'ReLU, epoch 1', 'ReLU, epoch 3']);
    assert.equal(fig.layout.barmode, 'group');
    assert.deepEqual(axis(fig, 'yaxis').range, [0, 1]);
  });
});

describe('plotActivationDistributions', () => {
  const withHistograms = (id: string, counts: Record<number, number[][]>) => {
    const h = fakeHistory(id, 3, LAYERS);
    for (const [epoch, perLayer] of Object.entries(counts)) {
      h.epochs[Number(epoch) - 1].histograms = {
        hidden1: { activation: { lo: 0, hi: 1, counts: perLayer[0] } },
        hidden2: { activation: { lo: 0, hi: 1, counts: perLayer[1] } },
        output: { logGradient: { lo: -3, hi: 0, counts: [1, 1, 1, 1] } },
      };
    }
    return h;
  };

  test('counts become fractions per hidden layer, drawn as log10 (an empty bin blank), at the chosen epoch', () => {
    const h = withHistograms('baseline', { 1: [[1, 3, 0, 4], [0, 0, 2, 0]], 3: [[5, 5, 0, 0], [1, 1, 1, 1]] });
    const last = plotActivationDistributions([h]);
    assert.equal(last.data.length, 1);
    const t = last.data[0];
    assert.deepEqual(t.y, ['hidden1', 'hidden2', 'hidden3'], 'every hidden layer of the run');
    const lg = Math.log10;
    assert.deepEqual(t.z, [[lg(0.5), lg(0.5), null, null], [lg(0.25), lg(0.25), lg(0.25), lg(0.25)], [null, null, null, null]], 'blank where a layer has no histogram');
    assert.deepEqual(t.x, [0.125, 0.375, 0.625, 0.875], 'bin centres');
    const first = plotActivationDistributions([h], 'first').data[0];
    assert.deepEqual((first.z as number[][]).slice(0, 2), [[lg(0.125), lg(0.375), null, lg(0.5)], [null, null, 0, null]]);
    for (const row of (first.z as Array<Array<number | null>>).slice(0, 2)) {
      assertClose(row.reduce((a: number, b) => a + (b === null ? 0 : 10 ** b), 0), 1, { atol: 1e-12, msg: 'fractions sum to 1' });
    }
    const notes = last.layout.annotations as Array<{ text: string }>;
    assert.deepEqual(notes.map(panelText), ['<b>baseline (sigmoid), epoch 3</b>']);
  });

  test('each panel title stays above its run, also when a run has no histograms', () => {
    const fig = plotActivationDistributions([fakeHistory('relu', 3, LAYERS), withHistograms('baseline', { 3: [[1, 1, 1, 1], [1, 0, 0, 0]] })]);
    assert.equal(fig.data.length, 1, 'no heatmap for a run without histograms');
    assert.equal(fig.data[0].xaxis, 'x2', 'the second run is drawn in the second panel');
    const notes = fig.layout.annotations as Array<{ text: string; x: number }>;
    const domain2 = axis(fig, 'xaxis2').domain as number[];
    const over2 = notes.filter((n) => n.x > domain2[0] && n.x < domain2[1]);
    assert.deepEqual(over2.map(panelText), ['<b>baseline (sigmoid), epoch 3</b>'], 'the second panel is titled with the second run');
  });
});

test('plotActivationDistributions: all panels on one log colour scale from 10⁻⁴ to the largest fraction, shown once', () => {
  const h1 = fakeHistory('baseline', 1, LAYERS);
  h1.epochs[0].histograms = { hidden1: { activation: { lo: 0, hi: 1, counts: [1, 1, 1, 1] } } };
  const h2 = fakeHistory('relu', 1, LAYERS);
  h2.epochs[0].histograms = { hidden1: { activation: { lo: 0, hi: 2, counts: [0, 9, 1, 0] } } };
  const fig = plotActivationDistributions([h1, h2]);
  assert.deepEqual(fig.data.map((t) => [t.zmin, t.zmax]), [[-4, Math.log10(0.9)], [-4, Math.log10(0.9)]], 'shared zmin/zmax');
  assert.deepEqual(fig.data.map((t) => t.showscale), [false, true], 'one colour bar');
  const bar = fig.data[1].colorbar as { tickvals: number[]; ticktext: string[] };
  assert.deepEqual(bar.tickvals, [-4, -3, -2, -1], 'a tick per decade up to the largest');
  assert.deepEqual(bar.ticktext, ['10<sup>-4</sup>', '10<sup>-3</sup>', '10<sup>-2</sup>', '10<sup>-1</sup>']);
});

describe('plotRawVsNormalized', () => {
  test('activationGradMeanAbs against normalizedGradMeanAbs of the hidden layers, log y', () => {
    const h = fakeHistory('grad-norm', 2, LAYERS, {
      layer: (e, li) => ({ activationGradMeanAbs: [[1e-1, 1e-2, 1e-3, 5], [1e-2, 1e-3, 1e-4, 6]][e - 1][li], normalizedGradMeanAbs: li === 3 ? null : 0.01 * e }),
    });
    const fig = plotRawVsNormalized(h);
    assert.equal(fig.data.length, 2);
    assert.deepEqual(fig.data[0].x, ['hidden1', 'hidden2', 'hidden3']);
    assert.deepEqual(fig.data[0].y, [1e-2, 1e-3, 1e-4]);
    assert.deepEqual(fig.data[1].y, [0.02, 0.02, 0.02]);
    assert.equal(axis(fig, 'yaxis').type, 'log');
    assert.match(fig.layout.title.text, /gradient normalisation.*epoch 2/);
    const first = plotRawVsNormalized(h, 'first');
    assert.deepEqual(first.data[0].y, [1e-1, 1e-2, 1e-3]);
    assert.deepEqual(first.data[1].y, [0.01, 0.01, 0.01]);
  });
});

describe('plotDistributions', () => {
  test('one histogram per sample, each in its own panel with its label', () => {
    const fig = plotDistributions(
      [{ label: 'N(0, 1)', values: new Float32Array([0.5, -1, 2]) }, { label: 'N(0, 10²)', values: [10, -20] }],
      'Initial weights',
      'weight',
    );
    assert.equal(fig.data.length, 2);
    assert.ok(fig.data.every((t) => t.type === 'bar'), 'histograms, binned before plotting');
    const counts = (t: (typeof fig.data)[number]) => t.y as number[];
    assert.equal(counts(fig.data[0]).length, 60);
    assert.equal(counts(fig.data[0]).reduce((a, b) => a + b, 0), 3, 'every value counted once');
    assert.equal(counts(fig.data[0])[0], 1, '-1, the smallest, in the first bin');
    assert.equal(counts(fig.data[0])[59], 1, '2, the largest, in the last bin');
    assert.equal(counts(fig.data[0])[30], 1, '0.5 in the bin [0.5, 0.55)');
    assertClose((fig.data[0].x as number[])[0], -1 + 3 / 120, { atol: 1e-12, msg: 'bins centred' });
    assertClose(fig.data[0].width as number, 0.05, { atol: 1e-12, msg: 'bin width' });
    assert.equal(counts(fig.data[1]).reduce((a, b) => a + b, 0), 2);
    assert.deepEqual(fig.data.map((t) => [t.xaxis, t.yaxis]), [['x', 'y'], ['x2', 'y2']]);
    assert.equal(fig.layout.title.text, 'Initial weights');
    assert.equal(title(fig, 'xaxis'), 'weight');
    assert.equal(title(fig, 'xaxis2'), 'weight');
    assert.deepEqual((fig.layout.annotations as Array<{ text: string }>).map(panelText), ['<b>N(0, 1)</b>', '<b>N(0, 10²)</b>']);
  });
});

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
    assert.deepEqual(layout, f.layout);
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

describe('plotSaturation with a ReLU run', () => {
  test("saturated sigmoids and inactive ReLUs on two panels with their own axes, each run in its own", () => {
    const sig = baseline();
    const rel = relu();
    rel.config = { ...rel.config, model: { ...rel.config.model, activation: 'relu' } };
    const fig = plotSaturation([sig, rel]);
    assert.deepEqual(fig.data.map((t) => [t.xaxis, t.yaxis]), [['x', 'y'], ['x', 'y'], ['x2', 'y2'], ['x2', 'y2']]);
    assert.equal(title(fig, 'yaxis'), 'saturated fraction');
    assert.equal(title(fig, 'yaxis2'), 'inactive fraction');
    assert.deepEqual((fig.layout.annotations as Array<{ text: string }>).map(panelText), ['<b>saturated (sigmoid, tanh)</b>', '<b>inactive (ReLU output 0)</b>']);
    assertClose(fig.data[2].y as number[], [0.15, 0.25, 0.35], { atol: 1e-12, msg: 'the ReLU run\'s values, in its own panel' });
    // a ReLU run alone: one panel, named for what it measures
    const alone = plotSaturation([rel]);
    assert.equal(alone.layout.title.text, 'Units out of action: inactive (ReLU output 0)');
    assert.equal(title(alone, 'yaxis'), 'inactive fraction');
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
    const mean = (0.1 + 0.4 + 0.7) / 3;
    assertClose(line.y as number[], [mean, mean], { rtol: 1e-12, msg: 'accuracy: the arithmetic mean 0.4, not the geometric 0.30' });
    assert.deepEqual(band.x, [1, 2, 2, 1]);
    assert.deepEqual(band.y, [0.7, 0.7, 0.1, 0.1]);
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
