/**
 * The problem before any remedy, at initialisation: figures of the measurements and of mean-field
 * theory beside them (theory/sweeps.ts, meanfield.ts, jacobian.ts), and the sentences that state
 * what they show, computed from the numbers.
 */
import { geometricMean } from '../runs/seeds';
import { gradFactors } from '../theory/ratios';
import { DepthSeries, InitMeasurement, InitScaleSweep, leastSquaresSlope } from '../theory/sweeps';
import { JacobianSpectrum } from '../theory/jacobian';
import { RunSpec } from '../spec/spec';
import { histogram } from '../training/stats';
import { superscript } from './html';
import { BASELINE_COLOR, Figure, LEGEND_BELOW, PREDICTION_MARKER, ROOM_FOR_AXES, Trace, chainedPrediction, colorFor, isBaseline, panelTitles, topMargin } from './plots';

/** Mean-field theory's curves: black, a colour no network gets. */
export const THEORY_COLOR = 'black';

/** One colour per network, the one its runs have in every figure of the notebook (`colorFor`). */
export function networkColors(specs: RunSpec[]): string[] {
  return specs.map((spec) => colorFor(spec.label, isBaseline({ config: spec })));
}

function layout(title: string, extra: Record<string, unknown> = {}): Figure['layout'] {
  return { title: { text: title }, height: 440, margin: { t: topMargin(80, extra.annotations), l: 70, r: 30, b: 60 }, legend: LEGEND_BELOW, template: ROOM_FOR_AXES, ...extra };
}

/** Two side-by-side panels' axes and their titles above them. */
function twoPanels(titles: [string, string]): { domains: Array<[number, number]>; annotations: Trace[] } {
  const domains: Array<[number, number]> = [[0, 0.44], [0.56, 1]];
  return { domains, annotations: panelTitles(titles, domains.map((domain) => ({ domain }))) };
}

const LOG_AXIS = { type: 'log', exponentformat: 'power' } as const;
const fmt = (x: number | null, digits = 2) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toPrecision(digits));
/** x · 10^k as markdown, for numbers spanning decades. */
const sci = (x: number | null) => {
  if (x === null || !(x > 0)) return 'n/a';
  const [mantissa, exponent] = x.toExponential(1).split('e');
  return Math.abs(Number(exponent)) <= 2 ? x.toPrecision(2) : `${mantissa}×10${superscript(String(Number(exponent)))}`;
};
const percentGap = (a: number, b: number) => {
  const gap = Math.abs(a / b - 1) * 100;
  return `${gap.toFixed(gap < 1 ? 1 : 0)} %`;
};

/**
 * One network at initialisation, one batch: the forward signal per hidden layer (the spread of each
 * unit's output across the images) beside the backward gradient per layer (RMS dL/dh, measured, and as
 * mean-field theory predicts it, chained down from the output).
 */
export function plotSignalAndGradient(m: InitMeasurement): Figure {
  const hidden = m.layers.filter((l) => l.name !== 'output');
  const names = m.layers.map((l) => l.name);
  const [color] = networkColors([m.spec]);
  const { domains, annotations } = twoPanels(['forward: signal spread per hidden layer', 'backward: RMS dL/dh per layer']);
  return {
    data: [
      { type: 'scatter', mode: 'lines+markers', name: 'signal spread (std of each unit across images, mean over units)', x: hidden.map((l) => l.name), y: hidden.map((l) => l.signalSpread), line: { color }, xaxis: 'x', yaxis: 'y' },
      { type: 'scatter', mode: 'lines+markers', name: 'RMS dL/dh, measured', x: names, y: m.layers.map((l) => l.activationGradRms), line: { color }, xaxis: 'x2', yaxis: 'y2' },
      { type: 'scatter', mode: 'lines+markers', name: 'RMS dL/dh, predicted (mean-field, chained from the output)', x: names, y: chainedPrediction(m.layers), line: { color: THEORY_COLOR, dash: 'dash' }, marker: PREDICTION_MARKER, xaxis: 'x2', yaxis: 'y2' },
    ],
    layout: layout(`${m.spec.label} at initialisation: the signal fades going forward, the gradient going backward`, {
      annotations,
      xaxis: { domain: domains[0], anchor: 'y', title: { text: 'hidden layer (input → output)' } },
      yaxis: { anchor: 'x', ...LOG_AXIS, title: { text: 'std across images (log scale)' } },
      xaxis2: { domain: domains[1], anchor: 'y2', title: { text: 'layer (input → output)' } },
      yaxis2: { anchor: 'x2', ...LOG_AXIS, title: { text: 'RMS dL/dh (log scale)' } },
    }),
  };
}

