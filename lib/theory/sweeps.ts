/**
 * Networks measured at initialisation, no training: one network (`measureInit`), a sweep of the
 * initial weight scale with mean-field theory beside it (`sweepInitScale`), and a sweep of the depth
 * (`sweepDepth`). Every point is a spec derived from a named experiment with `resolveSpec`, built with
 * `buildModel` and measured by `measureAtInit` on one fixed batch (the split's first `batchSize`
 * images), exactly as a run's `atInit` is, then disposed.
 */
import { Split, gatherBatch } from '../dataset/fashionmnist';
import { resolveSpec } from '../spec/experiments';
import { criticalWeightStd, meanFieldProfile } from './meanfield';
import { gradFactors, gradientRatioAtDepth } from './ratios';
import { buildModel } from '../runs/run';
import { geometricMean } from '../runs/seeds';
import { RunSpec, RunSpecInput } from '../spec/spec';
import { LayerStats } from '../training/stats';
import { measureAtInit } from '../training/train';

/** Where networks are measured: the data and the seed of the initial weights (a notebook's `ctx` is one). */
export interface InitContext {
  data: { train: Split };
  seed: number;
}

/** One network's per-layer statistics at initialisation, and the spec it was built from. */
export interface InitMeasurement {
  spec: RunSpec;
  layers: LayerStats[];
}

/** The resolved spec of `input` with the context's seed. */
export function specAtInit(input: string | RunSpecInput, ctx: InitContext): RunSpec {
  return resolveSpec(input, { seed: ctx.seed });
}

/** Builds the network `input` describes, measures it on the fixed batch, disposes it. */
export function measureInit(input: string | RunSpecInput, ctx: InitContext): InitMeasurement {
  const spec = specAtInit(input, ctx);
  const model = buildModel(spec);
  try {
    return { spec, layers: measureAtInit(model, ctx.data.train, spec) };
  } finally {
    model.dispose();
  }
}

/** `count` numbers from `from` to `to`, evenly spaced on a log scale. */
export function logSpace(from: number, to: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from * Math.pow(to / from, count > 1 ? i / (count - 1) : 0));
}

/**
 * Where a curve crosses 1: x at the first sign change of y − 1, interpolated linearly in log x and
 * log y between the two points around it (the curves here are close to power laws). Null if it never crosses.
 */
export function crossingOfOne(points: Array<{ x: number; y: number | null }>): number | null {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (a.y === null || b.y === null || !(a.y > 0 && b.y > 0) || (a.y - 1) * (b.y - 1) > 0 || a.y === b.y) continue;
    const t = -Math.log(a.y) / (Math.log(b.y) - Math.log(a.y));
    return Math.exp(Math.log(a.x) + t * (Math.log(b.x) - Math.log(a.x)));
  }
  return null;
}

/** The data's mean squared norm over the fixed batch, mean ‖x‖²: the first layer's input to the theory. */
export function meanSquaredNorm(split: Split, batchSize: number): number {
  const n = Math.min(batchSize, split.n);
  const { x } = gatherBatch(split, Array.from({ length: n }, (_, i) => i));
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
  return sum / n;
}

/** Options of `sweepInitScale`. */
export interface InitScaleSweepOptions {
  /**
   * The network whose weights are redrawn from N(0, std²), biases 0 (the `normal` init, every Linear
   * layer). Plain layers only: the theory knows no normalisation, skips or gradient normalisation.
   * Default `{ from: 'baseline' }`, the study's 784 → 7 × 128 → 10 sigmoid network.
   */
  network?: RunSpecInput;
  /** The stds measured. Default `logSpace(0.01, 10, 19)`: six a decade. */
  stds?: number[];
  /** The stds of the theory's curve. Default `logSpace(0.01, 10, 61)`: twenty a decade. */
  theoryStds?: number[];
}

/** One measured point of the init-scale sweep. */
export interface InitScalePoint {
  std: number;
  /** Geometric mean over hidden layers 2 … L of the measured factor RMS(dL/dh below) / RMS(dL/dh). */
  measuredFactor: number | null;
  /** The same mean of `predictedGradFactor` (from the network's own weights and slopes). */
  predictedFactor: number | null;
  /** Saturated fraction, mean over the hidden layers. */
  saturation: number | null;
}

/** One point of the theory's curve: the same quantities from σ_w and mean ‖x‖² alone. */
export interface TheoryPoint {
  std: number;
  factor: number;
  saturation: number;
}

