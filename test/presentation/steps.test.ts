import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { History } from '../../lib/runs/run';
import { StepSeries } from '../../lib/training/stats';
import { Figure, Trace } from '../../lib/presentation/plots';
import { plotFirstSteps, stepCurves } from '../../lib/presentation/steps';
import { assertClose, fakeHistory, fakeRunSet } from '../helpers';

const LAYERS = ['hidden1', 'hidden2', 'hidden3', 'output'];

/**
 * Epochs 1 and 2 of 3 and 2 steps kept (epoch 3 none), every value chosen: RMS dL/dh of layer li at
 * step k (from 0, across epochs) is scale · 10^-(3 - li) · (k + 1), the update ratio 10^-(li + 2) · (k + 1),
 * the loss 2.3 - 0.1 k.
 */
function withSteps(experiment: string, layers = LAYERS, scale = 1): History {
  const counts = [3, 2];
  const series = (e: number): StepSeries => {
    const first = counts.slice(0, e - 1).reduce((a, b) => a + b, 0);
    const ks = Array.from({ length: counts[e - 1] }, (_, j) => first + j);
    return {
      loss: ks.map((k) => 2.3 - 0.1 * k),
      activationGradRms: layers.map((_, li) => ks.map((k) => scale * 10 ** -(layers.length - 1 - li) * (k + 1))),
      updateRatio: layers.map((_, li) => ks.map((k) => 10 ** -(li + 2) * (k + 1))),
    };
  };
  return fakeHistory(experiment, 3, layers, { epoch: (e) => (e <= 2 ? { steps: series(e) } : {}) });
}

const named = (fig: Figure, name: string) => fig.data.filter((t) => t.name === name);
const one = (fig: Figure, name: string, yaxis: string): Trace => {
  const found = named(fig, name).filter((t) => t.yaxis === yaxis);
  assert.equal(found.length, 1, `one trace "${name}" on ${yaxis}, got ${found.length}`);
  return found[0];
};
const range = (n: number, f: (k: number) => number) => Array.from({ length: n }, (_, k) => f(k));

describe('stepCurves', () => {
  test("one run: its kept epochs' steps one after another, epoch by epoch", () => {
    const c = stepCurves(withSteps('baseline'));
    assert.ok(c);
    assert.deepEqual(c.epoch, [1, 1, 1, 2, 2]);
    assertClose(c.loss as number[], range(5, (k) => 2.3 - 0.1 * k), { rtol: 1e-12 });
    assertClose(c.activationGradRms[0] as number[], range(5, (k) => 1e-3 * (k + 1)), { rtol: 1e-12 });
    assertClose(c.updateRatio[3] as number[], range(5, (k) => 1e-5 * (k + 1)), { rtol: 1e-12 });
    assert.equal(c.seeds, 1);
  });

  test('several seeds: the geometric mean of the gradients and ratios, the arithmetic mean of the loss; none kept: null', () => {
    const set = fakeRunSet((seed) => withSteps('baseline', LAYERS, 100 ** seed), [0, 1, 2]);
    set.runs[2].epochs[0].steps!.loss[0] = 2.6;
    const c = stepCurves(set);
    assert.ok(c);
    // scales 1, 100, 10⁴: geometric mean 100
    assertClose(c.activationGradRms[0] as number[], range(5, (k) => 100 * 1e-3 * (k + 1)), { rtol: 1e-9 });
    assertClose(c.loss[0] as number, (2.3 + 2.3 + 2.6) / 3, { rtol: 1e-12 });
    assert.equal(c.seeds, 3);
    assert.equal(stepCurves(fakeHistory('baseline', 2, LAYERS)), null);
  });
});

