/**
 * Per-layer statistics of a training step, each read in one pass over the tensor where it lives (the
 * wasm heap, see runtime/kernels/reductions.ts) and summed over the epoch in plain numbers: no tfjs op per
 * statistic.
 * What is measured, for every layer (input to output, output last):
 *
 * - weightGradMeanAbs: mean |dL/dW| of the kernel, from the gradient the optimizer used;
 * - weightGradNorm: ‖dL/dW‖₂ of the kernel;
 * - activationGradMeanAbs: mean |dL/dh| at the layer's output h, from a gradient tap (for the output
 *   layer: at the logits); with gradient normalisation, the raw gradient arriving from above;
 * - normalizedGradMeanAbs: with gradient normalisation only, mean |dL/dh| after the normalisation,
 *   i.e. what flows on into the layer;
 * - activationMean, activationStd, saturation: of the activation's output, before any skip addition
 *   (rule in activations.ts); null for the output layer;
 * - updateRatio: std(ΔW) / std(W) of the kernel, ΔW the update the optimizer applied (lr · g for SGD);
 *   Karpathy's rule of thumb wants about 1e-3;
 * - activationGradRms: the root mean square of dL/dh at the layer's output (at the logits for the output
 *   layer), over the batch and the units;
 * - signalSpread: the forward signal: the std of each unit's output across the batch's examples,
 *   averaged over the units (null for the output layer), taken on what the next layer reads (after any
 *   skip addition, so that the last hidden layer's is what the output layer sees). When it falls, later
 *   layers see nearly the same input for every image;
 * - predictedGradFactor: what mean-field theory predicts for RMS(dL/dh of the layer below) /
 *   RMS(dL/dh of this layer), derived below; null where the theory does not apply (see `Probe.factorInputs`).
 *
 * The predicted factor (Poole et al. 2016; Schoenholz et al. 2017, eq. 9's χ; Pennington et al. 2017).
 * Layer l computes z = W h_{l-1} + b, ẑ = s ⊙ (normalised z) and h_l = φ(ẑ), W of shape [n_{l-1}, n_l].
 * Backpropagation gives, for unit j of the layer below,
 *     dL/dh_{l-1, j} = Σ_k W_jk · s_k · φ'(ẑ_k) · dL/dh_{l, k}.
 * The normalisation's own centring terms are left out: BatchNorm's backward pass also removes the part
 * of each unit's gradient shared by the batch's examples and the part along its normalised input. That
 * part is not small (the gradient of one layer is much alike across images), so for BatchNorm the
 * prediction runs about 3 % high per layer at initialisation, whatever the batch size (measured at
 * batches of 64 to 4096).
 * Treating the weights as independent of the slopes and of the gradient above (exact at initialisation
 * in the wide limit, the mean-field assumption), the terms are uncorrelated with zero mean, so
 *     E[(dL/dh_{l-1, j})²] = n_l · Var(W) · E[s² φ'(ẑ)²] · E[(dL/dh_l)²],
 *     predictedGradFactor = sqrt(n_l · Var(W) · mean over the batch and units of s_k² φ'(ẑ_ik)²),
 * with Var(W) the kernel's measured variance, φ' taken at the measured pre-activations (from the
 * outputs: σ' = h(1 - h), tanh' = 1 - h², ReLU' = [h > 0]), s² = γ²/(σ²_B + ε) for BatchNorm,
 * 1/std(z)² for the whole-tensor normalisation, 1 without one. For the output layer φ' = 1 and n_l is
 * the number of classes. A product of such factors below 1 is the vanishing gradient: at the study's
 * baseline, 128 · Var(W) = 1/3 (U(±1/√128)) and E[σ'²] ≤ 1/16 give a factor of at most 0.14 a layer.
 *
 * Each epoch value is the mean of the per-step values. A layer that is frozen or not in use has null
 * for what it did not do (no gradient, no update).
 */
import * as tf from '@tensorflow/tfjs';
import { ACTIVATION_KINDS, Activation, countOutOfAction } from '../network/activations';
import { gradientTap } from '../network/taps';
import { Probe } from '../network/models';
import { NO_SLOPE, columnSums, sums } from '../runtime/kernels/reductions';

export const LAYER_METRICS = [
  'weightGradMeanAbs',
  'weightGradNorm',
  'activationGradMeanAbs',
  'normalizedGradMeanAbs',
  'activationMean',
  'activationStd',
  'saturation',
  'updateRatio',
  'activationGradRms',
  'signalSpread',
  'predictedGradFactor',
] as const;
export type LayerMetric = (typeof LAYER_METRICS)[number];
export type LayerStats = { name: string } & Record<LayerMetric, number | null>;

