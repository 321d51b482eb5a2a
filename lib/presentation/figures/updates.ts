/**
 * How large each update is: the update:data ratio per layer over training.
 */
import { Runs, summarizeSeeds } from '../../runs/seeds';
import { Figure, Trace, baseLayout, centre, epochAxis, layerAxis, layerColor, panelTitles, panels, runLabels, seedBand, seedNote, spreadAt } from '../plots';

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
      // One colour per layer name, the same in every panel.
      const color = layerColor(li, axis.length);
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