describe('plotFirstSteps', () => {
  test('three panels: RMS dL/dh at hidden1 and the last hidden layer, their and the output\'s update ratio, the loss', () => {
    const fig = plotFirstSteps([withSteps('baseline'), withSteps('adam')]);
    assert.equal(fig.data.length, 12, 'per run: 2 gradient lines, 3 ratio lines, 1 loss');
    const x = [1, 2, 3, 4, 5];
    const h1 = one(fig, 'baseline (sigmoid): hidden1', 'y');
    assert.deepEqual(h1.x, x);
    assertClose(h1.y as number[], range(5, (k) => 1e-3 * (k + 1)), { rtol: 1e-12 });
    assert.equal((h1.line as { dash: string }).dash, 'solid');
    const h3 = one(fig, 'baseline (sigmoid): hidden3', 'y');
    assertClose(h3.y as number[], range(5, (k) => 1e-1 * (k + 1)), { rtol: 1e-12 });
    assert.equal((h3.line as { dash: string }).dash, 'dash');
    assertClose(one(fig, 'Adam: hidden3', 'y2').y as number[], range(5, (k) => 1e-4 * (k + 1)), { rtol: 1e-12 });
    const out = one(fig, 'Adam: output (update ratio)', 'y2');
    assertClose(out.y as number[], range(5, (k) => 1e-5 * (k + 1)), { rtol: 1e-12 });
    assert.equal((out.line as { dash: string }).dash, 'dot');
    assertClose(one(fig, 'Adam', 'y3').y as number[], range(5, (k) => 2.3 - 0.1 * k), { rtol: 1e-12 });
    // one legend entry per run, its loss line, named after the run; a run's lines in one legend group
    assert.deepEqual(fig.data.filter((t) => t.showlegend).map((t) => t.name), ['baseline (sigmoid)', 'Adam']);
    assert.equal(new Set(fig.data.filter((t) => String(t.name).startsWith('Adam')).map((t) => t.legendgroup)).size, 1);
    // baseline grey, the other run a colour of its own, the same in every panel
    const color = (t: Trace) => (t.line as { color: string }).color;
    assert.equal(color(h1), '#7f7f7f');
    assert.ok(fig.data.filter((t) => String(t.name).startsWith('Adam')).every((t) => color(t) === color(out) && color(t) !== '#7f7f7f'));
    // log axes for the two magnitudes, linear for the loss
    assert.equal((fig.layout.yaxis as { type: string }).type, 'log');
    assert.equal((fig.layout.yaxis2 as { type: string }).type, 'log');
    assert.equal((fig.layout.yaxis3 as { type?: string }).type, undefined, 'losses within a decade: linear');
    const exploding = withSteps('weight-std-10');
    exploding.epochs.forEach((e) => { if (e.steps) e.steps.loss = e.steps.loss.map((l) => (l === null ? null : 40 * l)); });
    assert.equal((plotFirstSteps([withSteps('baseline'), exploding]).layout.yaxis3 as { type?: string }).type, 'log', 'losses a decade apart: log');
    // epoch 2 starts after step 3, in every panel; the 10⁻³ line on the ratio's axis
    const shapes = fig.layout.shapes as Array<Record<string, unknown>>;
    assert.deepEqual(shapes.filter((s) => s.x0 === 3.5).map((s) => s.xref), ['x', 'x2', 'x3']);
    assert.ok(shapes.some((s) => s.yref === 'y2' && s.y0 === 1e-3 && s.y1 === 1e-3));
    assert.match(fig.layout.title.text, /first 2 epochs step by step.*seed 0/);
  });

  test('one hidden layer draws it once; a run of several seeds says so; a run without steps is left out, none at all throws', () => {
    const shallow = withSteps('baseline', ['hidden1', 'output']);
    const fig = plotFirstSteps([fakeRunSet(() => withSteps('baseline')), shallow, fakeHistory('relu', 2, LAYERS)]);
    assert.equal(named(fig, 'baseline (sigmoid) (seeds 0, 1, 2): hidden1').length, 2);
    assert.equal(named(fig, 'baseline (sigmoid) (seed 0): hidden1').length, 2, 'the shallow run: hidden1 in the gradient and ratio panels');
    assert.equal(fig.data.filter((t) => String(t.name).startsWith('baseline (sigmoid) (seed 0)')).length, 4, 'no last-hidden line of its own');
    assert.equal(fig.data.filter((t) => String(t.name).startsWith('ReLU')).length, 0);
    assert.match(fig.layout.title.text, /geometric mean over 1–3 seeds \(the loss: arithmetic mean\)/);
    assert.throws(() => plotFirstSteps([fakeHistory('relu', 2, LAYERS)]), /no run kept its steps/);
  });
});
