/**
 * The run a notebook just made beside the same run at the study's length: "you ran the first ten
 * epochs; this is where they lead". The study-length runs come from `studyRuns()` (the run store, or
 * the file committed with the project), and every figure says which.
 */
import { RunSet, Runs, seedRuns, summarizeSeeds } from '../runs/seeds';
import { StudyRuns } from '../runs/study';
import { Figure, LEGEND_BELOW, Trace, runColors, runLabels } from './plots';
import { LEARNED_ACCURACY } from './summary';

/**
 * The study-length runs of the same spec as `runs`: a named experiment unchanged (what `vg.run('relu')`
 * trains); undefined for a derived spec (`vg.run({ from: 'relu', … })`), which the study did not train.
 */
export function atStudyLength(runs: Runs, study: StudyRuns | undefined): RunSet | undefined {
  const h = seedRuns(runs)[0];
  if (!study || h.config.changes.length > 0) return undefined;
  return study.sets.get(h.config.experiment);
}

/**
 * Where on the study run's epoch axis each epoch of a run falls. A plain run's epoch e is epoch e; a
 * layer-wise run's k-th epoch of stage s sits at the study's k-th epoch of stage s, so that each
 * stage's few live epochs are drawn over the start of the same stage at the study's length.
 */
function epochsOn(r: Runs, stageEpochs: number | null): number[] {
  const epochs = summarizeSeeds(r).epochs;
  if (stageEpochs === null || epochs[0]?.stage === undefined) return epochs.map((e) => e.epoch);
  let within = 0;
  return epochs.map((e, i) => {
    within = i > 0 && epochs[i - 1].stage === e.stage ? within + 1 : 1;
    return (e.stage! - 1) * stageEpochs + within;
  });
}

/** A layer-wise study run's epochs per stage, or null for a plain run. */
function stageLength(set: RunSet | undefined): number | null {
  const schedule = set?.config.schedule;
  return schedule?.kind === 'layerwise' ? schedule.stageEpochs : null;
}

/**
 * Validation accuracy (left) and training loss (right, log axis) over the study's length: for each run
 * its study-length twin as the mean over seeds with a min–max band, and the live run's epochs drawn on
 * top as markers over the same epochs. Dashed: 50 %, the accuracy from which a run counts as learned;
 * dotted: the live run's length.
 */
export function plotBothLengths(runs: Runs[], study: StudyRuns | undefined): Figure {
  const labels = runLabels(runs);
  const colors = runColors(runs);
  const data: Trace[] = [];
  let liveEnd = 0;
  let studyEnd = 0;
  const stageLines = new Set<number>();
  runs.forEach((r, i) => {
    const twin = atStudyLength(r, study);
    const perStage = stageLength(twin);
    const panelsOf = [
      { key: 'valAcc' as const, x: 'x', y: 'y', scale: 100 },
      { key: 'trainLoss' as const, x: 'x2', y: 'y2', scale: 1 },
    ];
    if (twin) {
      const s = summarizeSeeds(twin);
      const x = s.epochs.map((e) => e.epoch);
      studyEnd = Math.max(studyEnd, x.length);
      if (perStage !== null) for (let e = perStage; e < x.length; e += perStage) stageLines.add(e + 0.5);
      for (const p of panelsOf) {
        const lo = s.epochs.map((e) => (e[p.key]?.min ?? NaN) * p.scale);
        const hi = s.epochs.map((e) => (e[p.key]?.max ?? NaN) * p.scale);
        const where = { xaxis: p.x, yaxis: p.y, legendgroup: labels[i], hoverinfo: 'skip' };
        data.push(
          { type: 'scatter', mode: 'lines', x, y: lo, line: { width: 0, color: colors[i] }, showlegend: false, ...where },
          { type: 'scatter', mode: 'lines', x, y: hi, fill: 'tonexty', fillcolor: hexAlpha(colors[i], 0.18), line: { width: 0, color: colors[i] }, showlegend: false, ...where },
          {
            type: 'scatter', mode: 'lines', x, y: s.epochs.map((e) => (e[p.key]?.mean ?? NaN) * p.scale), line: { color: colors[i], width: 1.5 },
            name: `${labels[i]}, ${x.length} epochs`, showlegend: p.key === 'valAcc', xaxis: p.x, yaxis: p.y, legendgroup: labels[i],
          },
        );
      }
    }
    const live = summarizeSeeds(r);
    const x = epochsOn(r, perStage);
    liveEnd = Math.max(liveEnd, live.epochs.length);
    for (const p of panelsOf) {
      data.push({
        type: 'scatter', mode: 'markers', x, y: live.epochs.map((e) => (e[p.key]?.mean ?? NaN) * p.scale),
        marker: { color: colors[i], size: 7, symbol: 'circle-open', line: { width: 2 } },
        name: `${labels[i]}, this notebook's ${live.epochs.length} epochs${twin ? '' : ' (no study run of this spec)'}`,
        showlegend: p.key === 'valAcc', xaxis: p.x, yaxis: p.y, legendgroup: labels[i],
      });
    }
  });
  const seeds = Math.max(...runs.map((r) => seedRuns(r).length));
  const xEnd = Math.max(studyEnd, liveEnd);
  const shapes: Trace[] = [
    { type: 'line', xref: 'x', yref: 'y', x0: 0, x1: xEnd, y0: 100 * LEARNED_ACCURACY, y1: 100 * LEARNED_ACCURACY, line: { dash: 'dash', color: '#555', width: 1 } },
    ...(studyEnd > liveEnd && stageLines.size === 0
      ? ['x', 'x2'].map((x, j) => ({ type: 'line', xref: x, yref: `${j ? 'y2' : 'y'} domain`, x0: liveEnd + 0.5, x1: liveEnd + 0.5, y0: 0, y1: 1, line: { dash: 'dot', color: '#999', width: 1 } }))
      : []),
    ...[...stageLines].flatMap((e) => ['x', 'x2'].map((x, j) => ({ type: 'line', xref: x, yref: `${j ? 'y2' : 'y'} domain`, x0: e, x1: e, y0: 0, y1: 1, line: { dash: 'dot', color: '#bbb', width: 1 } }))),
  ];
  const source = study ? study.provenance : 'no study runs found';
  return {
    data,
    layout: {
      title: { text: `Where the first ${liveEnd} epochs lead<br><sup>${source}: lines the mean, bands min–max over ${seeds} seed${seeds > 1 ? 's' : ''}; ` +
        `circles: this notebook's runs${stageLines.size ? '; dotted: stage boundaries' : ''}</sup>` },
      height: 520,
      margin: { t: 90, l: 70, r: 30, b: 150 },
      legend: LEGEND_BELOW,
      shapes,
      annotations: [{ text: `${100 * LEARNED_ACCURACY} %: learned`, x: xEnd, y: 100 * LEARNED_ACCURACY, xref: 'x', yref: 'y', xanchor: 'right', yanchor: 'bottom', showarrow: false, font: { size: 11, color: '#555' } }],
      xaxis: { domain: [0, 0.46], anchor: 'y', title: { text: stageLines.size ? 'epoch (all stages)' : 'epoch' } },
      yaxis: { anchor: 'x', title: { text: 'validation accuracy (%)' }, range: [0, 100] },
      xaxis2: { domain: [0.56, 1], anchor: 'y2', title: { text: stageLines.size ? 'epoch (all stages)' : 'epoch' } },
      yaxis2: { anchor: 'x2', type: 'log', title: { text: 'training loss (log scale)' } },
    },
  };
}

/** "#1f77b4" at opacity a, as Plotly's fill colour. */
function hexAlpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}
