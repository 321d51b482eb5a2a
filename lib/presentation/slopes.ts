/**
 * Where the pre-activations fall on the activation's curve (the view of d2l.ai's chapter on numerical
 * stability): the histogram of one hidden layer's pre-activations z at initialisation, on a batch of real
 * images, drawn under φ(z) and φ′(z). A small initial scale keeps z near 0, where the sigmoid's slope is
 * at its best, 1/4, but every unit then gives about the same output for every image; a large one pushes z
 * into the flat tails, where the slope, and the gradient through it, is about 0. And the factor of
 * 0.14 per layer of notebook 00, worked out by hand from the same numbers (`describeFactorByHand`).
 */
import * as tf from '@tensorflow/tfjs';
import { gatherBatch } from '../dataset/fashionmnist';
import { ACTIVATION_KINDS, Activation, SATURATION_MARGIN, activate, outOfActionAt } from '../network/activations';
import { dense } from '../network/dense';
import { buildModel } from '../runs/run';
import { RunSpec, RunSpecInput } from '../spec/spec';
import { columnSpread, histogram } from '../training/stats';
import { gradFactors, gradientRatioAtDepth } from '../theory/ratios';
import { InitContext, InitMeasurement, specAtInit } from '../theory/sweeps';
import { superscript } from './html';
import { Figure, LEGEND_BELOW, ROOM_FOR_AXES, Trace, colorFor, isBaseline, panelTitles, topMargin } from './plots';

/** One hidden layer of one untrained network on the fixed batch: its pre-activations and what they make of the slope. */
export interface Preactivations {
  spec: RunSpec;
  layer: string;
  /** z = W h + b of every image and unit of the batch [images × units, row-major]. */
  z: Float32Array;
  /** Units of the layer: the n of the mean-field factor. */
  units: number;
  /** Var(W) of the layer's kernel, over all its elements (population variance). */
  weightVariance: number;
  /** Mean over the batch and units of φ′(z), and of φ′(z)². */
  meanSlope: number;
  meanSlopeSq: number;
  /** Fraction of φ(z) out of action by the rule of activations.ts. */
  saturation: number;
  /** The signal: the std of each unit's output φ(z) across the images, averaged over the units (as `signalSpread`). */
  signalSpread: number;
}

/** φ(z) and φ′(z) elementwise, by the network's own activation and its own gradient (activations.ts). */
function activationAndSlope(kind: Activation, z: tf.Tensor): { value: tf.Tensor; slope: tf.Tensor } {
  const value = activate(kind, z);
  const slope = tf.grad((x: tf.Tensor) => tf.sum(activate(kind, x)))(z);
  return { value, slope };
}

/**
 * The pre-activations of hidden layer `layer` (default hidden2, the first whose input is another
 * hidden layer's output) of each untrained network, on the fixed batch `measureAtInit` uses (the first
 * `batchSize` training images), with the context's seed: built by `buildModel`, run forward layer by
 * layer with the network's own dense layer and activation, then disposed. Plain networks only (no
 * normalisation, skips or gradient normalisation: z is then what the activation reads).
 */
