/**
 * The first epochs step by step (`EpochRecord.steps`, kept for the first `STEP_EPOCHS` epochs): what an
 * epoch's mean hides — the first steps of BatchNorm, Adam's plateau, a gradient that never moves.
 * Karpathy's lecture plots these per step; here they sit beside the per-epoch figures of plots.ts.
 */
import { Runs, seedRuns, spreadOf } from '../runs/seeds';
import { StepMetric, StepSeries } from '../training/stats';
import { EpochRecord } from '../training/train';
import { Figure, LEGEND_BELOW, ROOM_FOR_AXES, Trace, lossAxis, panelTitles, runColors, runLabels, topMargin } from './plots';

/** A run's steps of its first epochs, one after another, over its seeds. */
export interface StepCurves {
  /** The run's layers, input to output, the output last (its `layerNames`). */
  layers: string[];
  /** The epoch of each step. */
  epoch: number[];
  /** Mean over the seeds of each step's training loss. */
  loss: Array<number | null>;
  /** Per layer, per step: the geometric mean over the seeds (the quantities span decades). */
  activationGradRms: Array<Array<number | null>>;
  updateRatio: Array<Array<number | null>>;
  /** Seeds that had steps. */
  seeds: number;
}

/**
 * The steps a run kept, epoch after epoch, over its seeds: position k is the k-th step of every seed
 * (the seeds of one spec have the same number of steps an epoch). Null when no seed kept steps
 * (statistics off).
 */
export function stepCurves(r: Runs): StepCurves | null {
  const runs = seedRuns(r).filter((h) => h.epochs.some((e) => e.steps));
  if (runs.length === 0) return null;
  // per seed: the steps of its epochs that kept them, one after another
  const perSeed = runs.map((h) => {
    const kept = h.epochs.filter((e): e is EpochRecord & { steps: StepSeries } => e.steps !== undefined);
    const metric = (m: StepMetric) => h.layerNames.map((_, li) => kept.flatMap((e) => e.steps[m][li]));
    return {
      epoch: kept.flatMap((e) => e.steps.loss.map(() => e.epoch)),
      loss: kept.flatMap((e) => e.steps.loss),
      activationGradRms: metric('activationGradRms'),
      updateRatio: metric('updateRatio'),
    };
  });
  const longest = perSeed.reduce((a, b) => (b.epoch.length > a.epoch.length ? b : a));
  const steps = longest.epoch.length;
  const layers = runs[0].layerNames;
  const over = (pick: (s: (typeof perSeed)[number]) => Array<number | null>, log: boolean) =>
    Array.from({ length: steps }, (_, k) => {
      const s = spreadOf(perSeed.map((p) => pick(p)[k]));
      return s === null ? null : log ? s.geoMean ?? s.mean : s.mean;
    });
  const metric = (m: StepMetric) => layers.map((_, li) => over((p) => p[m][li], true));
  return { layers, epoch: longest.epoch, loss: over((p) => p.loss, false), activationGradRms: metric('activationGradRms'), updateRatio: metric('updateRatio'), seeds: runs.length };
}

/** The layers drawn, by dash: the first hidden layer, the last hidden layer, the output layer (update ratio only). */
const DASHES = { first: 'solid', last: 'dash', output: 'dot' } as const;

/**
 * The first epochs step by step, three panels over the step index: RMS dL/dh at hidden1 (solid) and at
 * the last hidden layer (dashed), the update:data ratio std(ΔW)/std(W) of hidden1, the last hidden layer
 * and the output layer (dotted) with the 10⁻³ rule of thumb, and the training loss of each step; one
 * colour per run, a dotted line where each epoch starts. Over several seeds: their geometric mean (the
 * loss: the arithmetic mean), said under the title.
 */
