/**
 * Mean-field theory of a deep random network (Poole et al. 2016, "Exponential expressivity in deep
 * neural networks through transient chaos"; Schoenholz et al. 2017, "Deep information propagation"):
 * what happens to the signal and the gradient at initialisation, from the weight scale alone, without
 * building a network.
 *
 * A layer computes z_l = W_l h_{l-1} + b_l, h_l = φ(z_l), W_l ~ N(0, σ_w²) and b_l ~ N(0, σ_b²) with
 * n inputs. In a wide network every pre-activation is Gaussian across the random weights, with a
 * variance q_l the same for all units, and
 *     q_1     = σ_w² · mean ‖x‖² + σ_b²                          (the data's squared norm),
 *     q_{l+1} = n · σ_w² · E_{z~N(0, q_l)}[φ(z)²] + σ_b².
 * The weights have mean zero, so the second moment E[φ²] enters, not Var(φ): the sigmoid's mean 1/2
 * feeds the next layer's variance as much as its spread does. Backwards, each layer multiplies the
 * mean square of dL/dh by
 *     χ_l = n · σ_w² · E_{z~N(0, q_l)}[φ'(z)²]                  (Schoenholz et al., eq. 9),
 * so the RMS gradient by √χ_l (the same factor `predictedGradFactor` in stats.ts computes from a real
 * network's weights and slopes). Deep in the network q_l settles at the fixed point q* of the variance
 * map; where χ(q*) = 1 the gradient neither vanishes nor explodes: the critical weight scale, found
 * here by bisection. Below it the gradient vanishes exponentially with depth, above it it explodes.
 *
 * The Gaussian expectations are computed by Gauss–Hermite quadrature (64 nodes, Golub & Welsch 1969),
 * as Poole et al. do, while the Gaussian is narrow: √q ≤ 1, where its relative error is below 3·10⁻⁷
 * for every activation here (tanh'² the worst). Wider Gaussians are common here (σ_w = 1 at 128
 * inputs gives √q ≈ 8, σ_w = 10 gives √q ≈ 80), and there Gauss–Hermite's central nodes fall several
 * units apart, beyond the activation's bend (64 nodes get E[σ'²] 24 % low at √q = 8, and 0 at
 * √q = 100). So a wide Gaussian is integrated by the midpoint rule on a grid of step 1/4, well inside
 * the activation's bend, over ±10 √q: for an integrand analytic in a strip around the real line, as
 * these are, its error falls geometrically with 1/step (below 10⁻¹² here, checked against a finer grid).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { ACTIVATION_KINDS, Activation, slopeAt } from '../network/activations';

/** Activations whose variance map has a finite fixed point (ReLU's scales q by n σ_w² / 2 at every layer). */
export type BoundedActivation = Exclude<Activation, 'relu'>;

/** Gauss–Hermite nodes used while √q ≤ `GAUSS_HERMITE_MAX_STD`. */
export const GAUSS_HERMITE_NODES = 64;
/** Widest Gaussian (std of z) integrated by Gauss–Hermite; wider ones by the midpoint rule. */
export const GAUSS_HERMITE_MAX_STD = 1;
/** Midpoint rule: step in z (the activations bend over about one unit of z) and reach in stds of z. */
const MIDPOINT_STEP = 0.25;
const MIDPOINT_REACH = 10;

/**
 * Nodes and weights of n-point Gauss–Hermite quadrature for the standard normal density (probabilists'
 * Hermite polynomials): E_{u~N(0,1)}[g(u)] ≈ Σ w_k g(x_k), exact for polynomials of degree < 2n. Golub–
 * Welsch: the nodes are the eigenvalues of the polynomials' Jacobi matrix (off-diagonal √k), the weights
 * the squared first components of its normalised eigenvectors.
 */
export function gaussHermite(n: number): { nodes: number[]; weights: number[] } {
  const jacobi = Matrix.zeros(n, n);
  for (let k = 1; k < n; k++) {
    jacobi.set(k, k - 1, Math.sqrt(k));
    jacobi.set(k - 1, k, Math.sqrt(k));
  }
  const evd = new EigenvalueDecomposition(jacobi, { assumeSymmetric: true });
  const vectors = evd.eigenvectorMatrix;
  return { nodes: evd.realEigenvalues, weights: evd.realEigenvalues.map((_, k) => vectors.get(0, k) ** 2) };
}

const RULE = gaussHermite(GAUSS_HERMITE_NODES);

/** E_{z~N(0, q)}[f(z)]: Gauss–Hermite for a narrow Gaussian, the midpoint rule for a wide one (see the header). */
export function gaussianExpectation(f: (z: number) => number, q: number): number {
  const s = Math.sqrt(q);
  if (s <= GAUSS_HERMITE_MAX_STD) {
    let sum = 0;
    for (let k = 0; k < RULE.nodes.length; k++) sum += RULE.weights[k] * f(s * RULE.nodes[k]);
    return sum;
  }
  // Nodes at ±(k + 1/2)·step, symmetric about 0, so a kink at 0 (ReLU) splits exactly in half.
  const half = Math.ceil((MIDPOINT_REACH * s) / MIDPOINT_STEP);
  let sum = 0;
  for (let k = -half; k < half; k++) {
    const z = (k + 0.5) * MIDPOINT_STEP;
    sum += f(z) * Math.exp((-z * z) / (2 * q));
  }
  return (sum * MIDPOINT_STEP) / Math.sqrt(2 * Math.PI * q);
}

