/**
 * What every figure shares, and how a figure is saved: the Figure type, run colours and labels, the
 * layer axis, the seeds' mean, band and error bars, the layout (legend below, panels, panel titles),
 * and a figure's JSON and HTML. The figures themselves live in figures/ by subject: flow.ts (the
 * gradient and the signal per layer, at initialisation with the prediction, the heatmap), units.ts
 * (saturation, activation distributions and statistics, raw vs normalised gradient), updates.ts (the
 * update:data ratio), curves.ts (learning curves and layer-wise stages), distributions.ts (histograms
 * of sampled values). `showFigure` (display.ts) draws a figure in a notebook.
 * Every figure is titled, its axes labelled, magnitudes spanning decades on log axes. A run of
 * several seeds is drawn as the mean over its seeds with a band from their minimum to their maximum.
 */
import { LayerSpread, Runs, Spread, seedRuns } from '../runs/seeds';
import { LayerMetric, LayerStats } from '../training/stats';
import { escapeScript } from './html';

export type Trace = Record<string, unknown>;
export interface Figure {
  data: Trace[];
  layout: Record<string, unknown> & { title: { text: string } };
  config?: Record<string, unknown>;
}

/** Baseline grey, remedies in Plotly's palette. */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
export const BASELINE_COLOR = '#7f7f7f';
export const REMEDY_COLOR = PALETTE[0];

/**
 * Legend names of runs shown together: each run's label, made unique where two runs share one (by
 * their seeds where those differ, else by number), so that no run hides behind another's name.
 */
export function runLabels(runs: Runs[]): string[] {
  const seedsOf = (r: Runs) => seedRuns(r).map((h) => h.seed).join(', ');
  return runs.map((r) => {
    const twins = runs.filter((o) => o.label === r.label);
    if (twins.length === 1) return r.label;
    const seeds = new Set(twins.map(seedsOf));
    const word = seedRuns(r).length > 1 ? 'seeds' : 'seed';
    return seeds.size === twins.length ? `${r.label} (${word} ${seedsOf(r)})` : `${r.label} #${twins.indexOf(r) + 1}`;
  });
}

/** The study's unchanged baseline: the run every remedy is compared with, drawn in grey. */
export function isBaseline(h: { config: { experiment: string; changes: string[] } }): boolean {
  return h.config.experiment === 'baseline' && h.config.changes.length === 0;
}

/** Colours given so far, by run label: a notebook's figures are drawn in one kernel, so this is per notebook. */
const colorByLabel = new Map<string, string>();

/**
 * A run's colour in every figure of the notebook: the unchanged baseline grey, any other run the next
 * palette colour the first time a figure shows its label, and that same colour in every figure after.
 * (Colours by position made N(0, 1) red in one figure and blue in the next.)
 */
export function colorFor(label: string, baseline: boolean): string {
  if (baseline) return BASELINE_COLOR;
  let color = colorByLabel.get(label);
  if (color === undefined) {
    color = PALETTE[colorByLabel.size % PALETTE.length];
    colorByLabel.set(label, color);
  }
  return color;
}

/** The colour of each run shown together (`colorFor` by their legend names; one unchanged baseline grey). */
export function runColors(runs: Runs[]): string[] {
  const labels = runLabels(runs);
  const grey = runs.findIndex(isBaseline);
  return runs.map((_, i) => colorFor(labels[i], i === grey));
}

/**
 * Layer colours, input to output: hues far apart in a fixed order (navy, blue, teal, green, gold,
 * orange, crimson, then black for the output), so that eight lines stay apart (a dark-blue-to-orange ramp made
 * neighbouring layers look alike) while the order still reads input to output.
 */
const LAYER_COLORS = ['#1a237e', '#0288d1', '#00897b', '#7cb342', '#c0a000', '#e65100', '#ad1457', '#212121'];

