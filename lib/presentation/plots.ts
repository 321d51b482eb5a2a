/**
 * Plotly figures of what happens to the gradient, built from run histories. Each function returns a
 * plain figure object ({data, layout}); `showFigure` (display.ts) draws it in a notebook.
 * Every figure is titled, its axes labelled, magnitudes spanning decades on log axes. A run of
 * several seeds is drawn as the mean over its seeds with a band from their minimum to their maximum.
 */
import { EpochSpread, LayerSpread, Runs, Spread, seedRuns, summarizeSeeds } from '../runs/seeds';
import { LayerMetric, LayerStats, histogram } from '../training/stats';
import { escapeScript } from './html';

export type Trace = Record<string, unknown>;
export interface Figure {
  data: Trace[];
  layout: Record<string, unknown> & { title: { text: string } };
  config?: Record<string, unknown>;
}

/** Baseline grey, remedies in Plotly's palette. */
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
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

/** One colour per run: the first unchanged baseline grey, every other run the next colour of the palette. */
function runColors(runs: Runs[]): string[] {
  let k = 0;
  const grey = runs.findIndex(isBaseline);
  return runs.map((_, i) => (i === grey ? BASELINE_COLOR : PALETTE[k++ % PALETTE.length]));
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
function spreadAt(layers: LayerSpread[], axis: string[], metric: LayerMetric): Array<Spread | null> {
  const byName = new Map(layers.map((l) => [l.name, l[metric]]));
  return axis.map((n) => byName.get(n) ?? null);
}

/**
 * The value a line draws for a run's seeds: their mean, geometric on a log axis where seeds can differ
 * by decades (arithmetic where a seed's value is 0 or below, which a geometric mean cannot take).
 * One seed: its value, exactly.
 */
function centre(s: Spread | null, log: boolean): number | null {
  if (s === null) return null;
  return log && s.n > 1 ? s.geoMean ?? s.mean : s.mean;
}

/**
 * The band of a line: the min–max over seeds as a filled polygon in the line's colour, one piece per
 * stretch of consecutive points (so that it breaks where the line does, and on a log axis where a
 * seed's minimum is 0 or below). None unless some point has two seeds: one seed draws no band.
 */
function seedBand(x: Array<string | number>, spreads: Array<Spread | null>, color: string | undefined, log: boolean, extra: Trace = {}): Trace[] {
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
function seedNote(runs: Runs[], log: boolean, spread: 'band' | 'error bars' | null): string {
  const counts = runs.map((r) => seedRuns(r).length);
  if (Math.max(...counts) < 2) return '';
  return `${log ? 'geometric ' : ''}mean over ${seedCountText(counts)} seeds${spread ? `, ${spread}: min–max` : ''}`;
}

/** A category axis that keeps the layers in `axis` order, every one shown even where no run has a value. */
function layerCategories(axis: string[]): Record<string, unknown> {
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

function baseLayout(title: string, extra: Record<string, unknown> = {}, note = ''): Figure['layout'] {
  return {
    title: { text: note ? `${title}<br><sup>${note}</sup>` : title },
    height: 420,
    margin: { t: topMargin(note ? 90 : 70, extra.annotations), l: 70, r: 30, b: 60 },
    legend: LEGEND_BELOW,
    template: ROOM_FOR_AXES,
    ...extra,
  };
}

/** An epoch axis with whole-number ticks. */
function epochAxis(runs: Runs[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const n = Math.max(...runs.flatMap((r) => seedRuns(r).map((h) => h.epochs.length)));
  return { title: { text: 'epoch' }, dtick: Math.max(1, Math.ceil(n / 10)), ...extra };
}

/** Side-by-side panels: axis ids and domains for `n` panels. */
function panels(n: number, gap = 0.06): Array<{ x: string; y: string; xKey: string; yKey: string; domain: [number, number] }> {
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

export interface ProfileSeries {
  label: string;
  values: Array<number | null>;
  /** The spread over seeds at each layer, drawn as a band around the line. */
  band?: Array<Spread | null>;
  color?: string;
  dash?: 'solid' | 'dash' | 'dot';
}

/** A metric per layer of `axis` over a run's seeds, as a ProfileSeries' line and band. */
function profile(layers: LayerSpread[], axis: string[], metric: LayerMetric, log = true): { values: Array<number | null>; band: Array<Spread | null> } {
  const band = spreadAt(layers, axis, metric);
  return { values: band.map((s) => centre(s, log)), band };
}

/** Any per-layer quantity, input to output, one line per series; `note` goes under the title. */
export function plotLayerProfile(layers: string[], series: ProfileSeries[], title: string, yTitle: string, log = true, note = ''): Figure {
  return {
    data: series.flatMap((s) => [
      ...(s.band ? seedBand(layers, s.band, s.color, log, { legendgroup: s.label }) : []),
      {
        type: 'scatter', mode: 'lines+markers', name: s.label, x: layers, y: s.values,
        line: { color: s.color, dash: s.dash ?? 'solid' }, legendgroup: s.label,
      },
    ]),
    layout: baseLayout(title, {
      xaxis: { title: { text: 'layer (input → output)' }, ...layerCategories(layers) },
      yaxis: { title: { text: yTitle }, type: log ? 'log' : 'linear', exponentformat: 'power' },
    }, note),
  };
}

/**
 * Gradient flow at the first and last epoch of each run, two panels: the gradient that flows, RMS
 * dL/dh at each layer's output (left, the headline), and what the weights get, mean |dL/dW| (right).
 * dL/dW = hᵀ·δ carries the layer's input h too, so the right panel mixes in the forward signal.
 */
export function plotGradientFlow(runs: Runs[]): Figure {
  const colors = runColors(runs);
  const labels = runLabels(runs);
  const axis = layerAxis(runs);
  const summaries = runs.map(summarizeSeeds);
  const metrics: Array<{ metric: LayerMetric; title: string }> = [
    { metric: 'activationGradRms', title: 'the gradient that flows: RMS dL/dh' },
    { metric: 'weightGradMeanAbs', title: 'what the weights get: mean |dL/dW|' },
  ];
  const ps = panels(2, 0.1);
  const under = runs.map((r) => runs.length > 1 && isBaseline(r));
  const data = metrics.flatMap(({ metric }, k) => summaries.flatMap((s, i) => {
    const first = s.epochs[0];
    const last = s.epochs[s.epochs.length - 1];
    const line = (e: EpochSpread, dash: 'dot' | 'solid') => {
      const { values, band } = profile(e.layers, axis, metric);
      const where = { xaxis: ps[k].x, yaxis: ps[k].y, legendgroup: `${i}-${e.epoch}` };
      return [
        ...seedBand(axis, band, colors[i], true, where),
        {
          type: 'scatter', mode: 'lines+markers', name: `${labels[i]}, epoch ${e.epoch}`, x: axis, y: values, ...where, showlegend: k === 0,
          // The baseline wide and pale underneath: a remedy whose line coincides with it (layer-wise) leaves it visible.
          line: { color: colors[i], dash, width: under[i] ? 6 : 2 }, ...(under[i] ? { opacity: 0.45 } : {}),
        },
      ];
    };
    return [...line(first, 'dot'), ...(last !== first ? line(last, 'solid') : [])];
  }));
  const layout = baseLayout(
    'Gradient flow per layer, first (dotted) and last (solid) epoch',
    { annotations: panelTitles(metrics.map((m) => m.title), ps) },
    seedNote(runs, true, 'band'),
  );
  ps.forEach((p, k) => {
    layout[p.xKey] = { domain: p.domain, anchor: p.y, title: { text: 'layer (input → output)' }, ...layerCategories(axis) };
    layout[p.yKey] = { anchor: p.x, type: 'log', exponentformat: 'power', title: { text: `${metrics[k].title.split(': ')[1]} (log scale)` } };
  });
  return { data, layout };
}

/**
 * The signal going forward: per hidden layer, the spread of each unit's output across the batch's
 * images (`signalSpread`), at initialisation (dashed) and at the last epoch (solid). Where it falls,
 * later layers see nearly the same input for every image, and the output cannot tell images apart.
 */
export function plotSignalFlow(runs: Runs[]): Figure {
  const colors = runColors(runs);
  const labels = runLabels(runs);
  const axis = layerAxis(runs, true);
  const series: ProfileSeries[] = runs.map(summarizeSeeds).flatMap((s, i) => {
    const last = s.epochs[s.epochs.length - 1];
    return [
      ...(s.atInit ? [{ label: `${labels[i]}, at initialisation`, ...profile(s.atInit.layers, axis, 'signalSpread'), color: colors[i], dash: 'dash' as const }] : []),
      ...(last ? [{ label: `${labels[i]}, epoch ${last.epoch}`, ...profile(last.layers, axis, 'signalSpread'), color: colors[i] }] : []),
    ];
  });
  return plotLayerProfile(
    axis, series, "The signal going forward: spread of each unit's output across images", 'std across images (log scale)', true,
    seedNote(runs, true, 'band'),
  );
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

/**
 * The gradient that flows, before any training: RMS of dL/dh per layer at initialisation, measured
 * (solid) and as mean-field theory predicts it (dashed, chained from the output), one colour per run.
 * Over several seeds the prediction is chained from the seeds' geometric means.
 */
export function plotGradientFlowAtInit(runs: Runs[]): Figure {
  const colors = runColors(runs);
  const labels = runLabels(runs);
  const axis = layerAxis(runs);
  const series: ProfileSeries[] = runs.map(summarizeSeeds).flatMap((s, i) => {
    if (!s.atInit) return [];
    const layers = s.atInit.layers;
    const predicted = chainedPrediction(layers.map((l) => ({
      activationGradRms: centre(l.activationGradRms, true), predictedGradFactor: centre(l.predictedGradFactor, true),
    })));
    const byName = new Map(layers.map((l, k) => [l.name, predicted[k]]));
    return [
      { label: `${labels[i]}, measured`, ...profile(layers, axis, 'activationGradRms'), color: colors[i] },
      { label: `${labels[i]}, predicted`, values: axis.map((n) => byName.get(n) ?? null), color: colors[i], dash: 'dash' as const },
    ];
  });
  return plotLayerProfile(
    axis, series, 'Gradient flow at initialisation: RMS dL/dh per layer, measured and predicted', 'RMS dL/dh (log scale)', true,
    seedNote(runs, true, 'band'),
  );
}

const GRADIENT_NAMES: Partial<Record<LayerMetric, string>> = {
  activationGradRms: 'RMS dL/dh', activationGradMeanAbs: 'mean |dL/dh|', weightGradMeanAbs: 'mean |dL/dW|', weightGradNorm: '‖dL/dW‖',
};

/**
 * Layer × epoch heatmaps of log10 of a gradient metric (default RMS dL/dh, the gradient that flows), one
 * panel per run, on one colour scale; over several seeds, of their geometric mean.
 */
export function plotGradientHeatmap(runs: Runs[], metric: LayerMetric = 'activationGradRms'): Figure {
  const ps = panels(runs.length);
  const axis = layerAxis(runs);
  const labels = runLabels(runs);
  const summaries = runs.map(summarizeSeeds);
  const z = summaries.map((s) => {
    const columns = s.epochs.map((e) => profile(e.layers, axis, metric).values);
    return axis.map((_, li) => columns.map((c) => {
      const v = c[li];
      return v !== null && v > 0 ? Math.log10(v) : null;
    }));
  });
  const all = z.flat(2).filter((v): v is number => v !== null);
  const zmin = Math.floor(Math.min(...all));
  const zmax = Math.ceil(Math.max(...all));
  const data = summaries.map((s, i) => ({
    type: 'heatmap', name: labels[i], x: s.epochs.map((e) => e.epoch), y: axis, z: z[i],
    xaxis: ps[i].x, yaxis: ps[i].y, zmin, zmax, colorscale: 'Viridis', showscale: i === runs.length - 1,
    colorbar: { title: { text: 'log10' } },
    hovertemplate: 'epoch %{x}<br>%{y}<br>log10 = %{z:.2f}<extra></extra>',
  }));
  const layout = baseLayout(`log10 ${GRADIENT_NAMES[metric] ?? metric} by layer and epoch`, { annotations: panelTitles(labels, ps) }, seedNote(runs, true, null));
  ps.forEach((p, i) => {
    layout[p.xKey] = epochAxis(runs, { domain: p.domain, anchor: p.y });
    layout[p.yKey] = { anchor: p.x, ...layerCategories(axis), ...(i > 0 ? { showticklabels: false } : { title: { text: 'layer' } }) };
  });
  return { data, layout };
}

/**
 * Units out of action per hidden layer (first and last epoch) per run. Two different things, so two
 * panels when both occur: a sigmoid or tanh unit is *saturated* where its slope is nearly 0 (rule in
 * activations.ts); a ReLU unit is *inactive* for an image where its output is exactly 0 (about half of
 * them by construction when its inputs are centred), which is not saturation.
 */
export function plotSaturation(runs: Runs[]): Figure {
  const colors = runColors(runs);
  const labels = runLabels(runs);
  const hidden = layerAxis(runs, true);
  const isRelu = (r: Runs) => r.config.model.activation === 'relu';
  const groups = [
    { runs: runs.filter((h) => !isRelu(h)), title: 'saturated (sigmoid, tanh)', axis: 'saturated fraction' },
    { runs: runs.filter(isRelu), title: 'inactive (ReLU output 0)', axis: 'inactive fraction' },
  ].filter((g) => g.runs.length > 0);
  const ps = panels(groups.length, 0.1);
  const data = runs.flatMap((r, i) => {
    const p = ps[groups.findIndex((g) => g.runs.includes(r))];
    const { epochs } = summarizeSeeds(r);
    const bar = (e: EpochSpread, marker: Record<string, unknown>) => {
      const { values, band } = profile(e.layers, hidden, 'saturation', false);
      const error = seedErrorBars(band, values);
      return { type: 'bar', name: `${labels[i]}, epoch ${e.epoch}`, x: hidden, y: values, xaxis: p.x, yaxis: p.y, marker, ...(error ? { error_y: error } : {}) };
    };
    return [bar(epochs[0], { color: colors[i], opacity: 0.5 }), bar(epochs[epochs.length - 1], { color: colors[i] })];
  });
  const layout = baseLayout(
    groups.length > 1 ? 'Units out of action: saturated sigmoids and inactive ReLUs, on their own axes' : `Units out of action: ${groups[0].title}`,
    { barmode: 'group', ...(groups.length > 1 ? { annotations: panelTitles(groups.map((g) => g.title), ps) } : {}) },
    seedNote(runs, false, 'error bars'),
  );
  ps.forEach((p, k) => {
    layout[p.xKey] = { domain: p.domain, anchor: p.y, title: { text: 'hidden layer' }, ...layerCategories(hidden) };
    layout[p.yKey] = { anchor: p.x, title: { text: groups[k].axis }, range: [0, 1] };
  });
  return { data, layout };
}

/**
 * Glorot & Bengio's view: the distribution of each hidden layer's activations, from one batch of the
 * chosen epoch's histograms, as a layer × value heatmap per run. Of a run's first seed only: the seeds'
 * histograms have bins of their own, and one batch's shape is what this figure is for.
 */
export function plotActivationDistributions(runs: Runs[], which: 'first' | 'last' = 'last'): Figure {
  const ps = panels(runs.length);
  const data: Trace[] = [];
  const titles = runLabels(runs);
  const axis = layerAxis(runs, true);
  runs.forEach((r, i) => {
    const h = seedRuns(r)[0];
    const withHist = h.epochs.filter((e) => e.histograms);
    const e = which === 'first' ? withHist[0] : withHist[withHist.length - 1];
    if (!e?.histograms) return;
    const hists = e.histograms;
    const hidden = Object.keys(hists).filter((n) => hists[n].activation);
    const bins = hists[hidden[0]].activation!.counts.length;
    // log10 of the fraction: a few tall bins (saturated units at 0 and 1) would leave everything else dark.
    const z = axis.map((n) => {
      const hist = hists[n]?.activation;
      if (!hist) return new Array<number | null>(bins).fill(null);
      const total = hist.counts.reduce((a, b) => a + b, 0) || 1;
      return hist.counts.map((c) => (c > 0 ? Math.log10(c / total) : null));
    });
    const lo = Math.min(...hidden.map((n) => hists[n].activation!.lo));
    const hi = Math.max(...hidden.map((n) => hists[n].activation!.hi));
    const x = Array.from({ length: bins }, (_, k) => lo + ((k + 0.5) * (hi - lo)) / bins);
    titles[i] = `${titles[i]}, epoch ${e.epoch}`;
    data.push({
      // reversed: Plotly's Blues runs dark to pale; frequent values should be the dark ones
      type: 'heatmap', x, y: axis, z, xaxis: ps[i].x, yaxis: ps[i].y, colorscale: 'Blues', reversescale: true,
      showscale: false, colorbar: { title: { text: 'fraction<br>(log scale)' }, thickness: 14 },
      hovertemplate: 'value %{x:.2f}<br>%{y}<br>log10 fraction %{z:.2f}<extra></extra>',
    });
  });
  // One colour scale for all panels, shown once, from 10⁻⁴ (rarer is white) to the largest fraction.
  const zmax = Math.max(-4, ...data.flatMap((t) => (t.z as Array<Array<number | null>>).flat().filter((v): v is number => v !== null)));
  const ticks = [-4, -3, -2, -1, 0].filter((v) => v <= zmax);
  data.forEach((t, k) => Object.assign(t, {
    zmin: -4, zmax, showscale: k === data.length - 1,
    colorbar: { ...(t.colorbar as object), tickvals: ticks, ticktext: ticks.map((v) => (v === 0 ? '1' : `10<sup>${v}</sup>`)) },
  }));
  const firstSeeds = [...new Set(runs.map((r) => seedRuns(r)[0].seed))];
  const ofSeed = !runs.some((r) => seedRuns(r).length > 1) ? ''
    : firstSeeds.length === 1 ? ` of seed ${firstSeeds[0]}` : ` of each run's first seed: ${firstSeeds.join(', ')}`;
  const layout = baseLayout(`Activation distribution per hidden layer (one batch${ofSeed})`, { annotations: panelTitles(titles, ps) });
  ps.forEach((p, i) => {
    layout[p.xKey] = { domain: p.domain, title: { text: 'activation value' }, anchor: p.y };
    layout[p.yKey] = { anchor: p.x, ...layerCategories(axis), ...(i > 0 ? { showticklabels: false } : { title: { text: 'layer' } }) };
  });
  return { data, layout };
}

/** Karpathy's view: std(ΔW)/std(W) per layer over training, with the ~1e-3 rule of thumb. */
export function plotUpdateRatio(runs: Runs[]): Figure {
  const ps = panels(runs.length);
  const data: Trace[] = [];
  const axis = layerAxis(runs);
  const inLegend = new Set<string>();
  runs.forEach((r, i) => {
    const { epochs } = summarizeSeeds(r);
    const x = epochs.map((e) => e.epoch);
    const columns = epochs.map((e) => spreadAt(e.layers, axis, 'updateRatio'));
    const own = new Set(layerAxis([r]));
    axis.forEach((name, li) => {
      if (!own.has(name)) return;
      // One colour per layer name, input (dark blue) to output (orange), the same in every panel.
      const shade = Math.round(40 + (180 * li) / Math.max(1, axis.length - 1));
      const color = `rgb(${shade}, ${Math.round(shade / 2)}, ${255 - shade})`;
      const spreads = columns.map((c) => c[li]);
      const where = { xaxis: ps[i].x, yaxis: ps[i].y, legendgroup: name };
      data.push(
        ...seedBand(x, spreads, color, true, where),
        { type: 'scatter', mode: 'lines', name, showlegend: !inLegend.has(name), x, y: spreads.map((s) => centre(s, true)), ...where, line: { color } },
      );
      inLegend.add(name);
    });
  });
  const shapes = ps.map((p) => ({
    type: 'line', xref: `${p.x} domain`, yref: p.y, x0: 0, x1: 1, y0: 1e-3, y1: 1e-3, line: { dash: 'dash', color: 'black', width: 1 },
  }));
  const layout = baseLayout('Update:data ratio std(ΔW)/std(W) per layer (dashed: the 1e-3 rule of thumb)', {
    annotations: panelTitles(runLabels(runs), ps), shapes,
  }, seedNote(runs, true, 'band'));
  ps.forEach((p, i) => {
    layout[p.xKey] = epochAxis(runs, { domain: p.domain, anchor: p.y });
    // One axis for all panels (the 10⁻³ line at one height), a label per decade only.
    layout[p.yKey] = { anchor: p.x, type: 'log', exponentformat: 'power', dtick: 1, ...(i === 0 ? { title: { text: 'std(ΔW) / std(W)' } } : { matches: 'y' }) };
  });
  return { data, layout };
}

/** Epochs at which a layer-wise run starts a new stage (for dotted boundaries); over seeds, of the longest. */
export function stageStarts(r: Runs): Array<{ epoch: number; stage: number }> {
  const { epochs } = summarizeSeeds(r);
  return epochs.filter((e, i) => e.stage !== undefined && (i === 0 || epochs[i - 1].stage !== e.stage)).map((e) => ({ epoch: e.epoch, stage: e.stage! }));
}

/** Train (dashed) and validation (solid) loss and accuracy; layer-wise stage boundaries dotted. */
export function plotLearningCurves(runs: Runs[]): Figure {
  const colors = runColors(runs);
  const labels = runLabels(runs);
  const ps = panels(2, 0.1);
  const data: Trace[] = [];
  runs.map(summarizeSeeds).forEach((s, i) => {
    const x = s.epochs.map((e) => e.epoch);
    const line = (key: 'trainLoss' | 'valLoss' | 'trainAcc' | 'valAcc', p: number, dash: string, show: boolean, name: string) => {
      const spreads = s.epochs.map((e) => e[key]);
      const where = { xaxis: ps[p].x, yaxis: ps[p].y, legendgroup: labels[i] };
      return [
        ...seedBand(x, spreads, colors[i], false, where),
        { type: 'scatter', mode: 'lines+markers', name, showlegend: show, x, y: spreads.map((v) => centre(v, false)), ...where, line: { color: colors[i], dash }, marker: { size: 4 } },
      ];
    };
    data.push(
      ...line('trainLoss', 0, 'dash', true, `${labels[i]} train`),
      ...line('valLoss', 0, 'solid', true, `${labels[i]} validation`),
      ...line('trainAcc', 1, 'dash', false, `${labels[i]} train`),
      ...line('valAcc', 1, 'solid', false, `${labels[i]} validation`),
    );
  });
  const shapes = runs.flatMap((h) => stageStarts(h).slice(1)).flatMap(({ epoch }) =>
    ps.map((p) => ({ type: 'line', xref: p.x, yref: `${p.y} domain`, x0: epoch - 0.5, x1: epoch - 0.5, y0: 0, y1: 1, line: { dash: 'dot', color: '#999', width: 1 } })),
  );
  const layout = baseLayout('Learning curves (dashed: train, solid: validation)', {
    annotations: panelTitles(['loss', 'accuracy'], ps), shapes,
  }, seedNote(runs, false, 'band'));
  layout[ps[0].xKey] = epochAxis(runs, { domain: ps[0].domain, anchor: 'y' });
  layout[ps[0].yKey] = { anchor: 'x', title: { text: 'cross-entropy loss' } };
  layout[ps[1].xKey] = epochAxis(runs, { domain: ps[1].domain, anchor: 'y2' });
  layout[ps[1].yKey] = { anchor: 'x2', title: { text: 'accuracy' }, range: [0, 1] };
  return { data, layout };
}

/** Histograms of sampled values side by side, one panel each (e.g. initial weights under several inits). */
export function plotDistributions(samples: Array<{ label: string; values: ArrayLike<number> }>, title: string, xTitle: string, bins = 60): Figure {
  const ps = panels(samples.length);
  // Binned here, not by Plotly from the raw values: 60 counts instead of 16,384 weights in the saved notebook.
  const data = samples.map((s, i) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < s.values.length; k++) {
      lo = Math.min(lo, s.values[k]);
      hi = Math.max(hi, s.values[k]);
    }
    if (!(hi > lo)) [lo, hi] = [lo - 0.5, lo + 0.5];
    const h = histogram(s.values, lo, hi, bins);
    const width = (hi - lo) / bins;
    return {
      type: 'bar', name: s.label, x: h.counts.map((_, k) => lo + (k + 0.5) * width), y: h.counts, width, xaxis: ps[i].x, yaxis: ps[i].y,
      marker: { color: PALETTE[i % PALETTE.length] }, showlegend: false,
    };
  });
  const layout = baseLayout(title, { annotations: panelTitles(samples.map((s) => s.label), ps), bargap: 0.02 });
  ps.forEach((p, i) => {
    layout[p.xKey] = { domain: p.domain, title: { text: xTitle }, anchor: p.y };
    layout[p.yKey] = { anchor: p.x, ...(i === 0 ? { title: { text: 'count' } } : {}) };
  });
  return { data, layout };
}

/**
 * Activation mean ± std of every hidden layer (last epoch), per run. The error bars are the spread
 * over units and images (their std, averaged over seeds); the band is the seeds' min–max of the mean.
 */
export function plotActivationStats(runs: Runs[]): Figure {
  const colors = runColors(runs);
  const labels = runLabels(runs);
  const hidden = layerAxis(runs, true);
  const data = runs.map(summarizeSeeds).flatMap((s, i) => {
    const e = s.epochs[s.epochs.length - 1];
    const { values, band } = profile(e.layers, hidden, 'activationMean', false);
    // Each run a little to the side of the layer's position, so that error bars of equal means do not overlap.
    const x = hidden.map((_, k) => k + (i - (runs.length - 1) / 2) * 0.12);
    return [
      ...seedBand(x, band, colors[i], false, { legendgroup: labels[i] }),
      {
        type: 'scatter', mode: 'markers+lines', name: `${labels[i]}, epoch ${e.epoch}`, x, y: values,
        error_y: { type: 'data', array: profile(e.layers, hidden, 'activationStd', false).values, visible: true },
        line: { color: colors[i] }, legendgroup: labels[i],
      },
    ];
  });
  return {
    data,
    layout: baseLayout('Activations per hidden layer: mean ± std (last epoch)', {
      xaxis: { title: { text: 'hidden layer' }, tickvals: hidden.map((_, k) => k), ticktext: hidden, zeroline: false }, yaxis: { title: { text: 'activation value' } },
    }, seedNote(runs, false, 'band')),
  };
}

let figureCount = 0;

/** Standalone HTML of a figure: a div and a script that draws it with `window.Plotly`. */
/** Numbers kept to 4 significant digits in a figure's JSON: more than a plot or its hover shows, half the bytes. */
export const FIGURE_JSON_DIGITS = 4;
const rounded = (_key: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(FIGURE_JSON_DIGITS)) : v);

/** The figure as it is saved into a notebook: its numbers to `FIGURE_JSON_DIGITS` significant digits. */
export function figureJson(figure: Figure): { data: Trace[]; layout: Figure['layout']; config: Record<string, unknown> } {
  return JSON.parse(JSON.stringify({ data: figure.data, layout: figure.layout, config: figure.config ?? {} }, rounded));
}

/**
 * What a figure shows where its script does not run: Jupyter runs an output's scripts only in a trusted
 * notebook, and sanitises the rest (this text, without scripts or styles, survives). The script removes it.
 */
export const UNTRUSTED_HINT =
  'This notebook is not trusted, so Jupyter does not run the scripts that draw its interactive figures. ' +
  'Trust it and reload (JupyterLab: the command palette, Ctrl+Shift+C, then "Trust Notebook"; Notebook 7: File &gt; Trust Notebook; ' +
  'or <code>jupyter trust NOTEBOOK.ipynb</code>), or run its cells again.';

export function figureHtml(figure: Figure): string {
  const id = `vg-fig-${Date.now().toString(36)}-${++figureCount}`;
  const saved = figureJson(figure);
  const payload = escapeScript(JSON.stringify({ ...saved, config: { responsive: true, ...saved.config } }));
  const height = (figure.layout.height as number | undefined) ?? 420;
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

/** Gradient normalisation: the gradient arriving at each hidden layer's output and what the normalisation passes on. */
export function plotRawVsNormalized(run: Runs, epoch: 'first' | 'last' = 'last'): Figure {
  const { epochs } = summarizeSeeds(run);
  const e = epoch === 'first' ? epochs[0] : epochs[epochs.length - 1];
  const hidden = e.layers.map((l) => l.name).filter((n) => n !== 'output');
  return plotLayerProfile(
    hidden,
    [
      { label: 'raw dL/dh arriving from above', ...profile(e.layers, hidden, 'activationGradMeanAbs'), color: PALETTE[1], dash: 'dot' },
      { label: 'after gradient normalisation', ...profile(e.layers, hidden, 'normalizedGradMeanAbs'), color: PALETTE[0] },
    ],
    `${run.label}: mean |dL/dh| before and after normalisation, epoch ${e.epoch}`,
    'mean |dL/dh| (log scale)',
    true,
    seedNote([run], true, 'band'),
  );
}
