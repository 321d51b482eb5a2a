/** The update:data ratio figure. */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { plotUpdateRatio } from '../../../lib/presentation/figures/updates';
import { assertClose } from '../../helpers';
import { LAYERS, axis, title, baseline, relu } from '../plots.fixtures';

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
