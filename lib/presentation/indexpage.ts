/**
 * The reports' index page: links to every notebook's report and all remedies side by side
 * (validation accuracy and the gradient that flows: RMS dL/dh at layer 1 over the last hidden layer),
 * each run as the mean over its seeds with their spread.
 */
import * as fs from 'fs';
import { RunSetSummary, RunSummary } from './summary';
import { JudgedRunSet } from './verdicts';
import { overSeeds, pct } from './format';
import { EXPERIMENT_IDS, getExperiment } from '../spec/experiments';
import { escapeHtml, escapeScript } from './html';
import { BASELINE_COLOR, Figure, REMEDY_COLOR, Trace, figureHtml, seedCountText, seedErrorBars } from './plots';
import { frameHtml, resultsFrame } from './tables';
import { spreadOf } from '../runs/seeds';
import { StudyRuns } from '../runs/study';
import { plotStudyOverview } from './lengths';

export interface NotebookReport {
  /** e.g. '02-better-activation' */
  notebook: string;
  title: string;
  /** Report file name relative to the index; absent for a notebook never run. */
  href?: string;
  /** The linked report ran to the end. */
  ok: boolean;
  seconds: number;
  /** When the linked report was made. */
  date?: string;
  /** The latest job's run of this notebook, when it failed (the linked report is then an earlier one, if any). */
  failure?: { date: string; message: string; href: string };
  /** What the notebook saved (`saveSummary`): with verdicts and study-length twins since they exist. */
  runs: Array<RunSetSummary & Partial<JudgedRunSet>>;
}

/** Every distinct run of the summaries, by spec (the baseline appears in each notebook: kept once). */
export function distinctRuns(reports: NotebookReport[]): Array<RunSetSummary & Partial<JudgedRunSet>> {
  const seen = new Map<string, RunSetSummary & Partial<JudgedRunSet>>();
  for (const r of reports) for (const s of r.runs) if (!seen.has(s.key)) seen.set(s.key, s);
  return [...seen.values()];
}

/**
 * Two panels: final validation accuracy and the headline log10 RMS dL/dh ratio (layer 1 / last hidden
 * layer) at initialisation and at the last epoch, per run: the mean over its seeds, min–max error bars.
 */
export function plotRemedySummary(runs: RunSetSummary[]): Figure {
  const labels = runs.map((r) => r.label);
  const colors = runs.map((r) => (r.baseline ? BASELINE_COLOR : REMEDY_COLOR));
  const bars = (get: (s: RunSummary) => number | null, trace: Trace): Trace => {
    const spreads = runs.map((r) => spreadOf(r.perSeed.map(get)));
    const y = spreads.map((s) => s?.mean ?? null);
    const error = seedErrorBars(spreads, y);
    return { type: 'bar', x: labels, y, ...(error ? { error_y: error } : {}), ...trace };
  };
  const counts = runs.map((r) => r.perSeed.length);
  const several = Math.max(...counts) > 1;
  const title = 'All remedies side by side';
  return {
    data: [
      bars((s) => 100 * s.finalValAcc, { marker: { color: colors }, name: 'final val acc', xaxis: 'x', yaxis: 'y' }),
      bars((s) => s.gradientRatioInit, { marker: { color: colors, opacity: 0.45 }, name: 'at initialisation', xaxis: 'x2', yaxis: 'y2' }),
      bars((s) => s.gradientRatioLast, { marker: { color: colors }, name: 'at the last epoch', xaxis: 'x2', yaxis: 'y2' }),
    ],
    layout: {
      title: { text: several ? `${title}<br><sup>mean over ${seedCountText(counts)} seeds, error bars: min–max</sup>` : title },
      height: 480,
      showlegend: false,
      barmode: 'group',
      annotations: [{
        text: 'right: pale bar at initialisation, solid at the last epoch; 1 = the gradient reaches layer 1 undiminished',
        showarrow: false, xref: 'paper', yref: 'paper', x: 1, y: 1.08, xanchor: 'right', font: { size: 11 },
      }],
      margin: { t: several ? 100 : 80, l: 70, r: 30, b: 140 },
      xaxis: { domain: [0, 0.46], anchor: 'y', tickangle: -35 },
      yaxis: { anchor: 'x', title: { text: 'final validation accuracy (%)' }, range: [0, 100] },
      xaxis2: { domain: [0.54, 1], anchor: 'y2', tickangle: -35 },
      yaxis2: { anchor: 'x2', title: { text: 'RMS dL/dh, layer 1 / last hidden layer' }, ...powerTicks(runs.flatMap((r) => r.perSeed.flatMap((s) => [s.gradientRatioInit, s.gradientRatioLast]))) },
    },
  };
}

/** Ticks at whole powers of ten for an axis of log10 values, labelled 10⁻⁵ … 1 … 10². */
function powerTicks(logs: Array<number | null>): Record<string, unknown> {
  const v = logs.filter((x): x is number => x !== null && Number.isFinite(x));
  const [lo, hi] = [Math.floor(Math.min(0, ...v)), Math.ceil(Math.max(0, ...v))];
  const step = Math.max(1, Math.ceil((hi - lo) / 8));
  const tickvals = Array.from({ length: Math.floor((hi - lo) / step) + 1 }, (_, i) => lo + i * step);
  return { tickvals, ticktext: tickvals.map((t) => (t === 0 ? '1' : `10<sup>${t}</sup>`)) };
}

/**
 * One row per remedy: the factor of the gradient it acts on, its validation accuracy at the run's own
 * length and at the study's (with where those came from), and the verdict at both lengths.
 */
