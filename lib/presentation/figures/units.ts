/**
 * What the units do: saturated or inactive fractions, the distribution of each layer's activations,
 * their mean ± std, and the gradient before and after gradient normalisation.
 */
import { EpochSpread, Runs, seedRuns, summarizeSeeds } from '../../runs/seeds';
import {
  Figure, PALETTE, Trace, baseLayout, layerAxis, layerCategories, panelTitles, panels, profile, runColors, runLabels, seedBand, seedErrorBars, seedNote,
} from '../plots';
import { rebin } from '../histograms';
import { plotLayerProfile } from './flow';

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
 * chosen epoch's histograms, as a layer × value heatmap per run. Each layer's histogram is recorded over
 * a range of its own (a ReLU layer's from 0 to its largest output), so each is shared out onto common
 * bins over all layers' ranges before it is drawn on the common value axis. Of a run's first seed only:
 * the seeds' histograms have bins of their own, and one batch's shape is what this figure is for.
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
    const lo = Math.min(...hidden.map((n) => hists[n].activation!.lo));
    const hi = Math.max(...hidden.map((n) => hists[n].activation!.hi));
    // log10 of the fraction: a few tall bins (saturated units at 0 and 1) would leave everything else dark.
    const z = axis.map((n) => {
      const hist = hists[n]?.activation;
      if (!hist) return new Array<number | null>(bins).fill(null);
      const total = hist.counts.reduce((a, b) => a + b, 0) || 1;
      return rebin(hist, lo, hi, bins).map((c) => (c > 0 ? Math.log10(c / total) : null));
    });
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
