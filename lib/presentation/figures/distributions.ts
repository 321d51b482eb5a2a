/**
 * Histograms of sampled values: the initial weights of the runs' networks, or any samples.
 */
import { buildModel } from '../../runs/run';
import { Runs, seedRuns } from '../../runs/seeds';
import { histogram } from '../../training/stats';
import { Figure, PALETTE, baseLayout, panelTitles, panels, runColors, runLabels } from '../plots';

/**
 * Histograms of sampled values side by side, one panel each, in each sample's `color` (default: the
 * palette in turn).
 */
export function plotDistributions(samples: Array<{ label: string; values: ArrayLike<number>; color?: string }>, title: string, xTitle: string, bins = 60): Figure {
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
      marker: { color: s.color ?? PALETTE[i % PALETTE.length] }, showlegend: false,
    };
  });
  const layout = baseLayout(title, { annotations: panelTitles(samples.map((s) => s.label), ps), bargap: 0.02 });
  ps.forEach((p, i) => {
    layout[p.xKey] = { domain: p.domain, title: { text: xTitle }, anchor: p.y };
    layout[p.yKey] = { anchor: p.x, ...(i === 0 ? { title: { text: 'count' } } : {}) };
  });
  return { data, layout };
}

/** One layer's initial kernel under a run's spec and first seed (the weights its training started from). */
function initialKernel(r: Runs, layer: string): { values: Float32Array; shape: number[] } {
  const model = buildModel(seedRuns(r)[0].config);
  try {
    const found = model.layers.find((l) => l.name === layer);
    if (!found) throw new Error(`no layer ${layer}; layers: ${model.layerNames.join(', ')}`);
    return { values: found.kernel.dataSync() as Float32Array, shape: found.kernel.shape };
  } finally {
    model.dispose();
  }
}

/** The initial weights of one layer (default hidden2) of each run's network (its first seed's), in the runs' colours. */
export function plotInitialWeights(runs: Runs[], layer = 'hidden2'): Figure {
  const labels = runLabels(runs);
  const colors = runColors(runs);
  const kernels = runs.map((r) => initialKernel(r, layer));
  const shape = kernels[0] ? ` (${kernels[0].shape.join(' × ')})` : '';
  return plotDistributions(kernels.map((k, i) => ({ label: labels[i], values: k.values, color: colors[i] })), `Initial weights of ${layer}${shape}`, 'weight');
}
