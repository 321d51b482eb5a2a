/**
 * Per-layer statistics of a training step, computed on the device and summed over the epoch, so the
 * host reads them once per epoch. What is measured, for every layer (input to output, output last):
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
 *   Karpathy's rule of thumb wants about 1e-3.
 *
 * Each epoch value is the mean of the per-step values. A layer that is frozen or not in use has null
 * for what it did not do (no gradient, no update).
 */
import * as tf from '@tensorflow/tfjs';
import { Activation, saturationFraction } from './activations';
import { gradientTap } from './hooks';
import { Probe } from './models';

export const LAYER_METRICS = [
  'weightGradMeanAbs',
  'weightGradNorm',
  'activationGradMeanAbs',
  'normalizedGradMeanAbs',
  'activationMean',
  'activationStd',
  'saturation',
  'updateRatio',
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

function activationRange(kind: Activation, values: Float32Array): [number, number] {
  if (kind === 'sigmoid') return [0, 1];
  if (kind === 'tanh') return [-1, 1];
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return [0, max > 0 ? max : 1];
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

/**
 * Collects one step's statistics. It is the `Probe` the model reports its activations and gradient
 * taps to; the training loop adds the weight gradients and updates. Scalars are kept alive past the
 * gradient computation's scopes and freed by `vector()`/`dispose()`.
 */
export class StepRecorder implements Probe {
  private readonly values = new Map<string, tf.Scalar>();
  private readonly index: Map<string, number>;
  readonly histograms = new Map<string, LayerHistograms>();

  constructor(
    readonly layerNames: readonly string[],
    private readonly activationKind: Activation,
    private readonly withHistograms = false,
  ) {
    this.index = new Map(layerNames.map((n, i) => [n, i]));
  }

  private set(layer: string, metric: LayerMetric, value: tf.Scalar): void {
    const key = `${layer}/${metric}`;
    this.values.get(key)?.dispose();
    this.values.set(key, tf.keep(value));
  }

  private layerHistograms(layer: string): LayerHistograms {
    let h = this.histograms.get(layer);
    if (!h) this.histograms.set(layer, (h = {}));
    return h;
  }

  activation(layer: string, a: tf.Tensor): void {
    const { mean, variance } = tf.moments(a);
    this.set(layer, 'activationMean', mean as tf.Scalar);
    this.set(layer, 'activationStd', tf.sqrt(variance) as tf.Scalar);
    this.set(layer, 'saturation', saturationFraction(this.activationKind, a));
    if (this.withHistograms) {
      const values = a.dataSync() as Float32Array;
      const [lo, hi] = activationRange(this.activationKind, values);
      this.layerHistograms(layer).activation = histogram(values, lo, hi, HISTOGRAM_BINS);
    }
  }

  tap(layer: string, kind: 'output' | 'normalized'): (h: tf.Tensor) => tf.Tensor {
    return gradientTap((dy) => {
      this.set(layer, kind === 'output' ? 'activationGradMeanAbs' : 'normalizedGradMeanAbs', tf.mean(tf.abs(dy)) as tf.Scalar);
      if (this.withHistograms && kind === 'output') {
        this.layerHistograms(layer).logGradient = logGradientHistogram(dy.dataSync() as Float32Array);
      }
    });
  }

  /** Records the kernel's gradient, the update applied to it and its value before the update. */
  weights(layer: string, grad: tf.Tensor, update: tf.Tensor, before: tf.Tensor): void {
    tf.tidy(() => {
      this.set(layer, 'weightGradMeanAbs', tf.mean(tf.abs(grad)) as tf.Scalar);
      this.set(layer, 'weightGradNorm', tf.sqrt(tf.sum(tf.square(grad))) as tf.Scalar);
      const updStd = tf.sqrt(tf.moments(update).variance);
      const wStd = tf.sqrt(tf.moments(before).variance);
      this.set(layer, 'updateRatio', tf.div(updStd, wStd) as tf.Scalar);
    });
  }

  /** All statistics as one vector, layer-major in `LAYER_METRICS` order, NaN where not measured. Frees the scalars. */
  vector(): tf.Tensor1D {
    const parts: tf.Scalar[] = [];
    const nan = tf.scalar(NaN);
    for (const layer of this.layerNames) {
      for (const metric of LAYER_METRICS) parts.push(this.values.get(`${layer}/${metric}`) ?? nan);
    }
    const v = tf.stack(parts) as tf.Tensor1D;
    nan.dispose();
    this.dispose();
    return v;
  }

  /** True when `layer` is one of the recorded layers. */
  has(layer: string): boolean {
    return this.index.has(layer);
  }

  dispose(): void {
    for (const s of this.values.values()) s.dispose();
    this.values.clear();
  }
}

/** Sums step vectors over an epoch on the device; `read()` averages them, counting NaN as "not measured". */
export class EpochAccumulator {
  private sum: tf.Tensor1D | undefined;
  private count: tf.Tensor1D | undefined;

  add(step: tf.Tensor1D): void {
    const [sum, count] = tf.tidy(() => {
      const measured = tf.logicalNot(tf.isNaN(step));
      const value = tf.where(measured, step, tf.zerosLike(step));
      const n = tf.cast(measured, 'float32');
      return [this.sum ? tf.add(this.sum, value) : value, this.count ? tf.add(this.count, n) : n] as tf.Tensor1D[];
    });
    this.sum?.dispose();
    this.count?.dispose();
    this.sum = tf.keep(sum);
    this.count = tf.keep(count);
  }

  /** Per-layer means over the steps of the epoch, then resets. */
  read(layerNames: readonly string[]): LayerStats[] {
    const sums = this.sum ? (this.sum.dataSync() as Float32Array) : undefined;
    const counts = this.count ? (this.count.dataSync() as Float32Array) : undefined;
    this.dispose();
    return layerNames.map((name, li) => {
      const stats = { name } as LayerStats;
      LAYER_METRICS.forEach((metric, mi) => {
        const k = li * LAYER_METRICS.length + mi;
        stats[metric] = sums && counts && counts[k] > 0 ? sums[k] / counts[k] : null;
      });
      return stats;
    });
  }

  dispose(): void {
    this.sum?.dispose();
    this.count?.dispose();
    this.sum = this.count = undefined;
  }
}