/** One layer of the theory: units per layer n and the variances of weights and biases. */
export interface MeanFieldLayer {
  activation: Activation;
  /** Inputs of each unit (the previous layer's width). */
  fanIn: number;
  /** σ_w² */
  weightVar: number;
  /** σ_b² (0 for the `normal` init). Default 0. */
  biasVar?: number;
}

/** q_{l+1} = n σ_w² E_{z~N(0, q_l)}[φ(z)²] + σ_b². */
export function nextVariance(layer: MeanFieldLayer, q: number): number {
  const { phi } = ACTIVATION_KINDS[layer.activation];
  return layer.fanIn * layer.weightVar * gaussianExpectation((z) => phi(z) ** 2, q) + (layer.biasVar ?? 0);
}

/** χ = n σ_w² E_{z~N(0, q)}[φ'(z)²]: the factor on the mean square of dL/dh across one layer whose pre-activations have variance q. */
export function chi(layer: MeanFieldLayer, q: number): number {
  return layer.fanIn * layer.weightVar * gaussianExpectation((z) => slopeAt(layer.activation, z) ** 2, q);
}

/**
 * Fraction of units out of action at pre-activation variance q, by the rule of activations.ts: a
 * saturating activation's P(|z| > zEdge); ReLU's inactive half, P(z ≤ 0).
 */
export function meanFieldSaturation(kind: Activation, q: number): number {
  const rule = ACTIVATION_KINDS[kind].outOfAction;
  if (rule.kind === 'inactive') return 0.5;
  return q > 0 ? erfc(rule.zEdge / Math.sqrt(2 * q)) : 0;
}

/** erfc(x) for x ≥ 0, relative error below 1.2·10⁻⁷ (Press et al., Numerical Recipes, §6.2, Chebyshev fit). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly = -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(poly);
}

/** A network for the theory: `depth` hidden layers of `width` units, all with the same weight scale. */
export interface MeanFieldNetwork {
  activation: Activation;
  depth: number;
  width: number;
  /** σ_w: the standard deviation of every weight. */
  weightStd: number;
  /** σ_b. Default 0. */
  biasStd?: number;
  /** The data's mean squared norm, mean ‖x‖² (the first layer's input). */
  inputSquaredNorm: number;
}

/** Per hidden layer, input to output: the pre-activations' variance, the backward factor and the saturated fraction. */
export interface MeanFieldProfile {
  /** q_l of hidden layers 1 … depth. */
  variance: number[];
  /** √χ_l: RMS(dL/dh_{l-1}) / RMS(dL/dh_l) for hidden layers 2 … depth (hidden1's input gradient is not in the network's measurements). */
  gradFactor: number[];
  /** Out-of-action fraction of hidden layers 1 … depth. */
  saturation: number[];
}

/** The theory's picture of a whole network at initialisation, layer by layer. */
export function meanFieldProfile(net: MeanFieldNetwork): MeanFieldProfile {
  const biasVar = (net.biasStd ?? 0) ** 2;
  const layer: MeanFieldLayer = { activation: net.activation, fanIn: net.width, weightVar: net.weightStd ** 2, biasVar };
  const variance = [net.weightStd ** 2 * net.inputSquaredNorm + biasVar];
  while (variance.length < net.depth) variance.push(nextVariance(layer, variance[variance.length - 1]));
  return {
    variance,
    gradFactor: variance.slice(1).map((q) => Math.sqrt(chi(layer, q))),
    saturation: variance.map((q) => meanFieldSaturation(net.activation, q)),
  };
}

/**
 * The fixed point q* = n σ_w² E[φ(z)²] + σ_b² that q_l settles at with depth, by iterating the map
 * from q = 1 (it converges for the bounded activations: the map is increasing and flattens out).
 */
export function fixedPointVariance(layer: MeanFieldLayer & { activation: BoundedActivation }, tolerance = 1e-12, maxSteps = 10_000): number {
  let q = 1;
  for (let step = 0; step < maxSteps; step++) {
    const next = nextVariance(layer, q);
    if (Math.abs(next - q) <= tolerance * Math.max(next, 1e-300)) return next;
    q = next;
  }
  return q;
}

/** Options of `criticalWeightStd`. */
export interface CriticalOptions {
  /** σ_b. Default 0. */
  biasStd?: number;
  /** Bracket of σ_w searched (χ(q*) − 1 changes sign inside). Default [1e-3, 1e3]. */
  bracket?: [number, number];
  /** Relative width of the bracket at which bisection stops. Default 1e-10. */
  tolerance?: number;
}

/**
 * The critical weight std σ_w* of a bounded activation at `fanIn` inputs: where χ at the fixed point q*
 * is 1 (the edge of chaos, Schoenholz et al. 2017), by bisection on log σ_w. Vanishing below, exploding above.
 */
export function criticalWeightStd(activation: BoundedActivation, fanIn: number, options: CriticalOptions = {}): number {
  const { biasStd = 0, bracket = [1e-3, 1e3], tolerance = 1e-10 } = options;
  const excess = (std: number) => {
    const layer = { activation, fanIn, weightVar: std * std, biasVar: biasStd * biasStd };
    return chi(layer, fixedPointVariance(layer)) - 1;
  };
  let [lo, hi] = bracket;
  if (excess(lo) > 0 || excess(hi) < 0) throw new Error(`χ(q*) − 1 does not change sign between σ_w = ${lo} and ${hi}`);
  while (hi / lo - 1 > tolerance) {
    const mid = Math.sqrt(lo * hi);
    if (excess(mid) < 0) lo = mid;
    else hi = mid;
  }
  return Math.sqrt(lo * hi);
}
