/** Results tables: a danfojs DataFrame of run summaries, and its rendering as an HTML table. */
import { DataFrame } from 'danfojs-node';
import { RunSummary, summarizeRun } from './conclusions';
import { History } from '../training/run';
import { escapeHtml } from './html';

const fixed = (digits: number) => (x: number | null) => (x === null ? null : Number(x.toFixed(digits)));

/**
 * One row per run: the numbers a reader compares first. The gradient columns are log10 ratios between
 * layer 1 and the last hidden layer of RMS dL/dh (the gradient that flows, the headline) and the signal
 * spread; mean |dL/dW| (layer 1 over the output layer) comes last, as it mixes in the forward signal.
 */
export function resultsFrame(runs: Array<History | RunSummary>): DataFrame {
  const rows = runs.map((r) => ('config' in r ? summarizeRun(r) : r)).map((s) => ({
    run: s.label,
    epochs: s.epochs,
    'final val acc': fixed(3)(s.finalValAcc),
    'best val acc': fixed(3)(s.bestValAcc),
    'best epoch': s.bestEpoch,
    'log10 dL/dh L1/last hidden, init': fixed(2)(s.gradientRatioInit),
    'log10 dL/dh L1/last hidden, last epoch': fixed(2)(s.gradientRatioLast),
    'log10 signal last hidden/L1, last epoch': fixed(2)(s.signalRatioLast),
    'log10 dL/dW L1/out, epoch 1': fixed(2)(s.weightGradRatioFirst),
    seconds: fixed(1)(s.seconds),
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