/** Counts of values in equal bins between `lo` and `hi` (values outside go to the end bins). */
export interface Histogram {
  lo: number;
  hi: number;
  counts: number[];
}

export function histogram(values: ArrayLike<number>, lo: number, hi: number, bins: number): Histogram {
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))] += 1;
  }
  return { lo, hi, counts };
}

/** Histograms of one layer's activations and of log10 |dL/dh|, from one batch. */
export interface LayerHistograms {
  activation?: Histogram;
  logGradient?: Histogram;
}

export const HISTOGRAM_BINS = 40;

/** The activation's range, or for ReLU's open top the largest of `values` (1 if none is positive). */
function activationRange(kind: Activation, values: Float32Array): [number, number] {
  const [lo, hi] = ACTIVATION_KINDS[kind].range;
  if (hi !== Infinity) return [lo, hi];
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return [lo, max > 0 ? max : 1];
}

function logGradientHistogram(g: Float32Array): Histogram {
  const logs = new Float32Array(g.length);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < g.length; i++) {
    const a = Math.abs(g[i]);
    logs[i] = a > 0 ? Math.log10(a) : NaN;
    if (a > 0) {
      lo = Math.min(lo, logs[i]);
      hi = Math.max(hi, logs[i]);
    }
  }
  if (!Number.isFinite(lo)) return { lo: 0, hi: 1, counts: new Array<number>(HISTOGRAM_BINS).fill(0) };
  return histogram(logs, Math.floor(lo), Math.max(Math.ceil(hi), Math.floor(lo) + 1), HISTOGRAM_BINS);
}

/** Positions in a `tensorStats` vector. */
const S_MEAN = 0;
const S_STD = 1;
const S_MEAN_ABS = 2;
const S_NORM = 3;
const S_SATURATION = 4;
const S_RMS = 5;

/** [mean, std, mean |x|, ‖x‖₂, saturated fraction, RMS] from the sums over `n` values. */
function fromSums(n: number, sum: number, sumSq: number, sumAbs: number, saturated: number): number[] {
  const mean = sum / n;
  return [mean, Math.sqrt(Math.max(0, sumSq / n - mean * mean)), sumAbs / n, Math.sqrt(sumSq), saturated / n, Math.sqrt(sumSq / n)];
}

/**
 * [mean, std, mean |x|, ‖x‖₂, saturated fraction, RMS] over every element of `x`, from one pass over
 * the data where it lives (runtime/kernels/reductions.ts), summed in float64: six statistics for the price of
 * reading the tensor once, instead of some fifteen tfjs reductions and comparisons. The saturated
 * fraction follows `countOutOfAction`'s rule for `kind` (NaN without a kind). Population std, as
 * `tf.moments`.
 */
export function tensorStats(x: tf.Tensor, kind?: Activation): number[] {
  const [sum, sumSq, sumAbs] = sums(x);
  return fromSums(x.size, sum, sumSq, sumAbs, kind ? countOutOfAction(x, kind) : NaN);
}

/** The std of each column of `a` [rows, columns] (population, across the rows), averaged over the columns. */
export function columnSpread(a: tf.Tensor): number {
  const { sum, sumSq } = columnSums(a, NO_SLOPE);
  return meanColumnStd(sum, sumSq, a.shape[0]);
}

/** The population std of each column from its sum and sum of squares over `rows`, averaged over the columns. */
function meanColumnStd(sum: Float64Array, sq: Float64Array, rows: number): number {
  let total = 0;
  for (let c = 0; c < sum.length; c++) {
    const m = sum[c] / rows;
    total += Math.sqrt(Math.max(0, sq[c] / rows - m * m));
  }
  return total / sum.length;
}

/** What one pass over a hidden layer's activations [batch, units] gives the statistics of its step. */
export interface ActivationPass {
  /** `tensorStats(a, kind)`'s six numbers. */
  summary: number[];
  /** `columnSpread(a)`. */
  spread: number;
  /** Per unit, the mean over the batch of φ'² read off the outputs (what `predictedGradFactor` needs). */
  slopeSq: Float64Array;
}

/**
 * `tensorStats`, `columnSpread` and the slopes of `predictedGradFactor` from one pass over the activations
 * (per-column sums) and a count of the saturated ones: the training loop reads every hidden layer's
 * outputs once per step instead of three times.
 */