export function preactivationsAtInit(inputs: Array<string | RunSpecInput>, ctx: InitContext, layer = 'hidden2'): Preactivations[] {
  return inputs.map((input) => {
    const spec = specAtInit(input, ctx);
    const { normalization, skip, gradNorm, activation } = spec.model;
    if (normalization !== 'none' || skip !== 'none' || gradNorm) {
      throw new Error(`preactivationsAtInit: "${spec.label}" has normalisation, skips or gradient normalisation; its z is not what the activation reads`);
    }
    const model = buildModel(spec);
    try {
      const depth = model.hidden.findIndex((l) => l.name === layer) + 1;
      if (depth === 0) throw new Error(`preactivationsAtInit: no hidden layer ${layer}; layers: ${model.layerNames.join(', ')}`);
      const n = Math.min(spec.batchSize, ctx.data.train.n);
      const { x } = gatherBatch(ctx.data.train, Array.from({ length: n }, (_, i) => i));
      const numbers = tf.tidy(() => {
        let h: tf.Tensor2D = tf.tensor2d(x, [n, x.length / n]);
        let z = h;
        for (let i = 1; i <= depth; i++) {
          const l = model.hidden[i - 1];
          z = dense(h, l.kernel as tf.Tensor2D, l.bias as tf.Tensor1D, i > 1);
          h = activate(activation, z) as tf.Tensor2D;
        }
        const { slope } = activationAndSlope(activation, z);
        const kernel = model.hidden[depth - 1].kernel;
        const zs = z.dataSync() as Float32Array;
        const out = zs.filter((v) => outOfActionAt(activation, v)).length;
        return {
          z: Float32Array.from(zs),
          units: kernel.shape[1] as number,
          weightVariance: tf.moments(kernel).variance.dataSync()[0],
          meanSlope: tf.mean(slope).dataSync()[0],
          meanSlopeSq: tf.mean(tf.square(slope)).dataSync()[0],
          saturation: out / zs.length,
          signalSpread: columnSpread(h),
        };
      });
      return { spec, layer, ...numbers };
    } finally {
      model.dispose();
    }
  });
}