export function remedyTableHtml(runs: Array<RunSetSummary & Partial<JudgedRunSet>>): string {
  const acc = (perSeed: RunSummary[] | undefined) => (perSeed ? escapeHtml(overSeeds(perSeed.map((s) => s.finalValAcc), pct)) : '—');
  const epochsOf = (perSeed: RunSummary[] | undefined) => (perSeed ? new Set(perSeed.map((s) => s.epochs)) : new Set<number>());
  const epochsText = (perSeed: RunSummary[] | undefined) => [...epochsOf(perSeed)].join(', ');
  const factor = (r: RunSetSummary) => (EXPERIMENT_IDS.includes(r.experiment) && (r.changes ?? []).length === 0 ? getExperiment(r.experiment).factor : '—');
  const sources = [...new Set(runs.map((r) => r.study?.provenance).filter((p): p is string => !!p))];
  const cell = (text: string, style = '') => `<td style="padding:4px 8px;vertical-align:top;${style}">${text}</td>`;
  const rows = runs.map((r) => `<tr>${[
    cell(escapeHtml(r.label)),
    cell(escapeHtml(factor(r))),
    cell(`${acc(r.perSeed)}<br><small>${escapeHtml(epochsText(r.perSeed))} epochs</small>`, 'text-align:right'),
    cell(r.study ? `${acc(r.study.perSeed)}<br><small>${escapeHtml(epochsText(r.study.perSeed))} epochs</small>` : '—', 'text-align:right'),
    cell(r.verdict ? `<b>${escapeHtml(r.verdict.outcome)}</b> — ${escapeHtml(r.verdict.summary)}<br><small>${escapeHtml(r.verdict.reason)}` +
      `${r.confound ? ` <i>${escapeHtml(r.confound)}</i>` : ''}</small>` : r.baseline ? 'the reference' : '—'),
  ].join('')}</tr>`).join('\n');
  const head = ['remedy', 'factor of the gradient it changes', 'final val acc, this job', 'final val acc, study length', 'verdict']
    .map((h) => `<th style="text-align:left;padding:4px 8px;border-bottom:1px solid #999">${h}</th>`).join('');
  const note = `Learned means at least 50 % validation accuracy (chance is 10 %). <i>works</i>: learns within this job's length in every seed; ` +
    '<i>slow</i>: not within it, but by the study\'s length in every seed; <i>does not work</i>: not by the study\'s length; <i>inconclusive</i>: the seeds disagree. ' +
    `Each number is the mean over seeds, with their range where it differs.${sources.length ? ` ${escapeHtml(sources.join('; '))}.` : ''}`;
  return `<table class="vg-remedies" style="border-collapse:collapse;font-size:14px"><caption style="text-align:left;font-weight:bold">Every remedy at both lengths</caption>` +
    `<thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table><p style="font-size:13px">${note}</p>`;
}

export interface IndexMeta {
  preset: string;
  backend: string;
  /** The job's wall time. */
  seconds: number;
  date: string;
  /** Other presets' index pages, linked from this one. */
  others?: Array<{ preset: string; href: string }>;
}

/**
 * The index page: a link per notebook's report, every remedy's verdict at both lengths, the study-length
 * overview (`study`, when it holds runs) and every run's numbers.
 */
export function indexHtml(reports: NotebookReport[], meta: IndexMeta, plotlyFile: string, study?: StudyRuns): string {
  const runs = distinctRuns(reports);
  const others = meta.others?.length
    ? ` The reports of the ${meta.others.map((o) => `<a href="${escapeHtml(o.href)}">${escapeHtml(o.preset)}</a>`).join(', ')} preset${meta.others.length > 1 ? 's' : ''} are on ${meta.others.length > 1 ? 'their own pages' : 'its own page'}.`
    : '';
  const failed = '<b style="color:#b00">failed</b>';
  const list = reports
    .map((r) => {
      const name = r.href ? `<a href="${escapeHtml(r.href)}">${escapeHtml(r.notebook)}</a>` : escapeHtml(r.notebook);
      const made = !r.href ? 'not run yet' : r.ok ? `${r.seconds.toFixed(0)} s${r.date ? `, ${escapeHtml(r.date)}` : ''}` : failed;
      const latest = r.failure && r.failure.href !== r.href
        ? ` — its latest run ${failed} (${escapeHtml(r.failure.date)}: ${escapeHtml(r.failure.message)}; <a href="${escapeHtml(r.failure.href)}">the partial report</a>)`
        : r.failure ? ` — ${escapeHtml(r.failure.message)}` : '';
      return `<li>${name} — ${escapeHtml(r.title)} (${made})${latest}</li>`;
    })
    .join('\n');
  const seeds = seedCountText(runs.map((r) => r.perSeed.length));
  const body = runs.length
    ? `<p>Every run over <b>${seeds} seed${seeds === '1' ? '' : 's'}</b>${seeds === '1' ? '' : ': bars show the mean over seeds, whiskers their min–max; the table, mean ± sd'}.</p>\n` +
      `${remedyTableHtml(runs)}\n${study && study.sets.size > 1 ? `${figureHtml(plotStudyOverview(study, runs))}\n` : ''}` +
      `${figureHtml(plotRemedySummary(runs))}\n${frameHtml(resultsFrame(runs), 'Every run (the baseline once)')}`
    : '<p>No notebook produced results.</p>';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Vanishing gradients: reports</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.5} table{font-size:14px}</style>
<script type="text/javascript">${escapeScript(fs.readFileSync(plotlyFile, 'utf8'))}</script>
</head><body>
<h1>Vanishing gradients: the problem and seven remedies</h1>
<p>Preset <b>${escapeHtml(meta.preset)}</b>, backend <b>${escapeHtml(meta.backend)}</b>, ${meta.seconds.toFixed(0)} s in all, ${escapeHtml(meta.date)}.${others}</p>
<ul>
${list}
</ul>
${body}
</body></html>
`;
}