/** What `plotSignalAndGradient` shows, from its numbers. */
export function describeSignalAndGradient(m: InitMeasurement): string {
  const hidden = m.layers.filter((l) => l.name !== 'output');
  const first = hidden[0];
  const last = hidden[hidden.length - 1];
  const output = m.layers[m.layers.length - 1];
  const spreadFactor = first.signalSpread && last.signalSpread ? (last.signalSpread / first.signalSpread) ** (1 / (hidden.length - 1)) : null;
  const factors = gradFactors(m.layers, 'last hidden');
  const measured = geometricMean(factors.map((f) => f.measured));
  const predicted = geometricMean(factors.map((f) => f.predicted));
  const gaps = factors.filter((f) => f.measured !== null && f.predicted !== null).map((f) => Math.abs((f.measured as number) / (f.predicted as number) - 1));
  const chained = chainedPrediction(m.layers)[0];
  return [
    `- **Forward:** each unit's output varies across the batch's images by ${sci(first.signalSpread)} at ${first.name} and by ${sci(last.signalSpread)} at ${last.name}, ` +
      `${spreadFactor !== null ? `×${fmt(spreadFactor)} per layer` : ''}: the deep layers see nearly the same input for every image.`,
    `- **Backward:** RMS dL/dh is ${sci(output.activationGradRms)} at the logits and ${sci(first.activationGradRms)} at ${first.name}; between hidden layers it is ` +
      `multiplied by ${fmt(measured)} per layer (geometric mean), mean-field theory predicts ${fmt(predicted)}` +
      `${gaps.length ? `, the largest gap at one layer ${(Math.max(...gaps) * 100).toFixed(0)} %` : ''}.`,
    `- Chained down from the output, the prediction puts RMS dL/dh at ${first.name} at ${sci(chained)}, measured ${sci(first.activationGradRms)}` +
      `${chained !== null && first.activationGradRms ? ` (${percentGap(chained, first.activationGradRms)} apart after ${m.layers.length - 1} layers)` : ''}.`,
  ].join('\n');
}

/**
 * The init-scale sweep: the per-layer gradient factor against the weight std (measured, predicted from
 * each network's weights and slopes, and from mean-field theory alone), the critical std marked, and the
 * saturated fraction against the same axis.
 */
export function plotInitScaleSweep(s: InitScaleSweep): Figure {
  const { domains, annotations } = twoPanels(['gradient factor per hidden layer', 'saturated units (mean over hidden layers)']);
  const stds = s.points.map((p) => p.std);
  const theoryStds = s.theory.map((p) => p.std);
  const theoryName = `mean-field theory (σ<sub>w</sub> and mean ‖x‖² only)`;
  const data: Trace[] = [
    { type: 'scatter', mode: 'lines', name: theoryName, x: theoryStds, y: s.theory.map((p) => p.factor), line: { color: THEORY_COLOR, width: 2 }, xaxis: 'x', yaxis: 'y' },
    { type: 'scatter', mode: 'markers', name: 'measured', x: stds, y: s.points.map((p) => p.measuredFactor), marker: { color: BASELINE_COLOR, size: 8 }, xaxis: 'x', yaxis: 'y' },
    { type: 'scatter', mode: 'markers', name: 'predicted from the network (predictedGradFactor)', x: stds, y: s.points.map((p) => p.predictedFactor), marker: { color: 'black', symbol: 'diamond-open', size: 14 }, xaxis: 'x', yaxis: 'y' },
    { type: 'scatter', mode: 'lines', name: `${theoryName}, saturation`, showlegend: false, x: theoryStds, y: s.theory.map((p) => p.saturation), line: { color: THEORY_COLOR, width: 2 }, xaxis: 'x2', yaxis: 'y2' },
    { type: 'scatter', mode: 'markers', name: 'measured saturation', showlegend: false, x: stds, y: s.points.map((p) => p.saturation), marker: { color: BASELINE_COLOR, size: 9 }, xaxis: 'x2', yaxis: 'y2' },
  ];
  const critical = s.criticalStd;
  const shapes = [
    { type: 'line', xref: 'x domain', yref: 'y', x0: 0, x1: 1, y0: 1, y1: 1, line: { color: 'black', width: 1, dash: 'dot' } },
    ...(critical !== null ? ['', '2'].map((k) => ({ type: 'line', xref: `x${k}`, yref: `y${k} domain`, x0: critical, x1: critical, y0: 0, y1: 1, line: { color: THEORY_COLOR, width: 1.5, dash: 'dash' } })) : []),
  ];
  const marks = critical !== null ? [
    { text: `critical σ<sub>w</sub>∗ = ${critical.toFixed(3)}`, x: Math.log10(critical), y: 0.97, xref: 'x', yref: 'y domain', xanchor: 'right', yanchor: 'top', showarrow: false, xshift: -6, font: { color: THEORY_COLOR } },
    { text: '← vanishing', x: Math.log10(critical), y: 0.06, xref: 'x', yref: 'y domain', xanchor: 'right', showarrow: false, xshift: -6 },
    { text: 'exploding →', x: Math.log10(critical), y: 0.06, xref: 'x', yref: 'y domain', xanchor: 'left', showarrow: false, xshift: 6 },
  ] : [];
  return {
    data,
    layout: layout(`${s.spec.label} with N(0, σ<sub>w</sub>²) weights, at initialisation: the gradient factor per layer and the critical scale`, {
      annotations: [...annotations, ...marks],
      shapes,
      xaxis: { domain: domains[0], anchor: 'y', ...LOG_AXIS, title: { text: 'weight std σ<sub>w</sub> (log scale)' } },
      yaxis: { anchor: 'x', ...LOG_AXIS, title: { text: 'RMS(dL/dh below) / RMS(dL/dh) (log scale)' } },
      xaxis2: { domain: domains[1], anchor: 'y2', ...LOG_AXIS, title: { text: 'weight std σ<sub>w</sub> (log scale)' } },
      yaxis2: { anchor: 'x2', range: [0, 1], title: { text: 'saturated fraction' } },
    }),
  };
}

