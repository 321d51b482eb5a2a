/**
 * The whole distribution of the gradient, not only its mean: log10 |dL/dh| of every unit and image of
 * one batch, per hidden layer (the histograms stats.ts records from the first batch of a run's first and
 * last epoch). Layer after layer towards the input, the distribution slides to the left.
 */
import { History } from '../runs/run';
import { Runs, seedRuns } from '../runs/seeds';
import { Histogram } from '../training/stats';
import { EpochRecord } from '../training/train';
import { Figure, LEGEND_BELOW, ROOM_FOR_AXES, Trace, layerColor, panelTitles, runLabels, topMargin } from './plots';
import { superscript } from './html';

/** The bins of a histogram: their centres and their common width, from its own edges. */
export function binCentres(h: Histogram): { centres: number[]; width: number } {
  const width = (h.hi - h.lo) / h.counts.length;
  return { centres: h.counts.map((_, k) => h.lo + (k + 0.5) * width), width };
}

/**
 * A histogram's counts on other bins: `bins` equal bins from `lo` to `hi`, each of its own bins' count
 * shared among the new bins in proportion to their overlap (counts outside [lo, hi] go to the end bins;
 * a histogram of zero width puts its count in the bin holding its edge). So histograms recorded over
 * ranges of their own can be drawn on one axis.
 */
export function rebin(h: Histogram, lo: number, hi: number, bins: number): number[] {
  const out = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins;
  const binOf = (x: number) => Math.min(bins - 1, Math.max(0, Math.floor((x - lo) / width)));
  const own = (h.hi - h.lo) / h.counts.length;
  h.counts.forEach((count, k) => {
    if (count === 0) return;
    const [a, b] = [h.lo + k * own, h.lo + (k + 1) * own];
    if (!(b > a)) {
      out[binOf(a)] += count;
      return;
    }
    for (let j = binOf(a); j <= binOf(b); j++) {
      const overlap = Math.min(b, j === bins - 1 ? Infinity : lo + (j + 1) * width) - Math.max(a, j === 0 ? -Infinity : lo + j * width);
      if (overlap > 0) out[j] += (count * overlap) / (b - a);
    }
  });
  return out;
}

/** The q-quantile (0 < q < 1) of a histogram's values, interpolated linearly inside the bin where it falls; null when empty. */
export function histogramQuantile(h: Histogram, q: number): number | null {
  const total = h.counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const { width } = binCentres(h);
  let below = 0;
  for (let k = 0; k < h.counts.length; k++) {
    if (h.counts[k] > 0 && below + h.counts[k] >= q * total) return h.lo + (k + (q * total - below) / h.counts[k]) * width;
    below += h.counts[k];
  }
  return h.hi;
}

/** The epoch of a run's first seed whose first batch gave histograms: the first or the last such epoch. */
function histogramEpoch(h: History, which: 'first' | 'last'): EpochRecord | undefined {
  const withHist = h.epochs.filter((e) => e.histograms);
  return which === 'first' ? withHist[0] : withHist[withHist.length - 1];
}

/** The hidden layers of a record's gradient histograms, input to output. */
function gradientLayers(e: EpochRecord, layerNames: string[]): Array<{ name: string; hist: Histogram }> {
  return layerNames.filter((n) => n !== 'output' && e.histograms?.[n]?.logGradient).map((name) => ({ name, hist: e.histograms![name].logGradient! }));
}

/**
 * Per hidden layer, the distribution of log10 |dL/dh| over one batch's units and images, one panel per
 * run, one line per layer (`layerColor`, input to output), each histogram drawn at its own bin edges
 * (every layer has its own range) as a density per decade, so that layers whose ranges differ compare.
 * Of each run's first seed, at its first (default) or last epoch with histograms: one batch's shape is
 * what this figure is for.
 */
