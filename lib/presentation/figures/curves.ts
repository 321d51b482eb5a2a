/**
 * Loss and accuracy over training, with the layer-wise schedule's stage boundaries.
 */
import { Runs, summarizeSeeds } from '../../runs/seeds';
import { Figure, Trace, baseLayout, centre, epochAxis, panelTitles, panels, runColors, runLabels, seedBand, seedNote } from '../plots';

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