/** The largest relative gap between two series at the points where both are known. */
function largestGap(pairs: Array<[number | null, number | null]>): number | null {
  const gaps = pairs.filter(([a, b]) => a !== null && b !== null && b !== 0).map(([a, b]) => Math.abs((a as number) / (b as number) - 1));
  return gaps.length ? Math.max(...gaps) : null;
}

/** The theory's curve at a measured std (log-log interpolation between its points). */
function theoryAt(s: InitScaleSweep, std: number, key: 'factor' | 'saturation'): number {
  const t = s.theory;
  const i = Math.max(1, Math.min(t.length - 1, t.findIndex((p) => p.std >= std)));
  const [a, b] = [t[i - 1], t[i]];
  const u = (Math.log(std) - Math.log(a.std)) / (Math.log(b.std) - Math.log(a.std));
  return key === 'factor' ? Math.exp(Math.log(a.factor) + u * (Math.log(b.factor) - Math.log(a.factor))) : a.saturation + u * (b.saturation - a.saturation);
}

/** What `plotInitScaleSweep` shows, from its numbers. */
export function describeInitScaleSweep(s: InitScaleSweep): string {
  const first = s.points[0];
  const last = s.points[s.points.length - 1];
  const depth = s.spec.model.depth;
  const vsPredicted = largestGap(s.points.map((p) => [p.measuredFactor, p.predictedFactor]));
  const vsTheory = largestGap(s.points.map((p) => [p.measuredFactor, theoryAt(s, p.std, 'factor')]));
  const above = s.points.filter((p) => p.std >= (s.criticalStd ?? 0) && p.measuredFactor !== null);
  const growth = leastSquaresSlope(above.map((p) => ({ x: Math.log10(p.std), y: Math.log10(p.measuredFactor as number) })));
  const saturationGap = Math.max(...s.points.filter((p) => p.saturation !== null).map((p) => Math.abs((p.saturation as number) - theoryAt(s, p.std, 'saturation'))));
  const lines = [
    s.criticalStd !== null
      ? `- **The critical scale.** Mean-field theory puts it at σ\\_w∗ = ${s.criticalStd.toFixed(3)} for ${s.spec.model.width}-unit ${s.spec.model.activation} layers: there each layer passes the gradient on unchanged (χ = 1 at the fixed point of the variance map). ` +
        `In this ${depth}-layer network, whose first layers have not reached that fixed point (mean ‖x‖² = ${s.inputSquaredNorm.toFixed(0)} sets the first one), theory's factor crosses 1 at σ\\_w = ${fmt(s.theoryCrossing, 3)}; ` +
        `the measured factor crosses it at σ\\_w = ${fmt(s.measuredCrossing, 3)}${s.measuredCrossing !== null && s.theoryCrossing !== null ? ` (${percentGap(s.measuredCrossing, s.theoryCrossing)} apart, interpolated between the measured scales)` : ''}.`
      : `- ReLU has no finite fixed point of the variance map: its factor is √(n σ\\_w²/2) at every layer, 1 at He's σ\\_w = √(2/n).`,
    `- **Below it the gradient vanishes, above it explodes:** per layer ×${fmt(first.measuredFactor)} at σ\\_w = ${first.std} ` +
      `(${sci(first.measuredFactor !== null ? first.measuredFactor ** (depth - 1) : null)} over ${depth - 1} layers) and ×${fmt(last.measuredFactor)} at σ\\_w = ${last.std} (${sci(last.measuredFactor !== null ? last.measuredFactor ** (depth - 1) : null)}).`,
    `- **How close theory is:** over the ${s.points.length} scales the measured factor is within ${vsPredicted !== null ? `${(vsPredicted * 100).toFixed(0)} %` : 'n/a'} of the prediction from each network's own weights and slopes, ` +
      `and within ${vsTheory !== null ? `${(vsTheory * 100).toFixed(0)} %` : 'n/a'} of the theory that knows only σ\\_w and mean ‖x‖²; the saturated fraction is within ${(saturationGap * 100).toFixed(0)} points of theory's.`,
    `- **What large weights cost:** at σ\\_w = ${last.std}, ${last.saturation !== null ? `${(last.saturation * 100).toFixed(0)} %` : 'n/a'} of the units are saturated. ` +
      `Wᵀ alone would make the factor grow as σ\\_w; above the critical scale the measured factor grows as σ\\_w${superscript(fmt(growth))}, the saturated slopes taking the rest back: ` +
      `larger weights trade a vanishing gradient for an exploding one, carried by a signal of 0s and 1s.`,
  ];
  return lines.join('\n');
}