/** The colour of layer `index` of `count`, input to output; more layers than colours interpolate between them. */
export function layerColor(index: number, count: number): string {
  if (count <= LAYER_COLORS.length) {
    return LAYER_COLORS[count === 1 ? 0 : Math.round((index * (LAYER_COLORS.length - 1)) / (count - 1))];
  }
  const at = (index * (LAYER_COLORS.length - 1)) / (count - 1);
  const [a, b] = [LAYER_COLORS[Math.floor(at)], LAYER_COLORS[Math.ceil(at)]].map((c) => [1, 3, 5].map((k) => parseInt(c.slice(k, k + 2), 16)));
  const f = at - Math.floor(at);
  return `rgb(${a.map((v, k) => Math.round(v + f * (b[k] - v))).join(', ')})`;
}

const hiddenIndex = (name: string) => Number(/^hidden(\d+)$/.exec(name)?.[1] ?? NaN);

/**
 * Every layer of the runs, input to output: hidden layers by number, any other layers in the order
 * first seen, the output layer last. Runs of different depth share one axis, each run blank where it
 * has no such layer.
 */
export function layerAxis(runs: Runs[], hiddenOnly = false): string[] {
  const names = [...new Set(runs.flatMap((r) => seedRuns(r).flatMap((h) => h.layerNames)))];
  const hidden = names.filter((n) => !Number.isNaN(hiddenIndex(n))).sort((a, b) => hiddenIndex(a) - hiddenIndex(b));
  const other = names.filter((n) => Number.isNaN(hiddenIndex(n)) && n !== 'output');
  return [...hidden, ...other, ...(!hiddenOnly && names.includes('output') ? ['output'] : [])];
}

/** A metric's spread over seeds at each layer of `axis`, by name: null where there is no such layer. */
export function spreadAt(layers: LayerSpread[], axis: string[], metric: LayerMetric): Array<Spread | null> {
  const byName = new Map(layers.map((l) => [l.name, l[metric]]));
  return axis.map((n) => byName.get(n) ?? null);
}

/**
 * The value a line draws for a run's seeds: their mean, geometric on a log axis where seeds can differ
 * by decades (arithmetic where a seed's value is 0 or below, which a geometric mean cannot take).
 * One seed: its value, exactly.
 */
export function centre(s: Spread | null, log: boolean): number | null {
  if (s === null) return null;
  return log && s.n > 1 ? s.geoMean ?? s.mean : s.mean;
}

/**
 * The band of a line: the min–max over seeds as a filled polygon in the line's colour, one piece per
 * stretch of consecutive points (so that it breaks where the line does, and on a log axis where a
 * seed's minimum is 0 or below). None unless some point has two seeds: one seed draws no band.
 */
export function seedBand(x: Array<string | number>, spreads: Array<Spread | null>, color: string | undefined, log: boolean, extra: Trace = {}): Trace[] {
  if (!spreads.some((s) => s !== null && s.n > 1)) return [];
  const pieces: number[][] = [];
  spreads.forEach((s, i) => {
    if (s === null || (log && s.min <= 0)) return;
    const last = pieces[pieces.length - 1];
    if (last && last[last.length - 1] === i - 1) last.push(i);
    else pieces.push([i]);
  });
  // Out along the maxima and back along the minima; a null between pieces makes Plotly close each on its own.
  const outline = <T>(f: (i: number, forward: boolean) => T) =>
    pieces.flatMap((p, k) => [...(k > 0 ? [null] : []), ...p.map((i) => f(i, true)), ...[...p].reverse().map((i) => f(i, false))]);
  return [{
    type: 'scatter', mode: 'lines', x: outline((i) => x[i]), y: outline((i, forward) => (forward ? spreads[i]!.max : spreads[i]!.min)),
    fill: 'toself', fillcolor: color, opacity: 0.2, line: { width: 0, color }, showlegend: false, hoverinfo: 'skip', ...extra,
  }];
}

/** Asymmetric min–max error bars over seeds around `centres`, for bars; undefined unless some point has two seeds. */
export function seedErrorBars(spreads: Array<Spread | null>, centres: Array<number | null>): Record<string, unknown> | undefined {
  if (!spreads.some((s) => s !== null && s.n > 1)) return undefined;
  const part = (f: (s: Spread, c: number) => number) => spreads.map((s, i) => {
    const c = centres[i];
    return s !== null && s.n > 1 && c !== null ? f(s, c) : null;
  });
  return { type: 'data', symmetric: false, array: part((s, c) => s.max - c), arrayminus: part((s, c) => c - s.min), visible: true };
}