export function plotGradientHistograms(runs: Runs[], which: 'first' | 'last' = 'first'): Figure {
  const labels = runLabels(runs);
  const picked = runs.map((r) => {
    const h = seedRuns(r)[0];
    const e = histogramEpoch(h, which);
    return { h, e, layers: e ? gradientLayers(e, h.layerNames) : [] };
  });
  if (picked.every((p) => p.layers.length === 0)) throw new Error('plotGradientHistograms: no run has gradient histograms (they come from runs trained with statistics)');
  const gap = 0.06;
  const w = (1 - gap * (runs.length - 1)) / runs.length;
  const domains = runs.map((_, i): [number, number] => [i * (w + gap), i * (w + gap) + w]);
  const depth = Math.max(...picked.map((p) => p.layers.length));
  const inLegend = new Set<string>();
  const data: Trace[] = picked.flatMap((p, i) => p.layers.map(({ name, hist }, li) => {
    const { centres, width } = binCentres(hist);
    const total = hist.counts.reduce((a, b) => a + b, 0) || 1;
    const showlegend = !inLegend.has(name);
    inLegend.add(name);
    const k = i === 0 ? '' : `${i + 1}`;
    return {
      type: 'scatter', mode: 'lines', name, legendgroup: name, showlegend, x: centres, y: hist.counts.map((c) => c / total / width),
      line: { color: layerColor(li, depth), shape: 'hvh', width: 1.5 }, xaxis: `x${k}`, yaxis: `y${k}`,
      hovertemplate: `${name}<br>log10 |dL/dh| %{x:.2f}<br>%{y:.3f} per decade<extra></extra>`,
    };
  }));
  const titles = picked.map((p, i) => (p.e ? `${labels[i]}, epoch ${p.e.epoch}` : `${labels[i]}: no histograms`));
  const annotations = panelTitles(titles, domains.map((domain) => ({ domain })));
  const seeds = [...new Set(picked.map((p) => p.h.seed))];
  const layout: Figure['layout'] = {
    title: { text: `The whole gradient: log10 |dL/dh| of every unit and image, per hidden layer<br><sup>one batch (the epoch's first), seed ${seeds.join(', ')}; each layer at its own bins</sup>` },
    height: 440,
    margin: { t: topMargin(90, annotations), l: 70, r: 30, b: 60 },
    legend: LEGEND_BELOW,
    template: ROOM_FOR_AXES,
    annotations,
  };
  domains.forEach((domain, i) => {
    const k = i === 0 ? '' : `${i + 1}`;
    // one x axis for all panels: where one run's gradient sits against another's is what they compare
    layout[`xaxis${k}`] = { domain, anchor: `y${k}`, title: { text: 'log10 |dL/dh|' }, ...(i > 0 ? { matches: 'x' } : {}) };
    layout[`yaxis${k}`] = { anchor: `x${k}`, rangemode: 'tozero', ...(i === 0 ? { title: { text: 'fraction per decade' } } : {}) };
  });
  return { data, layout };
}

/** What `plotGradientHistograms` shows for one run, from its histograms: where each layer's distribution sits and how wide it is. */
export function describeGradientHistograms(run: Runs, which: 'first' | 'last' = 'first'): string {
  const h = seedRuns(run)[0];
  const e = histogramEpoch(h, which);
  const layers = (e ? gradientLayers(e, h.layerNames) : []).map((l) => ({
    name: l.name, median: histogramQuantile(l.hist, 0.5), lower: histogramQuantile(l.hist, 0.25), upper: histogramQuantile(l.hist, 0.75),
  }));
  const known = layers.filter((m): m is { name: string; median: number; lower: number; upper: number } => m.median !== null);
  if (!e || known.length < 2) return `- ${run.label}: no gradient histograms to describe.`;
  const [first, last] = [known[0], known[known.length - 1]];
  const perLayer = (last.median - first.median) / (h.layerNames.indexOf(last.name) - h.layerNames.indexOf(first.name));
  const at = (m: number) => `10${superscript(m.toFixed(1))}`;
  return `- **${run.label}, epoch ${e.epoch} (one batch, seed ${h.seed}):** the median |dL/dh| is ${at(last.median)} at ${last.name} and ${at(first.median)} at ${first.name}, ` +
    `${Math.abs(perLayer).toFixed(2)} decades ${perLayer > 0 ? 'lower' : 'higher'} per layer towards the input (×${(10 ** -perLayer).toPrecision(2)} a layer). ` +
    `The middle half of the units and images spans ${(last.upper - last.lower).toFixed(1)} decades at ${last.name} and ${(first.upper - first.lower).toFixed(1)} at ${first.name}: ` +
    (Math.abs(perLayer) >= 0.05 ? 'the whole distribution moves, not only its mean.' : 'the distribution stays where it is from layer to layer.');
}
