/**
 * The gradient and the signal per layer: gradient flow at the first and last epoch, the signal going
 * forward, the gradient at initialisation beside mean-field theory's prediction, the layer × epoch
 * heatmap, and the per-layer profile all of them draw with.
 */
import { EpochSpread, Runs, summarizeSeeds } from '../../runs/seeds';
import { LayerMetric } from '../../training/stats';
import {
  Figure, PREDICTION_MARKER, ProfileSeries, baseLayout, centre, chainedPrediction, epochAxis, isBaseline, layerAxis, layerCategories, panelTitles, panels, profile,
  runColors, runLabels, seedBand, seedNote,
} from '../plots';

/** Any per-layer quantity, input to output, one line per series; `note` goes under the title. */
export function plotLayerProfile(layers: string[], series: ProfileSeries[], title: string, yTitle: string, log = true, note = ''): Figure {
  return {
    data: series.flatMap((s) => [
      ...(s.band ? seedBand(layers, s.band, s.color, log, { legendgroup: s.label }) : []),
      {
        type: 'scatter', mode: 'lines+markers', name: s.label, x: layers, y: s.values,
        line: { color: s.color, dash: s.dash ?? 'solid' }, legendgroup: s.label, ...(s.marker ? { marker: s.marker } : {}),
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
  const ps = panels(2, 0.16);
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
 * The gradient that flows, before any training: RMS of dL/dh per layer at initialisation, measured
 * (solid) and as mean-field theory predicts it (open diamonds on a dashed line, chained from the output,
 * drawn over every measured line), one colour per run. Over several seeds the prediction is chained
 * from the seeds' geometric means.
 */
export function plotGradientFlowAtInit(runs: Runs[]): Figure {
  const colors = runColors(runs);
  const labels = runLabels(runs);
  const axis = layerAxis(runs);
  const measured: ProfileSeries[] = [];
  const predictions: ProfileSeries[] = [];
  runs.map(summarizeSeeds).forEach((s, i) => {
    if (!s.atInit) return;
    const layers = s.atInit.layers;
    const predicted = chainedPrediction(layers.map((l) => ({
      activationGradRms: centre(l.activationGradRms, true), predictedGradFactor: centre(l.predictedGradFactor, true),
    })));
    const byName = new Map(layers.map((l, k) => [l.name, predicted[k]]));
    measured.push({ label: `${labels[i]}, measured`, ...profile(layers, axis, 'activationGradRms'), color: colors[i] });
    predictions.push({ label: `${labels[i]}, predicted`, values: axis.map((n) => byName.get(n) ?? null), color: colors[i], dash: 'dash', marker: PREDICTION_MARKER });
  });
  return plotLayerProfile(
    axis, [...measured, ...predictions], 'Gradient flow at initialisation: RMS dL/dh per layer, measured (solid) and predicted (◇)', 'RMS dL/dh (log scale)', true,
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
