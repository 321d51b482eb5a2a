/**
 * The run a notebook just made beside the same run at the study's length: "you ran the first ten
 * epochs; this is where they lead". The study-length runs come from `studyRuns()` (the run store, or
 * the file committed with the project), and every figure says which.
 */
import { RunSet, Runs, seedRuns, spreadOf, summarizeSeeds } from '../runs/seeds';
import { StudyRuns } from '../runs/study';
import { BASELINE_COLOR, Figure, LEGEND_BELOW, Trace, colorFor, lossAxis, runColors, runLabels, topMargin } from './plots';
import { RunSetSummary } from './summary';
import { JudgedRunSet } from './verdicts';
import { LEARNED_ACCURACY } from './summary';

/**
 * The study-length runs of the same spec as `runs`: a named experiment unchanged (what `vg.run('relu')`
 * trains) on the same data and batches; undefined for a derived spec (`vg.run({ from: 'relu', … })`),
 * which the study did not train, and for a run on fewer images (the `smoke` preset's 2,000), whose
 * epochs are not the study's.
 */
export function atStudyLength(runs: Runs, study: StudyRuns | undefined): RunSet | undefined {
  const h = seedRuns(runs)[0];
  if (!study || h.config.changes.length > 0) return undefined;
  const twin = study.sets.get(h.config.experiment);
  return twin && twin.config.limit === h.config.limit && twin.config.batchSize === h.config.batchSize ? twin : undefined;
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
 * Validation accuracy (left) and training loss (right, on a log axis where it spans a decade) over the study's length: for each run
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
      title: { text: `Where the first ${liveEnd} epochs lead<br><sup>${source}<br>lines: the mean, bands: min–max over ${seeds} seed${seeds > 1 ? 's' : ''}; ` +
        `circles: this notebook's runs${stageLines.size ? '; dotted: stage boundaries' : ''}</sup>` },
      height: 520,
      margin: { t: 110, l: 70, r: 30, b: 150 },
      legend: LEGEND_BELOW,
      shapes,
      annotations: [{ text: `${100 * LEARNED_ACCURACY} %: learned`, x: xEnd, y: 100 * LEARNED_ACCURACY, xref: 'x', yref: 'y', xanchor: 'right', yanchor: 'bottom', showarrow: false, font: { size: 11, color: '#555' } }],
      xaxis: { domain: [0, 0.46], anchor: 'y', title: { text: stageLines.size ? 'epoch (all stages)' : 'epoch' } },
      yaxis: { anchor: 'x', title: { text: 'validation accuracy (%)' }, range: [0, 100] },
      xaxis2: { domain: [0.56, 1], anchor: 'y2', title: { text: stageLines.size ? 'epoch (all stages)' : 'epoch' } },
      yaxis2: lossAxis(data.filter((t) => t.yaxis === 'y2' && t.name).flatMap((t) => t.y as Array<number | null>), { anchor: 'x2' }, 'training loss'),
    },
  };
}

/**
 * The index page's overview, a panel per remedy (three to a row): its validation accuracy over the
 * study's length (the mean over seeds, a min–max band) beside the baseline's (grey), the 50 % line, and
 * this job's final accuracy at its own length (a circle, the mean over seeds): where each remedy's first
 * epochs lead, all on one page. A panel's title gives the verdict. Remedies the study did not train are
 * left out.
 */