/** The smallest and largest of `values`, NaN skipped. */
function extent(values: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

const Z_BINS = 80;
/** The z axis reaches at least this far either side, so that the activation's bend shows at the smallest scales. */
const MIN_REACH = 6;
const fmt = (x: number) => x.toPrecision(2);

/**
 * One panel per network, on its own z axis (symmetric, wide enough for all of its z and for φ's bend):
 * φ(z) (solid) and φ′(z) (dashed, at most 1/4 for the sigmoid) from the network's activation, above the
 * histogram of the layer's pre-activations (filled, scaled to its tallest bin), the out-of-action range
 * shaded; in each panel the numbers that matter: std(z), E[φ′(z)], the saturated share and the signal.
 */
export function plotSlopeAgainstPreactivations(measured: Preactivations[]): Figure {
  const labels = measured.map((m) => m.spec.label);
  const gap = 0.06;
  const w = (1 - gap * (measured.length - 1)) / measured.length;
  const domains = measured.map((_, i): [number, number] => [i * (w + gap), i * (w + gap) + w]);
  const data: Trace[] = [];
  const shapes: Trace[] = [];
  const notes: Trace[] = [];
  measured.forEach((m, i) => {
    const k = i === 0 ? '' : `${i + 1}`;
    const where = { xaxis: `x${k}`, yaxis: `y${k}` };
    const [lo, hi] = extent(m.z);
    const reach = Math.max(MIN_REACH, Math.abs(lo), Math.abs(hi));
    const counts = histogram(m.z, -reach, reach, Z_BINS).counts;
    const peak = Math.max(...counts) || 1;
    const width = (2 * reach) / Z_BINS;
    data.push({
      type: 'bar', name: 'histogram of z (tallest bin = 1)', legendgroup: 'z', showlegend: i === 0, x: counts.map((_, b) => -reach + (b + 0.5) * width), y: counts.map((c) => c / peak),
      width, marker: { color: colorFor(m.spec.label, isBaseline({ config: m.spec })), opacity: 0.55 }, hovertemplate: 'z %{x:.3g}<br>%{y:.3f} of the tallest bin<extra></extra>', ...where,
    });
    const grid = Array.from({ length: 401 }, (_, g) => -reach + (2 * reach * g) / 400);
    const { value, slope } = tf.tidy(() => {
      const r = activationAndSlope(m.spec.model.activation, tf.tensor1d(grid));
      return { value: Array.from(r.value.dataSync()), slope: Array.from(r.slope.dataSync()) };
    });
    const phi = m.spec.model.activation === 'sigmoid' ? 'σ' : 'φ';
    data.push(
      { type: 'scatter', mode: 'lines', name: `${phi}(z)`, legendgroup: 'phi', showlegend: i === 0, x: grid, y: value, line: { color: 'black', width: 2 }, ...where },
      { type: 'scatter', mode: 'lines', name: `${phi}′(z)`, legendgroup: 'slope', showlegend: i === 0, x: grid, y: slope, line: { color: '#555', width: 2.5, dash: 'dash' }, ...where },
    );
    const rule = ACTIVATION_KINDS[m.spec.model.activation].outOfAction;
    const shade = (x0: number, x1: number) => ({ type: 'rect', xref: `x${k}`, yref: `y${k} domain`, x0, x1, y0: 0, y1: 1, fillcolor: '#999', opacity: 0.15, line: { width: 0 }, layer: 'below' });
    shapes.push(...(rule.kind === 'inactive' ? [shade(-reach, 0)] : [shade(-reach, -rule.zEdge), shade(rule.zEdge, reach)]));
    notes.push({
      text: [`std(z) = ${fmt(Math.sqrt(variance(m.z)))}`, `E[${phi}′(z)] = ${fmt(m.meanSlope)}`, `saturated: ${(m.saturation * 100).toFixed(0)} %`, `signal spread: ${fmt(m.signalSpread)}`].join('<br>'),
      xref: `x${k} domain`, yref: `y${k} domain`, x: 0.02, y: 0.98, xanchor: 'left', yanchor: 'top', align: 'left', showarrow: false, font: { size: 11 },
      bgcolor: 'rgba(255,255,255,0.8)',
    });
  });
  const annotations = [...panelTitles(labels, domains.map((domain) => ({ domain }))), ...notes];
  const layer = measured[0]?.layer ?? '';
  const layout: Figure['layout'] = {
    title: { text: `Where the pre-activations of ${layer} fall at initialisation, under the activation and its slope<br><sup>one batch of ${measured[0] ? Math.round(measured[0].z.length / measured[0].units) : 0} images; shaded: out of action (${SATURATION_MARGIN} from the activation's limits); each panel its own z axis</sup>` },
    height: 440,
    margin: { t: topMargin(90, annotations), l: 60, r: 30, b: 60 },
    legend: LEGEND_BELOW,
    template: ROOM_FOR_AXES,
    bargap: 0,
    annotations,
    shapes,
  };
  domains.forEach((domain, i) => {
    const k = i === 0 ? '' : `${i + 1}`;
    layout[`xaxis${k}`] = { domain, anchor: `y${k}`, title: { text: `z of ${layer}` }, zeroline: false };
    layout[`yaxis${k}`] = { anchor: `x${k}`, range: [0, 1.05], ...(i === 0 ? { title: { text: 'φ(z), φ′(z), histogram' } } : {}) };
  });
  return { data, layout };
}

/** Population variance in float64. */
function variance(values: ArrayLike<number>): number {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    sq += values[i] * values[i];
  }
  const m = sum / values.length;
  return Math.max(0, sq / values.length - m * m);
}

/** What `plotSlopeAgainstPreactivations` shows, from its numbers. */
export function describeSlopes(measured: Preactivations[]): string {
  return measured.map((m) => {
    const best = m.spec.model.activation === 'sigmoid' ? ' (the sigmoid\'s best is 1/4, at z = 0)' : '';
    return `- **${m.spec.label}:** ${m.layer}'s z spreads by ${fmt(Math.sqrt(variance(m.z)))} (std over units and images); the mean slope E[φ′(z)] is ${fmt(m.meanSlope)}${best}, ` +
      `${(m.saturation * 100).toFixed(0)} % of the units out of action; each unit's output varies across the images by ${fmt(m.signalSpread)}.`;
  }).join('\n');
}