/** How many seeds runs shown together have: "3", or "1–3" where they differ. */
export function seedCountText(counts: number[]): string {
  const [least, most] = [Math.min(...counts), Math.max(...counts)];
  return least === most ? `${most}` : `${least}–${most}`;
}

/**
 * What a figure says under its title when a run has several seeds: what its lines are and what shows
 * the seeds' spread; '' when every run has one seed.
 */
export function seedNote(runs: Runs[], log: boolean, spread: 'band' | 'error bars' | null): string {
  const counts = runs.map((r) => seedRuns(r).length);
  if (Math.max(...counts) < 2) return '';
  return `${log ? 'geometric ' : ''}mean over ${seedCountText(counts)} seeds${spread ? `, ${spread}: min–max` : ''}`;
}

/** A category axis that keeps the layers in `axis` order, every one shown even where no run has a value. */
export function layerCategories(axis: string[]): Record<string, unknown> {
  return { type: 'category', categoryorder: 'array', categoryarray: axis };
}

/**
 * Every figure's legend sits at the bottom of the figure itself, not at a fraction of the plot's
 * height below it, and every axis makes room for its ticks and title: Plotly then sizes the plot area
 * around both, so the legend meets no tick label or axis title at any width (a legend at y = -0.2
 * covered them at 900 px, a usual JupyterLab width; checked in test/notebooks/jupyterlab.browser.test.ts).
 */
export const LEGEND_BELOW = { orientation: 'h', xref: 'container', yref: 'container', x: 0, y: 0, yanchor: 'bottom' };
export const ROOM_FOR_AXES = { layout: { xaxis: { automargin: true }, yaxis: { automargin: true } } };

export function baseLayout(title: string, extra: Record<string, unknown> = {}, note = ''): Figure['layout'] {
  return {
    title: { text: note ? `${title}<br><sup>${note}</sup>` : title },
    height: 420,
    margin: { t: topMargin(note ? 90 : 70, extra.annotations), l: 70, r: 30, b: 60 },
    legend: LEGEND_BELOW,
    template: ROOM_FOR_AXES,
    ...extra,
  };
}

/**
 * A loss axis: logarithmic where the values drawn on it span a decade or more (N(0, 10²) starts near 100
 * where the others sit near 2.3, and a linear axis flattened every other run), linear otherwise.
 */
export function lossAxis(values: Array<number | null>, extra: Record<string, unknown> = {}, name = 'cross-entropy loss'): Record<string, unknown> {
  const positive = values.filter((v): v is number => v !== null && v > 0);
  const log = positive.length > 0 && Math.max(...positive) / Math.min(...positive) >= 10;
  // 'D2': ticks at 1, 2 and 5 times each power of ten, labelled, where a log axis spans a decade or more
  return log ? { type: 'log', dtick: 'D2', title: { text: `${name} (log scale)` }, ...extra } : { title: { text: name }, ...extra };
}

