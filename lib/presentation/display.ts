/**
 * Showing things in a tslab notebook: Plotly figures as a full MIME bundle (so they render in
 * JupyterLab, classic Notebook, nbconvert HTML and VS Code), HTML, and a live progress bar.
 * Outside a Jupyter kernel (tests, CLI) nothing is shown.
 */
import * as fs from 'fs';
import * as path from 'path';
import { escapeHtml, escapeScript, minuteStamp } from './html';
import { Figure, UNTRUSTED_HINT, figureHtml, figureJson } from './plots';
import { Progress } from '../training/train';

type Bundle = Record<string, unknown>;
type Writer = (msg: { data: Bundle; metadata: Record<string, unknown>; transient: { display_id?: string } }, update: boolean) => void;

/**
 * tslab's writer of display_data messages. Its public `display.raw()` sends one MIME type per
 * output; a figure needs several in one, so we use the kernel's internal writer, guarded because it
 * is not public API.
 */
function writer(): Writer | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: Writer | null };
    return typeof jupyter.lastWriteDisplayData === 'function' ? jupyter.lastWriteDisplayData : undefined;
  } catch {
    return undefined;
  }
}

/** Sends one output made of several MIME types. With `displayId`, `update` replaces that output in place. */
export function displayBundle(data: Bundle, displayId?: string, update = false): boolean {
  const write = writer();
  if (!write) return false;
  write({ data, metadata: {}, transient: displayId ? { display_id: displayId } : {} }, update);
  return true;
}

export function showHtml(html: string, displayId?: string, update = false): void {
  displayBundle({ 'text/html': html, 'text/plain': html.replace(/<[^>]+>/g, '') }, displayId, update);
}

export function showMarkdown(markdown: string): void {
  displayBundle({ 'text/markdown': markdown, 'text/plain': markdown });
}

let plotlySent = false;

/** Removes the untrusted-notebook hints once a script runs (it only runs where the notebook is trusted). */
const REMOVE_HINTS = "document.querySelectorAll('p.vg-untrusted').forEach(function (p) { if (window.Plotly) p.remove(); });";

/**
 * Puts the plotly.js bundle (plotly.js-dist-min, offline, 4.8 MB) into the notebook once, as an inline
 * script that defines `window.Plotly` for every figure after it. The setup cell calls it; a figure
 * shown in a kernel that has not sent it yet (say after a restart) sends it first.
 */
export function loadPlotly(): boolean {
  const file = require.resolve('plotly.js-dist-min');
  const source = fs.readFileSync(file, 'utf8');
  const version = JSON.parse(fs.readFileSync(path.join(path.dirname(file), 'package.json'), 'utf8')).version as string;
  const ok = displayBundle({
    'text/html': `<script type="text/javascript">${escapeScript(source)}</script>` +
      `<p class="vg-untrusted">${UNTRUSTED_HINT}</p><script type="text/javascript">${REMOVE_HINTS}</script>`,
    'text/plain': `plotly.js ${version} loaded for the figures below`,
  });
  plotlySent = plotlySent || ok;
  return ok;
}

/** Shows an interactive Plotly figure. */
export function showFigure(figure: Figure): void {
  if (!writer()) return;
  if (!plotlySent) loadPlotly();
  displayBundle({
    'application/vnd.plotly.v1+json': figureJson(figure),
    'text/html': figureHtml(figure),
    'text/plain': `[Plotly figure: ${figureTitle(figure)}]`,
  });
}

const figureTitle = (figure: Figure) =>
  (typeof figure.layout.title === 'string' ? figure.layout.title : figure.layout.title?.text ?? 'figure').replace(/<br>.*$/, '').replace(/<[^>]+>/g, '');

/**
 * Figures behind a fold (`<details>`), closed until the reader opens it: the views a notebook keeps for
 * the curious, so that its main figures stay few. Each figure is drawn when the fold first opens (Plotly
 * cannot size a plot inside a closed fold); the fold's text lists what it holds.
 */
export function showFolded(summary: string, figures: Figure[]): void {
  if (!writer()) return;
  if (!plotlySent) loadPlotly();
  const id = `vg-fold-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const titles = figures.map(figureTitle);
  // Each figure's own script draws it at once; in a closed fold it is redrawn at its real width on opening.
  const html = `<details id="${id}" class="vg-fold"><summary><b>${escapeHtml(summary)}</b>: ${escapeHtml(titles.join('; '))}</summary>\n` +
    `${figures.map(figureHtml).join('\n')}\n</details>\n<script type="text/javascript">(function () {\n` +
    `  var d = document.getElementById(${JSON.stringify(id)});\n` +
    `  if (d) d.addEventListener('toggle', function () { if (d.open && window.Plotly) d.querySelectorAll('.js-plotly-plot').forEach(function (el) { window.Plotly.Plots.resize(el); }); });\n` +
    `})();</script>`;
  displayBundle({ 'text/html': html, 'text/plain': `${summary} (folded): ${titles.join('; ')}` });
}

/** Progress callbacks of one run: `(p, i)` for the seed at position i; `stored(i, at)` for a seed read from the run store. */
export interface ProgressBars {
  (p: Progress, i?: number): void;
  stored(i: number, storedAt: string): void;
}

/**
 * A live progress bar for training, one row per seed, redrawn in place at most every `intervalMs` (a
 * seed's final epoch is always drawn); the saved notebook keeps its final state. It works as tslab's
 * `newDisplay()` does (one display id, later messages update it), but sends a text/plain copy too.
 */
export function progressBar(label: string, intervalMs = 500, seeds: number[] = []): ProgressBars {
  const id = `progress-${label.replace(/\W+/g, '-')}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const name = (i: number) => (seeds.length > 1 ? `${label}, seed ${seeds[i]}` : label);
  const rows: Array<{ text: string; pct: number }> = Array.from({ length: Math.max(1, seeds.length) }, (_, i) => ({ text: `${name(i)}: waiting`, pct: 0 }));
  let shown = false;
  let last = 0;
  const draw = () => {
    // The percentage is in the text too: an untrusted notebook strips the styles that draw the bar.
    const html = rows.map((r) =>
      `<div style="font-family:monospace;font-size:12px">${escapeHtml(r.text)} (${r.pct} %)` +
      `<div style="background:#eee;width:320px;height:8px"><div style="background:#1f77b4;width:${r.pct}%;height:8px"></div></div></div>`).join('');
    displayBundle({ 'text/html': html, 'text/plain': rows.map((r) => `${r.text} (${r.pct} %)`).join('\n') }, id, shown);
    shown = true;
  };
  const bars = ((p: Progress, i = 0) => {
    const done = (p.epoch - 1 + p.step / p.steps) / p.lastEpoch;
    const acc = p.record ? `, val acc ${(p.record.valAcc * 100).toFixed(1)}%` : '';
    rows[i] = {
      text: `${name(i)}: epoch ${p.epoch}/${p.lastEpoch}${p.stage ? ` (stage ${p.stage})` : ''}, step ${p.step}/${p.steps}, loss ${p.loss.toFixed(4)}${acc}`,
      pct: Math.min(100, Math.round(done * 100)),
    };
    const now = Date.now();
    const final = p.kind === 'epoch' && p.epoch === p.lastEpoch;
    if (!final && now - last < intervalMs) return;
    last = now;
    draw();
  }) as ProgressBars;
  bars.stored = (i, storedAt) => {
    rows[i] = { text: `${name(i)}: from the run store, trained ${minuteStamp(storedAt)}`, pct: 100 };
    draw();
  };
  return bars;
}
