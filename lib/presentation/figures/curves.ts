/**
 * Loss and accuracy over training, with the layer-wise schedule's stage boundaries.
 */
import { Runs, Spread, summarizeSeeds } from '../../runs/seeds';
import { Figure, Trace, baseLayout, centre, epochAxis, lossAxis, panelTitles, panels, runColors, runLabels, seedBand, seedNote } from '../plots';

/** A spread over seeds times `k` (a fraction as %). */
function scaled(v: Spread | null, k: number): Spread | null {
  if (v === null || k === 1) return v;
  return { ...v, mean: k * v.mean, sd: k * v.sd, min: k * v.min, max: k * v.max, geoMean: v.geoMean === null ? null : k * v.geoMean };
}

/** Epochs at which a layer-wise run starts a new stage (for dotted boundaries); over seeds, of the longest. */
export function stageStarts(r: Runs): Array<{ epoch: number; stage: number }> {
  const { epochs } = summarizeSeeds(r);
  return epochs.filter((e, i) => e.stage !== undefined && (i === 0 || epochs[i - 1].stage !== e.stage)).map((e) => ({ epoch: e.epoch, stage: e.stage! }));
}

/**
 * Train (dashed) and validation (solid) loss and accuracy; each layer-wise run's stage boundaries dotted
 * in its colour. The loss axis is logarithmic where the runs' losses span a decade or more (N(0, 10²)
 * starts near 100 where the others sit near 2.3: a linear axis flattened every other run).
 */
export function plotLearningCurves(runs: Runs[]): Figure {
  const colors = runColors(runs);
  const labels = runLabels(runs);
  const ps = panels(2, 0.16);
  const data: Trace[] = [];
  runs.map(summarizeSeeds).forEach((s, i) => {
    const x = s.epochs.map((e) => e.epoch);
    const line = (key: 'trainLoss' | 'valLoss' | 'trainAcc' | 'valAcc', p: number, dash: string, show: boolean, name: string) => {
      // accuracy in %, as everywhere else
      const scale = key.endsWith('Acc') ? 100 : 1;
      const spreads = s.epochs.map((e) => scaled(e[key], scale));
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
  const shapes = runs.flatMap((h, i) => stageStarts(h).slice(1).flatMap(({ epoch }) =>
    ps.map((p) => ({ type: 'line', xref: p.x, yref: `${p.y} domain`, x0: epoch - 0.5, x1: epoch - 0.5, y0: 0, y1: 1, line: { dash: 'dot', color: colors[i], width: 1 } })),
  ));
  const losses = data.filter((t) => t.xaxis === ps[0].x && t.mode !== 'lines').flatMap((t) => t.y as Array<number | null>);
  const layout = baseLayout('Learning curves (dashed: train, solid: validation)', {
    annotations: panelTitles(['loss', 'accuracy'], ps), shapes,
  }, seedNote(runs, false, 'band'));
  layout[ps[0].xKey] = epochAxis(runs, { domain: ps[0].domain, anchor: 'y' });
  layout[ps[0].yKey] = lossAxis(losses, { anchor: 'x' });
  layout[ps[1].xKey] = epochAxis(runs, { domain: ps[1].domain, anchor: 'y2' });
  layout[ps[1].yKey] = { anchor: 'x2', title: { text: 'accuracy (%)' }, range: [0, 100] };
  return { data, layout };
}
