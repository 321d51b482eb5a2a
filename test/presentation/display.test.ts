import { after, afterEach, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Figure, TITLE_ANCHOR } from '../../lib/presentation/plots';
import { Progress } from '../../lib/training/train';
import { fakeEpoch } from '../helpers';

type Display = typeof import('../../lib/presentation/display');
interface Message {
  msg: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: { display_id?: string } };
  update: boolean;
}

/** tslab's kernel writer slot: null outside a kernel. display.ts reads it on every call. */
const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
const original = jupyter.lastWriteDisplayData;

/** display.ts loaded anew, so that its "plotly already sent" flag starts false. */
function freshDisplay(): Display {
  delete require.cache[require.resolve('../../lib/presentation/display')];
  return require('../../lib/presentation/display') as Display;
}

/** Pretends to be inside a kernel: every display message lands in the returned array. */
function stubWriter(): Message[] {
  const calls: Message[] = [];
  jupyter.lastWriteDisplayData = (msg: Message['msg'], update: boolean) => calls.push({ msg, update });
  return calls;
}

const PLOTLY_FILE = require.resolve('plotly.js-dist-min');
const PLOTLY_SOURCE = fs.readFileSync(PLOTLY_FILE, 'utf8');
const PLOTLY_VERSION = (JSON.parse(fs.readFileSync(path.join(path.dirname(PLOTLY_FILE), 'package.json'), 'utf8')) as { version: string }).version;
const isPlotlyBundle = (m: Message) => String(m.msg.data['text/plain']).startsWith('plotly.js ');

const figure = (): Figure => ({
  data: [{ type: 'scatter', x: [1, 2], y: [3, 4], name: 'a' }],
  layout: { title: { text: '<b>Gradient</b> flow' }, height: 300 },
});

afterEach(() => {
  jupyter.lastWriteDisplayData = original;
});
after(() => {
  jupyter.lastWriteDisplayData = original;
});

describe('outside a Jupyter kernel', () => {
  before(() => {
    assert.equal(jupyter.lastWriteDisplayData, null, 'no kernel writer in a test process');
  });

  test('showFigure, showHtml, showMarkdown and loadPlotly do nothing and throw nothing', () => {
    const d = freshDisplay();
    assert.doesNotThrow(() => d.showFigure(figure()));
    assert.doesNotThrow(() => d.showHtml('<p>hi</p>'));
    assert.doesNotThrow(() => d.showMarkdown('**hi**'));
    assert.equal(d.displayBundle({ 'text/plain': 'x' }), false);
    assert.equal(d.loadPlotly(), false);
    const bar = d.progressBar('run', 0);
    assert.doesNotThrow(() => bar({ kind: 'epoch', epoch: 1, lastEpoch: 1, step: 1, steps: 1, loss: 1 }));
  });

  test('a figure shown outside a kernel does not count as having sent plotly', () => {
    const d = freshDisplay();
    d.showFigure(figure());
    d.loadPlotly();
    const calls = stubWriter();
    d.showFigure(figure());
    assert.equal(calls.length, 2, 'the bundle and then the figure');
    assert.ok(isPlotlyBundle(calls[0]), 'the bundle comes first');
  });
});