export interface InitScaleSweep {
  /** The network swept, as named (its init is then replaced). */
  spec: RunSpec;
  points: InitScalePoint[];
  theory: TheoryPoint[];
  /** Mean ‖x‖² of the batch, which sets the first layer's variance. */
  inputSquaredNorm: number;
  /** σ_w* where χ = 1 at the fixed point of the variance map (null for ReLU, which has none). */
  criticalStd: number | null;
  /** Where the measured factor crosses 1 (interpolated), and where the theory's curve for this depth does. */
  measuredCrossing: number | null;
  theoryCrossing: number | null;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The per-layer gradient factor and saturation at initialisation as the initial weight std varies, measured and from theory. */
export function sweepInitScale(ctx: InitContext, options: InitScaleSweepOptions = {}): InitScaleSweep {
  const { network = { from: 'baseline' }, stds = logSpace(0.01, 10, 19), theoryStds = logSpace(0.01, 10, 61) } = options;
  const spec = specAtInit(network, ctx);
  const { activation, depth, width, normalization, skip, gradNorm } = spec.model;
  if (normalization !== 'none' || skip !== 'none' || gradNorm) {
    throw new Error(`sweepInitScale: "${spec.label}" has normalisation, skips or gradient normalisation, which the mean-field theory here does not describe`);
  }
  const points = stds.map((std): InitScalePoint => {
    const { layers } = measureInit({ ...network, model: { ...network.model, init: { kind: 'normal', std } } }, ctx);
    const factors = gradFactors(layers, 'last hidden');
    const saturation = layers.map((l) => l.saturation).filter((s): s is number => s !== null);
    return {
      std,
      measuredFactor: geometricMean(factors.map((f) => f.measured)),
      predictedFactor: geometricMean(factors.map((f) => f.predicted)),
      saturation: saturation.length ? mean(saturation) : null,
    };
  });
  const inputSquaredNorm = meanSquaredNorm(ctx.data.train, spec.batchSize);
  const theory = theoryStds.map((std): TheoryPoint => {
    const profile = meanFieldProfile({ activation, depth, width, weightStd: std, inputSquaredNorm });
    return { std, factor: geometricMean(profile.gradFactor) ?? NaN, saturation: mean(profile.saturation) };
  });
  return {
    spec,
    points,
    theory,
    inputSquaredNorm,
    criticalStd: activation === 'relu' ? null : criticalWeightStd(activation, width),
    measuredCrossing: crossingOfOne(points.map((p) => ({ x: p.std, y: p.measuredFactor }))),
    theoryCrossing: crossingOfOne(theory.map((p) => ({ x: p.std, y: p.factor }))),
  };
}

/**
 * The networks compared by depth and by their Jacobians: the study's baseline, ReLU with He's init (the
 * scale at which ReLU keeps the gradient's size), and the study's BatchNorm network (sigmoid + BatchNorm, N(0, 0.05²)).
 */
export const COMPARED_NETWORKS: readonly RunSpecInput[] = [
  { from: 'baseline' },
  { from: 'relu', label: 'ReLU, He init', model: { init: { kind: 'he' } } },
  { from: 'batchnorm' },
];

/** Options of `sweepDepth`. */
export interface DepthSweepOptions {
  /** Hidden layers of each point. Default [1, 2, 4, 8, 16, 32]. */
  depths?: number[];
  /** Default `COMPARED_NETWORKS`. */
  networks?: readonly RunSpecInput[];
}

/** One depth of one network: log10 RMS dL/dh at hidden1 over the last hidden layer, measured and predicted. */
export interface DepthPoint {
  depth: number;
  measured: number | null;
  /** log10 of the product of `predictedGradFactor` over hidden layers 2 … depth. */
  predicted: number | null;
}

export interface DepthSeries {
  /** The network at its own depth; its label names the series. */
  spec: RunSpec;
  points: DepthPoint[];
  /** Least-squares slope of `measured` / `predicted` against depth: log10 of the factor per layer. */
  measuredSlope: number | null;
  predictedSlope: number | null;
}

/** Least-squares slope of y against x over the points where y is known (null with fewer than two). */
export function leastSquaresSlope(points: Array<{ x: number; y: number | null }>): number | null {
  const known = points.filter((p): p is { x: number; y: number } => p.y !== null && Number.isFinite(p.y));
  if (known.length < 2) return null;
  const mx = mean(known.map((p) => p.x));
  const my = mean(known.map((p) => p.y));
  const sxy = known.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const sxx = known.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return sxx > 0 ? sxy / sxx : null;
}

/** The gradient's loss from the last hidden layer to the first as the network deepens, at initialisation. */
export function sweepDepth(ctx: InitContext, options: DepthSweepOptions = {}): DepthSeries[] {
  const { depths = [1, 2, 4, 8, 16, 32], networks = COMPARED_NETWORKS } = options;
  return networks.map((input) => {
    const points = depths.map((depth): DepthPoint => {
      const { layers } = measureInit({ ...input, model: { ...input.model, depth } }, ctx);
      const factors = gradFactors(layers, 'last hidden');
      const predicted = factors.every((f) => f.predicted !== null && f.predicted > 0)
        ? factors.reduce((a, f) => a + Math.log10(f.predicted as number), 0)
        : null;
      return { depth, measured: gradientRatioAtDepth(layers), predicted };
    });
    return {
      spec: specAtInit(input, ctx),
      points,
      measuredSlope: leastSquaresSlope(points.map((p) => ({ x: p.depth, y: p.measured }))),
      predictedSlope: leastSquaresSlope(points.map((p) => ({ x: p.depth, y: p.predicted }))),
    };
  });
}
