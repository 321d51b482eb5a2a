import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DataFrame } from 'danfojs-node';
import { RunSetSummary, RunSummary } from '../../lib/presentation/summary';
import { frameHtml, resultsFrame } from '../../lib/presentation/tables';
import { fakeHistory, fakeLayer, fakeRunSet } from '../helpers';

const LAYERS = ['hidden1', 'hidden2', 'output'];
const COLUMNS = [
  'run',
  'seeds',
  'epochs',
  'final val acc',
  'best val acc',
  'best epoch',
  "gradient at layer 1, of the last hidden layer's: at init",
  '… at the last epoch',
  "signal at the last hidden layer, of layer 1's: last epoch",
  "mean |dL/dW| at layer 1, of the output layer's: epoch 1",
  'seconds',
];

/**
 * val acc 0.2, 0.45678, 0.123456; RMS dL/dh of hidden1 / hidden2: 3e-8 / 2e-2 at init, 2e-7 / 1e-2 at epoch 3;
 * signal spread of hidden2 / hidden1 at epoch 3: 1e-3 / 0.5; mean |dW| of hidden1 / output at epoch 1: 1e-6 / 1e-2.
 */
const baseline = () => {
  const h = fakeHistory('baseline', 3, LAYERS, {
    layer: (e, li) => ({
      activationGradRms: e === 3 ? [2e-7, 1e-2, 1][li] : 1,
      signalSpread: e === 3 ? [0.5, 1e-3, null][li] : 1,
      weightGradMeanAbs: e === 1 ? [1e-6, 1, 1e-2][li] : 1,
    }),
    epoch: (e) => ({ valAcc: [0.2, 0.45678, 0.123456][e - 1] }),
    history: { seconds: 12.345 },
  });
  h.atInit = { layers: LAYERS.map((name, li) => fakeLayer(name, { activationGradRms: [3e-8, 2e-2, 1][li] })) };
  return h;
};

const td = (v: string) => `<td style="text-align:right;padding:2px 8px">${v}</td>`;
const rowsOf = (html: string) => html.match(/<tr>/g)?.length ?? 0;

describe('resultsFrame', () => {
  test('one row per run, the documented columns, values rounded as documented', () => {
    const df = resultsFrame([baseline()]);
    assert.deepEqual(df.columns, COLUMNS);
    assert.equal(df.shape[0], 1);
    // 3e-8 / 2e-2 = 1.5e-6 = 1/666,667 → 1/670,000; 2e-7 / 1e-2 = 1/50,000; 1e-3 / 0.5 = 1/500; 1e-6 / 1e-2 = 1/10,000
    assert.deepEqual((df.values as unknown[][])[0], ['baseline (sigmoid)', 1, '3', '12.3 %', '45.7 %', '2', '1/670,000', '1/50,000', '1/500', '1/10,000', '12.3']);
  });

  test('accepts run summaries as well as histories, in the given order', () => {
    const summary: RunSummary = {
      experiment: 'relu', label: 'ReLU', key: 'k', seed: 0, baseline: false, epochs: 20, finalValAcc: 0.81249, bestValAcc: 0.8125, bestEpoch: 19, firstLearnedEpoch: 3, fullDepthEpoch: 1,
      gradientRatioInit: -1.234, gradientRatioLast: null, depthLast: 7, signalRatioInit: 0, signalRatioLast: 0.04, weightGradRatioFirst: -0.5,
      weightGradRatioLast: null, saturationFirst: 0, updateRatioLast: -3, seconds: 99.96, backend: 'wasm',
    };
    const set: RunSetSummary = { experiment: 'relu', label: 'ReLU', key: 'k', baseline: false, changes: [], seeds: [0], perSeed: [summary] };
    const df = resultsFrame([set, baseline()]);
    const values = df.values as unknown[][];
    assert.equal(values.length, 2);
    const relu = values[0];
    // 10^-1.234 = 1/17.1; 10^0.04 = 1.096: 1.1 times; 10^-0.5 = 0.316
    assert.deepEqual([relu[0], relu[1], relu[2], relu[3], relu[4], relu[5], relu[6], relu[8], relu[9], relu[10]], ['ReLU', 1, '20', '81.2 %', '81.3 %', '19', '1/17', '1.1×', '0.32', '100.0']);
    assert.ok(relu[7] === null || Number.isNaN(relu[7]), `a missing ratio stays missing, got ${String(relu[7])}`);
    assert.equal(values[1][0], 'baseline (sigmoid)');
  });

  test('several seeds: one row, the number of seeds, accuracy, epochs and seconds as "mean ± sd", shares with their range where it differs', () => {
    const acc = [0.543, 0.574, 0.605];
    const seconds = [10, 12, 17];
    const set = fakeRunSet((seed) => {
      const h = baseline();
      h.epochs[2].valAcc = acc[seed];
      h.seconds = seconds[seed];
      return h;
    });
    const df = resultsFrame([set, baseline()]);
    assert.deepEqual(df.columns, COLUMNS);
    const [row, single] = df.values as unknown[][];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
    // 57.4 % ± sqrt((3.1² + 0 + 3.1²) / 2) = 3.1 %; seconds 13 ± sqrt((9 + 1 + 16) / 2) = 3.606
    assert.equal(`${(100 * mean(acc)).toFixed(1)} ± ${(100 * sd(acc)).toFixed(1)} %`, '57.4 ± 3.1 %');
    assert.equal(row[0], 'baseline (sigmoid)');
    assert.equal(row[1], 3, 'seeds');
    assert.equal(row[2], '3 ± 0', 'epochs');
    assert.equal(row[3], '57.4 ± 3.1 %', 'final val acc');
    // every seed's final accuracy beats epoch 2's 0.45678: best = final, at epoch 3
    assert.equal(row[4], '57.4 ± 3.1 %', 'best val acc');
    assert.equal(row[5], '3 ± 0', 'best epoch');
    assert.equal(row[6], '1/670,000', 'the same ratio in every seed: no range');
    assert.equal(row[10], '13.0 ± 3.6', 'seconds');
    assert.deepEqual(single, ['baseline (sigmoid)', 1, '3', '12.3 %', '45.7 %', '2', '1/670,000', '1/50,000', '1/500', '1/10,000', '12.3'], 'a plain History beside it: its own numbers');
  });

  test('a set of one seed: the same row as its History', () => {
    assert.deepEqual(resultsFrame([fakeRunSet(baseline, [0])]).values, resultsFrame([baseline()]).values);
  });
});