/**
 * The depth sweep: log10 of RMS dL/dh at hidden1 over the last hidden layer against the number of hidden
 * layers, per network: measured (solid) and the product of `predictedGradFactor` (dashed). A straight
 * line is the exponential law; its slope is log10 of the factor per layer.
 */
export function plotDepthSweep(series: DepthSeries[]): Figure {
  const colors = networkColors(series.map((s) => s.spec));
  const perLayer = (slope: number | null) => (slope === null ? 'n/a' : `×${(10 ** slope).toPrecision(3)} per layer`);
  // The right panel leaves the baseline out, so that the networks that keep the gradient get an axis of their own.
  const zoomed = series.map((s) => !isBaseline({ config: s.spec }));
  const { domains, annotations } = twoPanels(['all networks', 'without the baseline (its own scale)']);
  const data = series.flatMap((s, i) => [false, true].filter((zoom) => !zoom || zoomed[i]).flatMap((zoom) => [
    {
      type: 'scatter', mode: 'lines+markers', name: `${s.spec.label}, measured (${perLayer(s.measuredSlope)})`, legendgroup: `${i}m`, showlegend: !zoom,
      x: s.points.map((p) => p.depth), y: s.points.map((p) => p.measured), line: { color: colors[i] }, xaxis: zoom ? 'x2' : 'x', yaxis: zoom ? 'y2' : 'y',
    },
    {
      type: 'scatter', mode: 'lines+markers', name: `${s.spec.label}, predicted (${perLayer(s.predictedSlope)})`, legendgroup: `${i}p`, showlegend: !zoom,
      x: s.points.map((p) => p.depth), y: s.points.map((p) => p.predicted), line: { color: colors[i], dash: 'dash' }, marker: PREDICTION_MARKER,
      xaxis: zoom ? 'x2' : 'x', yaxis: zoom ? 'y2' : 'y',
    },
  ]));
  const depthAxis = { title: { text: 'hidden layers' }, tickvals: series[0]?.points.map((p) => p.depth) };
  return {
    data,
    layout: layout('The exponential law at initialisation: gradient at hidden1 relative to the last hidden layer, by depth', {
      annotations,
      xaxis: { domain: domains[0], anchor: 'y', ...depthAxis },
      yaxis: { anchor: 'x', title: { text: 'log10 (RMS dL/dh at hidden1 / at the last hidden layer)' }, zeroline: true },
      xaxis2: { domain: domains[1], anchor: 'y2', ...depthAxis },
      yaxis2: { anchor: 'x2', zeroline: true },
      height: 500,
    }),
  };
}