export function activationPass(a: tf.Tensor, kind: Activation): ActivationPass {
  const rows = a.shape[0];
  const { sum, sumSq, slopeSq } = columnSums(a, ACTIVATION_KINDS[kind].slope);
  let total = 0;
  let totalSq = 0;
  for (let c = 0; c < sum.length; c++) {
    total += sum[c];
    totalSq += sumSq[c];
    slopeSq[c] /= rows;
  }
  // outputs that are never negative (sigmoid, ReLU): their mean |x| is their mean
  const sumAbs = ACTIVATION_KINDS[kind].range[0] >= 0 ? total : sums(a)[2];
  return {
    summary: fromSums(a.size, total, totalSq, sumAbs, countOutOfAction(a, kind)),
    spread: meanColumnStd(sum, sumSq, rows),
    slopeSq,
  };
}

/** Population variance of every element of `w`, in float64. */
function elementVariance(w: tf.Tensor): number {
  const [sum, sumSq] = sums(w);
  const m = sum / w.size;
  return Math.max(0, sumSq / w.size - m * m);
}

/**
 * The mean-field backward factor of one layer (derived in this file's header): sqrt(n · Var(W) ·
 * mean of s² φ'(ẑ)²), φ' read off the activation's outputs `a` [batch, n] (none for the output
 * layer: φ' = 1), s² per unit [n], one number [1] or absent (1).
 */
export function predictedGradFactor(kernel: tf.Tensor, kind?: Activation, a?: tf.Tensor, scaleSq?: ArrayLike<number>): number {
  const units = kernel.shape[1] as number;
  const slopeSq = a && kind ? activationPass(a, kind).slopeSq : new Float64Array(units).fill(1);
  return factorFromSlopes(elementVariance(kernel), slopeSq, scaleSq);
}

/** `predictedGradFactor` from the mean φ'² of each unit: √(n · Var(W) · mean over units of s² φ'²). */
function factorFromSlopes(weightVariance: number, slopeSq: Float64Array, s2?: ArrayLike<number>): number {
  const units = slopeSq.length;
  let total = 0;
  for (let j = 0; j < units; j++) total += slopeSq[j] * (s2 ? s2[s2.length === 1 ? 0 : j] : 1);
  return Math.sqrt(units * weightVariance * (total / units));
}

/**
 * Collects one step's statistics. It is the `Probe` the model reports its activations and gradient
 * taps to; the training loop adds the weight gradients and updates. Each tensor it is shown is read
 * at once (`tensorStats`, `activationPass`) into a vector of numbers, layer-major in `LAYER_METRICS`
 * order, NaN where not measured; it keeps no tensor.
 */
export class StepRecorder implements Probe {
  private readonly values: Float64Array;
  private readonly index = new Map<string, number>();
  readonly histograms = new Map<string, LayerHistograms>();
  /** What `factorInputs` needs of each layer's activation in this forward pass. */
  private readonly passes = new Map<string, { a: tf.Tensor; pass: ActivationPass }>();
  /** Var(W) of each kernel before the step's update: read once for `factorInputs` and `beforeUpdate`. */
  private readonly variances = new Map<string, number>();

  constructor(
    readonly layerNames: readonly string[],
    private readonly activationKind: Activation,
    private readonly withHistograms = false,
  ) {
    this.values = new Float64Array(layerNames.length * LAYER_METRICS.length).fill(NaN);
    layerNames.forEach((name, i) => this.index.set(name, i * LAYER_METRICS.length));
  }

  private set(layer: string, metric: LayerMetric, value: number): void {
    const at = this.index.get(layer);
    if (at !== undefined) this.values[at + LAYER_METRICS.indexOf(metric)] = value;
  }

  private kernelVariance(layer: string, kernel: tf.Tensor): number {
    let v = this.variances.get(layer);
    if (v === undefined) this.variances.set(layer, (v = elementVariance(kernel)));
    return v;
  }

  private layerHistograms(layer: string): LayerHistograms {
    let h = this.histograms.get(layer);
    if (!h) this.histograms.set(layer, (h = {}));
    return h;
  }

  activation(layer: string, a: tf.Tensor): void {
    const pass = activationPass(a, this.activationKind);
    this.set(layer, 'activationMean', pass.summary[S_MEAN]);
    this.set(layer, 'activationStd', pass.summary[S_STD]);
    this.set(layer, 'saturation', pass.summary[S_SATURATION]);
    this.passes.set(layer, { a, pass });
    if (this.withHistograms) {
      const values = a.dataSync() as Float32Array;
      const [lo, hi] = activationRange(this.activationKind, values);
      this.layerHistograms(layer).activation = histogram(values, lo, hi, HISTOGRAM_BINS);
    }
  }

  signal(layer: string, h: tf.Tensor): void {
    const own = this.passes.get(layer);
    // without a skip addition the layer passes on its activation, already measured
    this.set(layer, 'signalSpread', own && own.a === h ? own.pass.spread : columnSpread(h));
  }