describe('frameHtml', () => {
  test('a header row and one <tr> per row, null and NaN shown as —', () => {
    const df = new DataFrame([
      { name: 'a', x: 1.5, y: null },
      { name: 'b', x: NaN, y: 2 },
      { name: 'c', x: 0, y: 3 },
    ]);
    const html = frameHtml(df);
    assert.equal(rowsOf(html), 4, 'header + 3 rows');
    assert.equal(html.match(/<th /g)?.length, 3);
    assert.ok(!html.includes('<caption'), 'no caption unless given');
    const body = html.slice(html.indexOf('<tbody>'));
    assert.ok(body.includes(`<tr>${td('a')}${td('1.5')}${td('—')}</tr>`), `row a in ${body}`);
    assert.ok(body.includes(`<tr>${td('b')}${td('—')}${td('2')}</tr>`), `row b in ${body}`);
    assert.ok(body.includes(`<tr>${td('c')}${td('0')}${td('3')}</tr>`), `0 is shown as 0 in ${body}`);
    assert.ok(!/NaN|null/.test(html), 'neither NaN nor null is printed');
  });

  test('escapes HTML in cells, column names and the caption', () => {
    const df = new DataFrame([{ '<i>col</i>': '<b>x</b> & "q"', n: 1 }]);
    const html = frameHtml(df, 'Results <script>alert(1)</script>');
    assert.ok(html.includes(td('&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot;')), `escaped cell in ${html}`);
    assert.ok(html.includes('&lt;i&gt;col&lt;/i&gt;</th>'), 'escaped column name');
    assert.ok(html.includes('>Results &lt;script&gt;alert(1)&lt;/script&gt;</caption>'), 'escaped caption');
    assert.ok(!html.includes('<script>') && !html.includes('<b>') && !html.includes('<i>'), 'no raw tag from the data');
  });

  test('the results of two runs: a table of 2 rows plus the header', () => {
    const html = frameHtml(resultsFrame([baseline(), baseline()]), 'Results');
    assert.equal(rowsOf(html), 3);
    assert.ok(html.includes(td('baseline (sigmoid)')), 'run label in a cell');
    assert.ok(html.includes(td('1/670,000')), 'a share in a cell');
  });
});