/** What `plotDepthSweep` shows, from its numbers. */
export function describeDepthSweep(series: DepthSeries[]): string {
  return series.map((s) => {
    const deepest = s.points[s.points.length - 1];
    const m = s.measuredSlope;
    const p = s.predictedSlope;
    return `- **${s.spec.label}:** every added layer multiplies the gradient that reaches hidden1 by ${fmt(m === null ? null : 10 ** m, 3)} ` +
      `(least-squares slope ${fmt(m, 3)} in log10), the prediction by ${fmt(p === null ? null : 10 ** p, 3)}` +
      `${m !== null && p !== null ? `: ${percentGap(10 ** m, 10 ** p)} apart per layer` : ''}. ` +
      `At ${deepest.depth} hidden layers hidden1 gets 10${superscript(fmt(deepest.measured, 3))} of the last hidden layer's gradient (predicted 10${superscript(fmt(deepest.predicted, 3))}).`;
  }).join('\n');
}

/** Histogram bins of log10 σ. */
const SPECTRUM_BINS = 60;

/**
 * Singular values of the hidden layers' Jacobian J = ∂h_L/∂h_1 at initialisation, pooled over a few
 * examples: a histogram of log10 σ per network (as a fraction of all its singular values, so the zeros
 * left out show as missing mass), with the measured RMS singular value (dotted) and mean-field's
 * prediction of it (dashed).
 */
export function plotJacobianSpectra(spectra: JacobianSpectrum[]): Figure {
  const colors = networkColors(spectra.map((s) => s.spec));
  const logs = spectra.map((s) => s.nonzero.map(Math.log10));
  const all = logs.flat();
  const lo = Math.floor(Math.min(...all));
  const hi = Math.ceil(Math.max(...all));
  const width = (hi - lo) / SPECTRUM_BINS;
  const centres = Array.from({ length: SPECTRUM_BINS }, (_, k) => lo + (k + 0.5) * width);
  const data: Trace[] = spectra.flatMap((s, i) => {
    const total = s.nonzero.length / (1 - s.zeroFraction);
    const counts = histogram(logs[i], lo, hi, SPECTRUM_BINS).counts.map((c) => c / total);
    const zeros = s.zeroFraction > 0 ? ` (${(s.zeroFraction * 100).toFixed(0)} % are 0, not shown)` : '';
    const line = (value: number | null, what: string, dash: string) => ({
      type: 'scatter', mode: 'lines', name: `${s.spec.label}: ${what}`, x: [value === null ? null : Math.log10(value), value === null ? null : Math.log10(value)], y: [0, 1],
      yaxis: 'y2', line: { color: colors[i], dash, width: 2 },
    });
    return [
      {
        type: 'scatter', mode: 'lines', name: `${s.spec.label}${zeros}`, x: centres, y: counts, line: { color: colors[i], shape: 'hvh', width: 2 },
        fill: 'tozeroy', fillcolor: `${colors[i]}33`,
      },
      line(s.rms, 'RMS σ, measured', 'dot'),
      line(s.predictedRms, 'RMS σ, predicted (mean-field)', 'dash'),
    ];
  });
  return {
    data,
    layout: layout(`Singular values of the hidden layers' Jacobian ∂h${spectra[0]?.spec.model.depth ?? ''}/∂h1 at initialisation`, {
      height: 500,
      xaxis: { title: { text: 'log10 singular value' } },
      yaxis: { title: { text: 'fraction of the singular values' } },
      yaxis2: { overlaying: 'y', range: [0, 1], visible: false },
    }),
  };
}

/** What `plotJacobianSpectra` shows, from its numbers. */
export function describeJacobianSpectra(spectra: JacobianSpectrum[]): string {
  return spectra.map((s) => {
    const spread = Math.log10(s.nonzero[Math.floor(s.nonzero.length * 0.1)] / s.nonzero[Math.floor(s.nonzero.length * 0.9)]);
    return `- **${s.spec.label}:** median singular value ${sci(s.median)}${s.zeroFraction > 0 ? ` (of the non-zero ones; ${(s.zeroFraction * 100).toFixed(0)} % are exactly 0)` : ''}, ` +
      `largest ${sci(s.nonzero[0])}; the middle 80 % span ${spread.toFixed(1)} decades. RMS ${sci(s.rms)}, mean-field predicts ${sci(s.predictedRms)}` +
      `${s.predictedRms !== null ? ` (${percentGap(s.rms, s.predictedRms)} apart)` : ''}.`;
  }).join('\n');
}
