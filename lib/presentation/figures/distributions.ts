/**
 * Histograms of sampled values (e.g. initial weights under several inits).
 */
import { histogram } from '../../training/stats';
import { Figure, PALETTE, baseLayout, panelTitles, panels } from '../plots';

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