/** √(n · Var(W)), the RMS slope √E[σ′(z)²] and their product: the mean-field factor of one layer (stats.ts derives it), from `p`'s numbers. */
export function factorByHand(p: Preactivations): { weightScale: number; rmsSlope: number; factor: number } {
  const weightScale = Math.sqrt(p.units * p.weightVariance);
  const rmsSlope = Math.sqrt(p.meanSlopeSq);
  return { weightScale, rmsSlope, factor: weightScale * rmsSlope };
}

/**
 * The factor per layer worked out by hand for one hidden layer (`p`, from `preactivationsAtInit`) of the
 * untrained network `m` (`measureInit` of the same spec and seed): √(n · Var(W)) and the RMS slope
 * √E[σ′(z)²] from the measured weights and pre-activations, their product, that product to the power of
 * the hidden layers the gradient crosses, beside `predictedGradFactor` of the same layer (what the
 * library computes) and the measured factor RMS(dL/dh below) / RMS(dL/dh). A markdown table and a line
 * on E[σ′]² against E[σ′²].
 */
export function describeFactorByHand(p: Preactivations, m: InitMeasurement): string {
  const { weightScale, rmsSlope, factor: byHand } = factorByHand(p);
  const crossings = m.layers.filter((l) => l.name !== 'output').length - 1;
  const factors = gradFactors(m.layers, 'last hidden');
  const here = factors.find((f) => f.name === p.layer);
  const hidden = m.layers.filter((l) => l.name !== 'output');
  const [first, last] = [hidden[0], hidden[hidden.length - 1]];
  const chain = gradientRatioAtDepth(m.layers);
  const v = (x: number | null | undefined, digits = 4) => (x === null || x === undefined ? 'n/a' : x.toPrecision(digits));
  const rows = [
    `| n, the layer's units | ${p.units} |`,
    `| Var(W), the variance of ${p.layer}'s weights | ${v(p.weightVariance)} |`,
    `| √(n · Var(W)): what Wᵀ does to the gradient's RMS | ${v(weightScale)} |`,
    `| E[σ′(z)], the mean slope at ${p.layer}'s pre-activations | ${v(p.meanSlope)} |`,
    `| √E[σ′(z)²], the RMS slope (what the formula takes) | ${v(rmsSlope)} |`,
    `| **by hand: √(n · Var(W) · E[σ′(z)²])** | **${v(byHand)}** |`,
    `| the library's \`predictedGradFactor\` at ${p.layer} | ${v(here?.predicted)} |`,
    `| measured: RMS dL/dh one layer below ÷ RMS dL/dh at ${p.layer} | ${v(here?.measured)} |`,
    `| by hand, were all ${crossings} layers from ${last.name} down to ${first.name} like ${p.layer}: ${v(byHand, 3)}${superscript(String(crossings))} | 10${superscript(v(Math.log10(byHand) * crossings, 3))} |`,
    `| measured over the same ${crossings} layers: RMS dL/dh at ${first.name} ÷ at ${last.name} | 10${superscript(v(chain, 3))} |`,
  ];
  const gap = (p.meanSlopeSq / p.meanSlope ** 2 - 1) * 100;
  return [
    '| quantity | value |',
    '|---|---|',
    ...rows,
    '',
    `The formula takes the mean of the squared slope, E[σ′²], not the squared mean slope E[σ′]²: E[σ′²] = E[σ′]² + Var(σ′), ` +
      `the two differ by the spread of the slope over the units and images, here ${gap.toPrecision(2)} % of E[σ′]². ` +
      (gap < 5
        ? `So √E[σ′²] = ${v(rmsSlope)} and E[σ′] = ${v(p.meanSlope)} are nearly equal: z stays in a narrow range where σ′ hardly changes.`
        : `So √E[σ′²] = ${v(rmsSlope)} and E[σ′] = ${v(p.meanSlope)} differ: the slope varies a lot from unit to unit and image to image.`),
  ].join('\n');
}