describe('in a kernel (stubbed writer)', () => {
  test('showFigure: the bundle once, before the first figure; each figure one message of three MIME types', () => {
    const d = freshDisplay();
    const calls = stubWriter();
    const fig = figure();
    d.showFigure(fig);
    assert.equal(calls.length, 2);
    assert.ok(isPlotlyBundle(calls[0]), 'the plotly bundle is sent before the first figure');
    const m = calls[1];
    assert.deepEqual(Object.keys(m.msg.data).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
    assert.deepEqual(m.msg.data['application/vnd.plotly.v1+json'], { data: fig.data, layout: { ...fig.layout, title: { ...TITLE_ANCHOR, ...fig.layout.title } }, config: {} });
    assert.match(String(m.msg.data['text/html']), /<div id="vg-fig-[^"]+" class="vg-figure" style="width:100%;height:300px">/);
    assert.equal(m.msg.data['text/plain'], '[Plotly figure: Gradient flow]');
    assert.equal(m.update, false);
    assert.deepEqual(m.msg.transient, {});

    d.showFigure(figure());
    d.showFigure(figure());
    assert.equal(calls.length, 4, 'later figures: one message each');
    assert.equal(calls.filter(isPlotlyBundle).length, 1, 'the bundle is sent once');
  });

  test('showFolded: one closed <details> holding every figure, listed in its summary and in the text form', () => {
    const d = freshDisplay();
    const calls = stubWriter();
    const second: Figure = { data: [], layout: { title: { text: 'Saturation<br><sup>per layer</sup>' } } };
    d.showFolded('More views', [figure(), second]);
    assert.equal(calls.length, 2, 'the plotly bundle first, then the fold');
    const html = String(calls[1].msg.data['text/html']);
    assert.match(html, /^<details id="vg-fold-[^"]+" class="vg-fold"><summary><b>More views<\/b>: Gradient flow; Saturation<\/summary>/);
    assert.ok(!/<details[^>]* open/.test(html), 'closed until the reader opens it');
    assert.equal(html.match(/class="vg-figure"/g)?.length, 2, 'both figures inside');
    assert.ok(html.indexOf('</details>') > html.lastIndexOf('class="vg-figure"'), 'the figures are inside the fold');
    assert.match(html, /addEventListener\('toggle'.*Plotly\.Plots\.resize/, 'redrawn at its real width when opened');
    assert.equal(calls[1].msg.data['text/plain'], 'More views (folded): Gradient flow; Saturation');
  });

  test('after the setup cell\'s loadPlotly, figures do not send the bundle again', () => {
    const d = freshDisplay();
    const calls = stubWriter();
    assert.equal(d.loadPlotly(), true);
    d.showFigure(figure());
    assert.equal(calls.length, 2);
    assert.ok(isPlotlyBundle(calls[0]) && !isPlotlyBundle(calls[1]), 'bundle, then figure');
  });

  test('loadPlotly: an inline <script> holding the plotly.js source, with its version in text/plain', () => {
    const d = freshDisplay();
    const calls = stubWriter();
    d.loadPlotly();
    assert.equal(calls.length, 1);
    const html = String(calls[0].msg.data['text/html']);
    assert.ok(html.startsWith(`<script type="text/javascript">${PLOTLY_SOURCE}</script>`), 'the plotly.js source, whole');
    const rest = html.slice(`<script type="text/javascript">${PLOTLY_SOURCE}</script>`.length);
    assert.match(rest, /^<p class="vg-untrusted">This notebook is not trusted.*jupyter trust NOTEBOOK\.ipynb.*<\/p><script type="text\/javascript">document\.querySelectorAll\('p\.vg-untrusted'\)/);
    assert.equal(calls[0].msg.data['text/plain'], `plotly.js ${PLOTLY_VERSION} loaded for the figures below`);
  });

  test('loadPlotly escapes </script and <!-- in the source', (t) => {
    // the module object itself (display.ts reads its methods through it), not this file's import wrapper
    const realFs = require('fs') as typeof fs;
    const read = realFs.readFileSync;
    const tail = '\nvar s = "</SCRIPT><script>alert(1)</script><!--";\n';
    t.mock.method(realFs, 'readFileSync', ((file: fs.PathOrFileDescriptor, options?: unknown) => {
      const text = read(file, options as BufferEncoding);
      return file === PLOTLY_FILE ? `${text}${tail}` : text;
    }) as typeof fs.readFileSync);
    const d = freshDisplay();
    const calls = stubWriter();
    d.loadPlotly();
    const html = String(calls[0].msg.data['text/html']);
    const bundle = html.slice(0, html.indexOf('<p class="vg-untrusted">'));
    assert.ok(bundle.endsWith('\nvar s = "<\\/SCRIPT><script>alert(1)<\\/script><\\!--";\n</script>'), `escaped tail: ${bundle.slice(-80)}`);
    assert.equal(bundle.match(/<\/script/gi)?.length, 1, 'only the closing tag of the script itself');
    assert.ok(!html.includes('<!--'), 'no raw <!--');
  });

  test('showHtml and showMarkdown: the markup and a plain-text version', () => {
    const d = freshDisplay();
    const calls = stubWriter();
    d.showHtml('<p><b>backend</b> wasm</p>');
    d.showMarkdown('**Verdict:** fine');
    d.showHtml('<i>x</i>', 'my-id', true);
    assert.deepEqual(calls.map((c) => c.msg.data), [
      { 'text/html': '<p><b>backend</b> wasm</p>', 'text/plain': 'backend wasm' },
      { 'text/markdown': '**Verdict:** fine', 'text/plain': '**Verdict:** fine' },
      { 'text/html': '<i>x</i>', 'text/plain': 'x' },
    ]);
    assert.deepEqual(calls.map((c) => [c.update, c.msg.transient]), [[false, {}], [false, {}], [true, { display_id: 'my-id' }]]);
  });
});

describe('progressBar', () => {
  const step = (epoch: number, s: number, lastEpoch = 2, steps = 10): Progress => ({ kind: 'step', epoch, lastEpoch, step: s, steps, loss: 2.302585 });
  const epochEnd = (epoch: number, lastEpoch = 2, steps = 10): Progress => ({
    kind: 'epoch', epoch, lastEpoch, step: steps, steps, loss: 1.23456, record: fakeEpoch(epoch, [], { valAcc: 0.4567 }),
  });

  test('a display_data first, then updates in place under the same transient display_id', () => {
    const d = freshDisplay();
    const calls = stubWriter();
    const bar = d.progressBar('weights N(0, 1)', 0);
    bar(step(1, 3));
    bar(step(2, 5));
    bar(epochEnd(2));
    assert.equal(calls.length, 3);
    assert.deepEqual(calls.map((c) => c.update), [false, true, true]);
    const id = calls[0].msg.transient.display_id;
    assert.ok(typeof id === 'string' && id.length > 0, `a display id: ${String(id)}`);
    assert.ok(calls.every((c) => c.msg.transient.display_id === id), 'the same display id throughout');
    const html = calls.map((c) => String(c.msg.data['text/html']));
    // done = (epoch - 1 + step / steps) / lastEpoch: 0.15, 0.75, 1
    assert.match(html[0], /weights N\(0, 1\): epoch 1\/2, step 3\/10, loss 2\.3026/);
    assert.match(html[0], /width:15%/);
    assert.match(html[1], /width:75%/);
    assert.match(html[2], /epoch 2\/2, step 10\/10, loss 1\.2346, val acc 45\.7%/);
    assert.match(html[2], /width:100%/);
    assert.equal(calls[2].msg.data['text/plain'], 'weights N(0, 1): epoch 2/2, step 10/10, loss 1.2346, val acc 45.7% (100 %)');
    assert.match(html[1], /step 5\/10, loss [\d.]+ \(75 %\)/, 'the percentage in the text, for an untrusted notebook without the bar');
  });

  test('two bars have different display ids', () => {
    const d = freshDisplay();
    const calls = stubWriter();
    d.progressBar('run', 0)(step(1, 1));
    d.progressBar('run', 0)(step(1, 1));
    assert.notEqual(calls[0].msg.transient.display_id, calls[1].msg.transient.display_id);
  });

  test('throttled: many calls within the interval make one message, but the final epoch is always sent', () => {
    const d = freshDisplay();
    const calls = stubWriter();
    const bar = d.progressBar('run', 60_000);
    bar(step(1, 1));
    for (let s = 2; s <= 10; s++) bar(step(1, s));
    bar(epochEnd(1));
    for (let s = 1; s <= 10; s++) bar(step(2, s));
    assert.equal(calls.length, 1, 'one message within the interval (a non-final epoch end included)');
    bar(epochEnd(2));
    assert.equal(calls.length, 2, 'the final epoch is sent');
    assert.equal(calls[1].update, true);
    assert.match(String(calls[1].msg.data['text/html']), /epoch 2\/2.*val acc 45\.7%/);
  });

  test('once the interval has passed, the next call is sent', (t) => {
    let now = 1_000_000;
    t.mock.method(Date, 'now', () => now);
    const d = freshDisplay();
    const calls = stubWriter();
    const bar = d.progressBar('run', 500);
    bar(step(1, 1));
    now += 499;
    bar(step(1, 2));
    assert.equal(calls.length, 1, '499 ms later: throttled');
    now += 1;
    bar(step(1, 3));
    assert.equal(calls.length, 2, '500 ms later: sent');
    bar(step(1, 4));
    assert.equal(calls.length, 2, 'and throttled again');
    assert.match(String(calls[1].msg.data['text/html']), /step 3\/10/);
  });

  test('layer-wise runs show their stage', () => {
    const d = freshDisplay();
    const calls = stubWriter();
    d.progressBar('layer-wise training', 0)({ ...step(3, 1, 7), stage: 2 });
    assert.match(String(calls[0].msg.data['text/plain']), /epoch 3\/7 \(stage 2\), step 1\/10/);
  });
});

describe('progressBar over seeds', () => {
  const step = (epoch: number, s: number): Progress => ({ kind: 'step', epoch, lastEpoch: 2, step: s, steps: 10, loss: 1 });
  test('one row per seed in one display; a stored seed says when it was trained', () => {
    const d = freshDisplay();
    const calls = stubWriter();
    const bars = d.progressBar('ReLU & co', 0, [4, 5, 6]);
    bars(step(1, 5), 1);
    bars.stored(2, '2026-11-20T09:15:42.000Z');
    assert.equal(calls.length, 2);
    assert.equal(calls[1].msg.transient.display_id, calls[0].msg.transient.display_id);
    assert.equal(calls[1].msg.data['text/plain'],
      'ReLU & co, seed 4: waiting (0 %)\nReLU & co, seed 5: epoch 1/2, step 5/10, loss 1.0000 (25 %)\nReLU & co, seed 6: from the run store, trained 2026-11-20 09:15 (100 %)');
    const html = String(calls[1].msg.data['text/html']);
    assert.match(html, /ReLU &amp; co, seed 5/);
    assert.deepEqual([...html.matchAll(/width:(\d+)%;height/g)].map((m) => m[1]), ['0', '25', '100']);
  });
});