export function plotFirstSteps(runs: Runs[]): Figure {
  const curves = runs.map(stepCurves);
  if (curves.every((c) => c === null)) throw new Error('plotFirstSteps: no run kept its steps (they are kept for the first epochs of a run trained with statistics)');
  const labels = runLabels(runs);
  const palette = runColors(runs);
  const domains: Array<[number, number]> = [[0, 0.28], [0.36, 0.64], [0.72, 1]];
  const data: Trace[] = [];
  curves.forEach((c, i) => {
    if (!c) return;
    const x = c.epoch.map((_, k) => k + 1);
    const hidden = c.layers.filter((n) => n !== 'output');
    const drawn = [
      { name: hidden[0], dash: DASHES.first },
      ...(hidden.length > 1 ? [{ name: hidden[hidden.length - 1], dash: DASHES.last }] : []),
    ];
    // One legend entry per run (its loss line, named after the run), the line styles said in the title: nine
    // entries stacked taller than the figure in a narrow notebook. A run's lines show and hide together.
    const line = (y: Array<number | null>, name: string, dash: string, panel: number, legend?: string): Trace => ({
      type: 'scatter', mode: 'lines', name: legend ?? name, x, y, line: { color: palette[i], dash, width: 1.5 }, legendgroup: `${i}`, showlegend: legend !== undefined,
      xaxis: panel === 0 ? 'x' : `x${panel + 1}`, yaxis: panel === 0 ? 'y' : `y${panel + 1}`,
      hovertemplate: `${name}<br>step %{x}<br>%{y:.3g}<extra></extra>`,
    });
    for (const d of drawn) {
      const li = c.layers.indexOf(d.name);
      data.push(line(c.activationGradRms[li], `${labels[i]}: ${d.name}`, d.dash, 0));
      data.push(line(c.updateRatio[li], `${labels[i]}: ${d.name}`, d.dash, 1));
    }
    data.push(line(c.updateRatio[c.layers.indexOf('output')], `${labels[i]}: output (update ratio)`, DASHES.output, 1));
    data.push(line(c.loss, `${labels[i]}: loss`, 'solid', 2, labels[i]));
  });
  // Where epoch 2 (and any later kept epoch) starts: one line per distinct step (runs on other data have other epochs' lengths).
  const kept = curves.filter((c): c is StepCurves => c !== null);
  const starts = [...new Map(kept.flatMap((c) => c.epoch.flatMap((e, k) => (k > 0 && e !== c.epoch[k - 1] ? [[k + 1, { step: k + 1, epoch: e }] as const] : [])))).values()];
  const shapes = [
    ...domains.flatMap((_, p) => starts.map(({ step }) => ({
      type: 'line', xref: p === 0 ? 'x' : `x${p + 1}`, yref: `${p === 0 ? 'y' : `y${p + 1}`} domain`, x0: step - 0.5, x1: step - 0.5, y0: 0, y1: 1,
      line: { color: '#999', width: 1, dash: 'dot' },
    }))),
    { type: 'line', xref: 'x2 domain', yref: 'y2', x0: 0, x1: 1, y0: 1e-3, y1: 1e-3, line: { color: 'black', width: 1, dash: 'dashdot' } },
  ];
  const ruleMark = { text: '10⁻³', x: 1, y: -3, xref: 'x2 domain', yref: 'y2', xanchor: 'right', yanchor: 'bottom', showarrow: false, font: { size: 11 } };
  const epochMarks = starts.map(({ step, epoch }) => ({
    text: `epoch ${epoch} →`, x: step - 0.5, y: 1, xref: 'x3', yref: 'y3 domain', xanchor: 'left', yanchor: 'top', showarrow: false, font: { size: 11, color: '#666' },
  }));
  const lossY = lossAxis(kept.flatMap((c) => c.loss), { anchor: 'x3' });
  const titles = ['RMS dL/dh (log)', 'update:data ratio (log)', `loss of each step${lossY.type === 'log' ? ' (log)' : ''}`];
  const annotations = [...panelTitles(titles, domains.map((domain) => ({ domain }))), ...epochMarks, ruleMark];
  const counts = kept.map((c) => c.seeds);
  const note = Math.max(...counts) > 1
    ? `geometric mean over ${Math.min(...counts) === Math.max(...counts) ? counts[0] : `${Math.min(...counts)}–${Math.max(...counts)}`} seeds (the loss: arithmetic mean)`
    : `seed ${seedRuns(runs[curves.findIndex((c) => c !== null)])[0].seed}`;
  const epochs = [...new Set(kept.flatMap((c) => c.epoch))];
  const layout: Figure['layout'] = {
    title: { text: `The first ${epochs.length > 1 ? `${epochs.length} epochs` : 'epoch'} step by step<br><sup>solid: hidden1, dashed: the last hidden layer, dotted: the output layer; dash-dotted black: the 10⁻³ rule of thumb; ${note}</sup>` },
    height: 460,
    margin: { t: topMargin(100, annotations), l: 70, r: 30, b: 60 },
    legend: LEGEND_BELOW,
    template: ROOM_FOR_AXES,
    annotations,
    shapes,
  };
  // The panels' titles name their quantities: axis titles beside narrow panels ran into the panel to their left.
  domains.forEach((domain, p) => {
    const k = p === 0 ? '' : `${p + 1}`;
    layout[`xaxis${k}`] = { domain, anchor: `y${k}`, title: { text: 'step' } };
    layout[`yaxis${k}`] = p < 2 ? { anchor: `x${k}`, type: 'log', exponentformat: 'power' } : { ...lossY, title: undefined };
  });
  return { data, layout };
}