  factorInputs(layer: string, kernel: tf.Tensor, scaleSq?: ArrayLike<number>): void {
    const own = this.passes.get(layer);
    const slopeSq = own ? own.pass.slopeSq : new Float64Array(kernel.shape[1] as number).fill(1);
    this.set(layer, 'predictedGradFactor', factorFromSlopes(this.kernelVariance(layer, kernel), slopeSq, scaleSq));
  }

  tap(layer: string, kind: 'output' | 'normalized'): (h: tf.Tensor) => tf.Tensor {
    return gradientTap((dy) => {
      const s = tensorStats(dy);
      this.set(layer, kind === 'output' ? 'activationGradMeanAbs' : 'normalizedGradMeanAbs', s[S_MEAN_ABS]);
      if (kind === 'output') this.set(layer, 'activationGradRms', s[S_RMS]);
      if (this.withHistograms && kind === 'output') {
        this.layerHistograms(layer).logGradient = logGradientHistogram(dy.dataSync() as Float32Array);
      }
    });
  }

  /** Reads std(W) of a kernel before the optimizer changes it: the denominator of its update ratio. */
  beforeUpdate(layer: string, kernel: tf.Tensor): void {
    this.kernelVariance(layer, kernel);
  }

  /** Records the kernel's gradient and, after a step, the update applied to it (`beforeUpdate` first). */
  weights(layer: string, grad: tf.Tensor, update?: tf.Tensor): void {
    const g = tensorStats(grad);
    this.set(layer, 'weightGradMeanAbs', g[S_MEAN_ABS]);
    this.set(layer, 'weightGradNorm', g[S_NORM]);
    const w = this.variances.get(layer);
    if (update && w !== undefined) this.set(layer, 'updateRatio', tensorStats(update)[S_STD] / Math.sqrt(w));
  }

  /** All statistics as one vector, layer-major in `LAYER_METRICS` order, NaN where not measured. */
  vector(): Float64Array {
    this.passes.clear();
    return this.values;
  }
}

/** The metrics kept for every step of the first epochs (`StepSeries`): the gradient that flows and the update:data ratio. */
export const STEP_METRICS = ['activationGradRms', 'updateRatio'] as const;
export type StepMetric = (typeof STEP_METRICS)[number];

/** Significant digits a step value keeps: what a figure shows (plots.ts keeps 4 too), a third of a float64's bytes in JSON. */
export const STEP_DIGITS = 4;

/**
 * Every step of one epoch, as columns of numbers (a few hundred steps × layers stay small in the run
 * store): the step's training loss and, per layer (the run's `layerNames` order), each of
 * `STEP_METRICS`, null where not measured. Values rounded to `STEP_DIGITS` significant digits.
 */
export type StepSeries = { loss: Array<number | null> } & Record<StepMetric, Array<Array<number | null>>>;

const stepValue = (x: number): number | null => (Number.isFinite(x) ? Number(x.toPrecision(STEP_DIGITS)) : null);

/** Collects an epoch's `StepSeries` from the step vectors `StepRecorder.vector()` gives and the steps' losses. */
export class StepSeriesRecorder {
  private readonly series: StepSeries;

  constructor(private readonly layers: number) {
    this.series = { loss: [], activationGradRms: [], updateRatio: [] };
    for (const m of STEP_METRICS) this.series[m] = Array.from({ length: layers }, () => []);
  }

  add(step: ArrayLike<number>, loss: number): void {
    this.series.loss.push(stepValue(loss));
    for (const m of STEP_METRICS) {
      const k = LAYER_METRICS.indexOf(m);
      for (let li = 0; li < this.layers; li++) this.series[m][li].push(stepValue(step[li * LAYER_METRICS.length + k]));
    }
  }

  read(): StepSeries {
    return this.series;
  }
}

/** Sums step vectors over an epoch; `read()` averages them, counting NaN as "not measured". */
export class EpochAccumulator {
  private sum: Float64Array | undefined;
  private count: Float64Array | undefined;

  add(step: ArrayLike<number>): void {
    const sum = (this.sum ??= new Float64Array(step.length));
    const count = (this.count ??= new Float64Array(step.length));
    for (let k = 0; k < step.length; k++) {
      if (Number.isNaN(step[k])) continue;
      sum[k] += step[k];
      count[k] += 1;
    }
  }

  /** Per-layer means over the steps of the epoch, then resets. */
  read(layerNames: readonly string[]): LayerStats[] {
    const { sum, count } = this;
    this.sum = this.count = undefined;
    return layerNames.map((name, li) => {
      const stats = { name } as LayerStats;
      LAYER_METRICS.forEach((metric, mi) => {
        const k = li * LAYER_METRICS.length + mi;
        stats[metric] = sum && count && count[k] > 0 ? sum[k] / count[k] : null;
      });
      return stats;
    });
  }
}
