/** Results tables: a danfojs DataFrame of run summaries, and its rendering as an HTML table. */
import { DataFrame } from 'danfojs-node';
import { RunSetSummary, RunSummary, runSetSummary } from './summary';
import { Runs, spreadOf } from '../runs/seeds';
import { escapeHtml } from './html';
import { overSeeds, shareCell } from './format';

/** A number over seeds as "mean ± sd" (sample sd) with `digits` decimals and `unit`; the number alone for one seed. */
function meanSd(digits: number, unit = '') {
  return (values: Array<number | null>): string | null => {
    const s = spreadOf(values);
    if (s === null) return null;
    return s.n === 1 ? `${s.mean.toFixed(digits)}${unit}` : `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}${unit}`;
  };
}

/** A share from its log10 ratios over seeds ("1/130,000"), with the seeds' range where it prints differently. */
const shares = (values: Array<number | null>): string | null => (spreadOf(values) === null ? null : overSeeds(values, shareCell));

/**
 * The columns: name, value in one seed's summary, how the seeds' values are written. Accuracy in %, as
 * in the conclusions and figures; how much of the gradient or the signal reaches a layer as a share
 * (format.ts), the same words the conclusions use.
 */
const COLUMNS: Array<[string, (s: RunSummary) => number | null, (values: Array<number | null>) => string | null]> = [
  ['epochs', (s) => s.epochs, meanSd(0)],
  ['final val acc', (s) => (s.finalValAcc === null ? null : 100 * s.finalValAcc), meanSd(1, ' %')],
  ['best val acc', (s) => (s.bestValAcc === null ? null : 100 * s.bestValAcc), meanSd(1, ' %')],
  ['best epoch', (s) => s.bestEpoch, meanSd(0)],
  ["gradient at layer 1, of the last hidden layer's: at init", (s) => s.gradientRatioInit, shares],
  ['… at the last epoch', (s) => s.gradientRatioLast, shares],
  ["signal at the last hidden layer, of layer 1's: last epoch", (s) => s.signalRatioLast, shares],
  ["mean |dL/dW| at layer 1, of the output layer's: epoch 1", (s) => s.weightGradRatioFirst, shares],
  ['seconds', (s) => s.seconds, meanSd(1)],
];

/**
 * One row per run spec, with its number of seeds: the numbers a reader compares first. Over several
 * seeds, accuracy, epochs and seconds are "mean ± sd"; the shares are the share of the mean log10 ratio
 * with the seeds' range. The gradient columns compare layer 1 with the last hidden layer in RMS dL/dh
 * (the gradient that flows, the headline) and in the signal spread; mean |dL/dW| (layer 1 against the
 * output layer) comes last, as it mixes in the forward signal.
 */
export function resultsFrame(runs: Array<Runs | RunSetSummary>): DataFrame {
  const rows = runs.map((r) => ('perSeed' in r ? r : runSetSummary(r))).map((set) => ({
    run: set.label,
    seeds: set.perSeed.length,
    ...Object.fromEntries(COLUMNS.map(([name, get, show]) => [name, show(set.perSeed.map(get))])),
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
