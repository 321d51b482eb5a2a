/** Results tables: a danfojs DataFrame of run summaries, and its rendering as an HTML table. */
import { DataFrame } from 'danfojs-node';
import { RunSetSummary, RunSummary, summarizeRuns } from './summary';
import { Runs, spreadOf } from '../runs/seeds';
import { escapeHtml } from './html';

/**
 * One number of a run over its seeds, rounded to `digits`: the number itself with one seed, "mean ± sd"
 * (sample sd) over the seeds that have it with several; null where none has it.
 */
function cell(values: Array<number | null>, digits: number): number | string | null {
  if (values.length === 1) return values[0] === null ? null : Number(values[0].toFixed(digits));
  const s = spreadOf(values);
  return s === null ? null : `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}`;
}

/** The numeric columns: name, value in one seed's summary, digits shown. */
const COLUMNS: Array<[string, (s: RunSummary) => number | null, number]> = [
  ['epochs', (s) => s.epochs, 0],
  ['final val acc', (s) => s.finalValAcc, 3],
  ['best val acc', (s) => s.bestValAcc, 3],
  ['best epoch', (s) => s.bestEpoch, 1],
  ['log10 dL/dh L1/last hidden, init', (s) => s.gradientRatioInit, 2],
  ['log10 dL/dh L1/last hidden, last epoch', (s) => s.gradientRatioLast, 2],
  ['log10 signal last hidden/L1, last epoch', (s) => s.signalRatioLast, 2],
  ['log10 dL/dW L1/out, epoch 1', (s) => s.weightGradRatioFirst, 2],
  ['seconds', (s) => s.seconds, 1],
];

/**
 * One row per run spec, with its number of seeds: the numbers a reader compares first. The gradient
 * columns are log10 ratios between layer 1 and the last hidden layer of RMS dL/dh (the gradient that
 * flows, the headline) and the signal spread; mean |dL/dW| (layer 1 over the output layer) comes last,
 * as it mixes in the forward signal.
 */
export function resultsFrame(runs: Array<Runs | RunSetSummary>): DataFrame {
  const rows = runs.map((r) => ('perSeed' in r ? r : summarizeRuns(r))).map((set) => ({
    run: set.label,
    seeds: set.perSeed.length,
    ...Object.fromEntries(COLUMNS.map(([name, get, digits]) => [name, cell(set.perSeed.map(get), digits)])),
  }));
  return new DataFrame(rows);
}

/** An HTML table of any DataFrame (danfojs has no HTML output of its own in Node). */
export function frameHtml(df: DataFrame, caption?: string): string {
  const head = df.columns.map((c) => `<th style="text-align:right;padding:2px 8px">${escapeHtml(String(c))}</th>`).join('');
  const body = (df.values as unknown[][])
    .map((row) => `<tr>${row.map((v) => `<td style="text-align:right;padding:2px 8px">${v === null || v === undefined || Number.isNaN(v) ? '—' : escapeHtml(String(v))}</td>`).join('')}</tr>`)
    .join('\n');
  return (
    `<table class="vg-table" style="border-collapse:collapse">` +
    (caption ? `<caption style="text-align:left;font-weight:bold">${escapeHtml(caption)}</caption>` : '') +
    `<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`
  );
}
