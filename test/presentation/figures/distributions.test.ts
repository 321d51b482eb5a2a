/** Histograms of sampled values. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { plotDistributions } from '../../../lib/presentation/figures/distributions';
import { assertClose } from '../../helpers';
import { panelText, title } from '../plots.fixtures';

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