/** An epoch axis with whole-number ticks. */
export function epochAxis(runs: Runs[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const n = Math.max(...runs.flatMap((r) => seedRuns(r).map((h) => h.epochs.length)));
  return { title: { text: 'epoch' }, dtick: Math.max(1, Math.ceil(n / 10)), ...extra };
}

/** Side-by-side panels: axis ids and domains for `n` panels. */
export function panels(n: number, gap = 0.06): Array<{ x: string; y: string; xKey: string; yKey: string; domain: [number, number] }> {
  const w = (1 - gap * (n - 1)) / n;
  return Array.from({ length: n }, (_, i) => ({
    x: i === 0 ? 'x' : `x${i + 1}`,
    y: i === 0 ? 'y' : `y${i + 1}`,
    xKey: i === 0 ? 'xaxis' : `xaxis${i + 1}`,
    yKey: i === 0 ? 'yaxis' : `yaxis${i + 1}`,
    domain: [i * (w + gap), i * (w + gap) + w] as [number, number],
  }));
}

/** `text` broken at spaces into lines of at most `width` characters, joined by Plotly's `<br>`. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines.join('<br>');
}

/**
 * A title above each panel, wrapped to the panel's share of the width (at 900 px, a usual JupyterLab
 * width, two one-line titles ran into each other).
 */
export function panelTitles(titles: string[], ps: Array<{ domain: [number, number] }>): Trace[] {
  const width = Math.max(12, Math.floor(40 / ps.length));
  return titles.map((text, i) => ({
    text: wrap(text, width).split('<br>').map((line) => `<b>${line}</b>`).join('<br>'), showarrow: false, xref: 'paper', yref: 'paper',
    x: (ps[i].domain[0] + ps[i].domain[1]) / 2, y: 1.02, xanchor: 'center', yanchor: 'bottom',
  }));
}

/** The top margin `base`, grown by a line's height for each line a panel title adds, so the figure's title stays clear. */
export function topMargin(base: number, annotations: unknown): number {
  const lines = Array.isArray(annotations) ? Math.max(1, ...annotations.map((a) => String((a as Trace).text ?? '').split('<br>').length)) : 1;
  return base + 16 * (lines - 1);
}

/**
 * How a prediction is drawn beside a measurement: open diamonds on a dashed line, after (on top of) the
 * measured lines, so that it stays visible where the two coincide (a dashed line alone vanished under
 * the solid one).
 */
export const PREDICTION_MARKER = { symbol: 'diamond-open', size: 10, line: { width: 2 } };

export interface ProfileSeries {
  label: string;
  values: Array<number | null>;
  /** Point markers (default: Plotly's filled circles); `PREDICTION_MARKER` for a prediction. */
  marker?: Record<string, unknown>;
  /** The spread over seeds at each layer, drawn as a band around the line. */
  band?: Array<Spread | null>;
  color?: string;
  dash?: 'solid' | 'dash' | 'dot';
}

/** A metric per layer of `axis` over a run's seeds, as a ProfileSeries' line and band. */
export function profile(layers: LayerSpread[], axis: string[], metric: LayerMetric, log = true): { values: Array<number | null>; band: Array<Spread | null> } {
  const band = spreadAt(layers, axis, metric);
  return { values: band.map((s) => centre(s, log)), band };
}

/**
 * The mean-field prediction chained down from the output: the logits' measured RMS dL/dh, times each
 * layer's `predictedGradFactor` on the way down. Where the theory does not apply (a null factor: skips,
 * gradient normalisation) the chain starts again from the measured value.
 */
export function chainedPrediction(layers: Array<Pick<LayerStats, 'activationGradRms' | 'predictedGradFactor'>>): Array<number | null> {
  const out: Array<number | null> = layers.map(() => null);
  const last = layers.length - 1;
  out[last] = layers[last].activationGradRms;
  for (let i = last; i > 0; i--) {
    const factor = layers[i].predictedGradFactor;
    const above = out[i];
    out[i - 1] = factor !== null && above !== null ? above * factor : layers[i - 1].activationGradRms;
  }
  return out;
}

let figureCount = 0;
/** Numbers kept to 4 significant digits in a figure's JSON: more than a plot or its hover shows, half the bytes. */
export const FIGURE_JSON_DIGITS = 4;
const rounded = (_key: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(FIGURE_JSON_DIGITS)) : v);

/**
 * Characters per line of a figure's title and of its subtitle (`<sup>`): what fits about 570 px of plot, the
 * width a notebook's output gets at 900 px with JupyterLab's file browser open (Plotly does not wrap titles;
 * longer ones ran off both sides).
 */
export const TITLE_CHARS = 55;
export const SUBTITLE_CHARS = 85;

