/** Gradient flow, signal flow and the gradient heatmap, from chosen per-layer numbers. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BASELINE_COLOR } from '../../../lib/presentation/plots';
import { plotGradientFlow, plotGradientHeatmap, plotSignalFlow } from '../../../lib/presentation/figures/flow';
import { assertClose, fakeLayer } from '../../helpers';
import { panelText, LAYERS, BASE_GRAD, RELU_GRAD, axis, title, baseline, relu } from '../plots.fixtures';

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