export function plotStudyOverview(study: StudyRuns, runs: Array<RunSetSummary & Partial<JudgedRunSet>>): Figure {
  const base = study.sets.get('baseline');
  const remedies = [...study.sets.values()].filter((set) => set.experiment !== 'baseline');
  const perRow = 3;
  const rows = Math.ceil(remedies.length / perRow);
  const [gapX, gapY] = [0.07, 0.1];
  const w = (1 - gapX * (perRow - 1)) / perRow;
  const h = (1 - gapY * (rows - 1)) / Math.max(1, rows);
  const data: Trace[] = [];
  const annotations: Trace[] = [];
  const shapes: Trace[] = [];
  const axes: Record<string, unknown> = {};
  const curve = (set: RunSet, color: string, where: Trace, name: string, showlegend: boolean): Trace[] => {
    const s = summarizeSeeds(set);
    const x = s.epochs.map((e) => e.epoch);
    const of = (f: (v: { mean: number; min: number; max: number }) => number) => s.epochs.map((e) => (e.valAcc ? 100 * f(e.valAcc) : null));
    return [
      { type: 'scatter', mode: 'lines', x, y: of((v) => v.min), line: { width: 0, color }, showlegend: false, hoverinfo: 'skip', ...where },
      { type: 'scatter', mode: 'lines', x, y: of((v) => v.max), fill: 'tonexty', fillcolor: hexAlpha(color, 0.2), line: { width: 0, color }, showlegend: false, hoverinfo: 'skip', ...where },
      { type: 'scatter', mode: 'lines', x, y: of((v) => v.mean), line: { color, width: 1.5 }, name, showlegend, legendgroup: name, ...where },
    ];
  };
  remedies.forEach((set, i) => {
    const [row, col] = [Math.floor(i / perRow), i % perRow];
    const k = i === 0 ? '' : `${i + 1}`;
    const where = { xaxis: `x${k}`, yaxis: `y${k}` };
    const color = colorFor(set.label, false);
    const perStage = stageLength(set);
    if (base && perStage === null) data.push(...curve(base, BASELINE_COLOR, where, base.label, i === 0));
    data.push(...curve(set, color, where, `${set.label}`, false));
    const live = runs.find((r) => r.experiment === set.experiment && (r.changes ?? []).length === 0);
    if (live) {
      const epochs = live.perSeed[0].epochs;
      const stages = set.config.schedule.kind === 'layerwise' ? set.config.schedule.stages.length : 1;
      const x = perStage === null ? epochs : (stages - 1) * perStage + epochs / stages;
      const acc = spreadOf(live.perSeed.map((p) => p.finalValAcc));
      data.push({
        type: 'scatter', mode: 'markers', x: [x], y: [acc ? 100 * acc.mean : null], marker: { color, size: 9, symbol: 'circle-open', line: { width: 2.5 } },
        name: "this job's final accuracy", showlegend: i === 0, legendgroup: 'live', hovertemplate: `${set.label}: %{y:.1f} % after ${epochs} epochs<extra></extra>`, ...where,
      });
    }
    const x0 = col * (w + gapX);
    const y1 = 1 - row * (h + gapY);
    axes[`xaxis${k}`] = { domain: [x0, x0 + w], anchor: `y${k}`, ...(row === rows - 1 || i + perRow >= remedies.length ? { title: { text: perStage === null ? 'epoch' : 'epoch (all stages)' } } : {}) };
    axes[`yaxis${k}`] = { domain: [y1 - h, y1], anchor: `x${k}`, range: [0, 100], ...(col === 0 ? { title: { text: 'val acc (%)' } } : {}) };
    const verdict = live?.verdict?.outcome;
    annotations.push({
      text: `<b>${set.label}</b>${verdict ? `: ${verdict}` : ''}`, showarrow: false, xref: 'paper', yref: 'paper', x: x0 + w / 2, y: y1, xanchor: 'center', yanchor: 'bottom', font: { size: 12 },
    });
    shapes.push({ type: 'line', xref: `x${k} domain`, yref: `y${k}`, x0: 0, x1: 1, y0: 50, y1: 50, line: { dash: 'dash', color: '#555', width: 1 } });
  });
  return {
    data,
    layout: {
      title: {
        text: `Every remedy over the study's length, and where this job's epochs are on it<br><sup>${study.provenance}<br>lines: the mean, bands: min–max over the seeds; ` +
          "grey: the baseline; circles: this job's final accuracy; dashed: 50 %, learned</sup>",
      },
      height: 260 * rows + 170,
      margin: { t: topMargin(120, annotations), l: 70, r: 30, b: 110 },
      legend: LEGEND_BELOW,
      annotations,
      shapes,
      ...axes,
    },
  };
}

/** "#1f77b4" at opacity a, as Plotly's fill colour. */
function hexAlpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}