/** Characters a reader sees of a title (its tags and entities left out). */
const visibleLength = (html: string) => html.replace(/<[^>]*>/g, '').replace(/&[a-z#0-9]+;/gi, 'x').length;

/** `html` broken at spaces into lines of at most `width` visible characters. */
function wrapHtml(html: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of html.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && visibleLength(lines[last]) + 1 + visibleLength(word) <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/**
 * A figure's title with its lines wrapped to `TITLE_CHARS` and its subtitle's to `SUBTITLE_CHARS`, and how
 * many lines each part gained: the top margin grows by that many lines, so nothing above the plot moves
 * onto it.
 */
export function fitTitle(text: string): { text: string; added: { title: number; subtitle: number } } {
  const cut = text.indexOf('<sup>');
  const head = cut < 0 ? text : text.slice(0, cut).replace(/<br>$/, '');
  const sub = cut < 0 ? null : text.slice(cut + 5).replace(/<\/sup>$/, '');
  const headLines = head.split('<br>');
  const title = headLines.flatMap((l) => wrapHtml(l, TITLE_CHARS));
  const subLines = sub === null ? [] : sub.split('<br>');
  const subtitle = subLines.flatMap((l) => wrapHtml(l, SUBTITLE_CHARS));
  return {
    text: `${title.join('<br>')}${sub === null ? '' : `<br><sup>${subtitle.join('<br>')}</sup>`}`,
    added: { title: title.length - headLines.length, subtitle: subtitle.length - subLines.length },
  };
}

/**
 * Where a saved figure's title hangs: from the top of the figure. A title Plotly centres in the top margin
 * grows down into the panel titles above the plot by half of every line it gains.
 */
export const TITLE_ANCHOR = { yref: 'container', y: 1, yanchor: 'top', pad: { t: 12 } };

/**
 * The figure as it is saved into a notebook: its numbers to `FIGURE_JSON_DIGITS` significant digits, its
 * title fitted to a narrow notebook (`fitTitle`).
 */
export function figureJson(figure: Figure): { data: Trace[]; layout: Figure['layout']; config: Record<string, unknown> } {
  const fitted = fitTitle(figure.layout.title.text);
  const grown = 22 * fitted.added.title + 15 * fitted.added.subtitle;
  // Plotly's defaults: a top margin of 100 px, a height of 450 px
  const margin = (figure.layout.margin ?? {}) as { t?: number };
  const title = { ...TITLE_ANCHOR, ...figure.layout.title, text: fitted.text };
  const layout = grown === 0 ? { ...figure.layout, title } : {
    ...figure.layout,
    title,
    margin: { ...margin, t: (margin.t ?? 100) + grown },
    height: ((figure.layout.height as number | undefined) ?? 450) + grown,
  };
  return JSON.parse(JSON.stringify({ data: figure.data, layout, config: figure.config ?? {} }, rounded));
}

/**
 * What a figure shows where its script does not run: Jupyter runs an output's scripts only in a trusted
 * notebook, and sanitises the rest (this text, without scripts or styles, survives). The script removes it.
 */
export const UNTRUSTED_HINT =
  'This notebook is not trusted, so Jupyter does not run the scripts that draw its interactive figures. ' +
  'Trust it and reload (JupyterLab: the command palette, Ctrl+Shift+C, then "Trust Notebook"; Notebook 7: File &gt; Trust Notebook; ' +
  'or <code>jupyter trust NOTEBOOK.ipynb</code>), or run its cells again.';
/** Standalone HTML of a figure: a div and a script that draws it with `window.Plotly`. */
export function figureHtml(figure: Figure): string {
  const id = `vg-fig-${Date.now().toString(36)}-${++figureCount}`;
  const saved = figureJson(figure);
  const payload = escapeScript(JSON.stringify({ ...saved, config: { responsive: true, ...saved.config } }));
  const height = (saved.layout.height as number | undefined) ?? 420;
  return (
    `<div id="${id}" class="vg-figure" style="width:100%;height:${height}px"><p class="vg-untrusted">${UNTRUSTED_HINT}</p></div>\n` +
    `<script type="text/javascript">(function () {\n` +
    `  var fig = ${payload};\n` +
    `  var tries = 50;\n` +
    `  function draw() {\n` +
    `    var el = document.getElementById(${JSON.stringify(id)});\n` +
    `    if (!el) return;\n` +
    `    if (window.Plotly) { el.innerHTML = ''; window.Plotly.newPlot(el, fig.data, fig.layout, fig.config); }\n` +
    `    else if (tries-- > 0) { setTimeout(draw, 100); }\n` +
    `    else { el.textContent = 'Plotly is not loaded here: run the notebook\\'s setup cell (or trust the notebook).'; }\n` +
    `  }\n` +
    `  draw();\n` +
    `})();</script>`
  );
}
