/**
 * One way to write each kind of number, in prose, tables and captions alike: accuracy in %, how much
 * of a gradient or signal reaches a layer as a plain share ("1/130,000 of", "0.35 of", "4.1 times"),
 * a step's size against the weights in powers of ten with whole exponents ("2×10⁻⁶"), and over seeds
 * the mean, with the range only where it differs from the mean at the printed precision.
 */
import { spreadOf } from '../runs/seeds';
import { superscript } from './html';

/** A fraction as a percentage with one decimal: 0.8403 → "84.0 %". */
export function pct(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`;
}

/** Two significant digits, with thousands separators: 131826 → "130,000". */
function twoDigits(x: number): string {
  return Number(x.toPrecision(2)).toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/**
 * How much of something a layer gets, from its log10 ratio, as the words before "… the last hidden
 * layer's gradient": "1/130,000 of" below a tenth, "0.35 of" up to 1, "4.1 times" or "200 times" above.
 */
export function share(log: number | null): string {
  if (log === null) return 'n/a of';
  const x = 10 ** log;
  if (log <= -1) return `1/${twoDigits(1 / x)} of`;
  if (x < 0.995) return `${x.toPrecision(2)} of`;
  return `${x < 9.95 ? x.toPrecision(2) : twoDigits(x)} times`;
}

/** The same share as a table cell: "1/130,000", "0.35", "4.1×". */
export function shareCell(log: number | null): string {
  if (log === null) return 'n/a';
  return share(log).replace(/ of$/, '').replace(/ times$/, '×');
}

/** A ratio from its log10 as a number times a whole power of ten: -5.7 → "2×10⁻⁶", -3 → "10⁻³". */
export function sci(log: number | null): string {
  if (log === null) return 'n/a';
  let e = Math.floor(log);
  let m = Number((10 ** (log - e)).toPrecision(1));
  if (m >= 10) {
    m = 1;
    e += 1;
  }
  const power = `10${superscript(String(e))}`;
  return m === 1 ? power : `${m}×${power}`;
}

/** Capitalises a sentence's first letter. */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * One number over seeds: the mean written by `show`, followed by " (lo to hi)" only where the lowest
 * and highest seed would print differently from each other; `show(null)` when no seed has it.
 */
export function overSeeds(values: Array<number | null | undefined>, show: (x: number | null) => string): string {
  const s = spreadOf(values);
  if (s === null) return show(null);
  const lo = show(s.min);
  const hi = show(s.max);
  return s.n === 1 || lo === hi ? show(s.mean) : `${show(s.mean)} (${lo} to ${hi})`;
}

/** The mean over seeds of the values that exist, or null. */
export function meanOf(values: Array<number | null | undefined>): number | null {
  return spreadOf(values)?.mean ?? null;
}
