/**
 * Mean-field theory's numbers against independent references: Gauss–Hermite against the normal's
 * moments, the expectations against closed forms and a float64 Monte Carlo written here, the variance
 * map against a wide random network simulated in float64, and the critical scale against its definition.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  GAUSS_HERMITE_MAX_STD, chi, criticalWeightStd, fixedPointVariance, gaussHermite, gaussianExpectation, meanFieldProfile,
  meanFieldSaturation, nextVariance,
} from '../../lib/theory/meanfield';
import { assertClose, mean, randn, sigmoid } from '../helpers';

const sigmoidSlope = (z: number) => sigmoid(z) * (1 - sigmoid(z));
/** (2k − 1)!! = E[u^{2k}] for u ~ N(0, 1). */
const doubleFactorial = (k: number) => Array.from({ length: k }, (_, i) => 2 * i + 1).reduce((a, b) => a * b, 1);

/** E[f(z)], z ~ N(0, q), by plain float64 Monte Carlo. */
function monteCarlo(f: (z: number) => number, q: number, n = 200_000, seed = 7): number {
  return mean(randn(n, seed, Math.sqrt(q)).map(f));
}

describe('gaussHermite', () => {
  test('integrates the standard normal exactly for polynomials of degree < 2n: weights sum to 1, moments (2k − 1)!!, odd ones 0', () => {
    const { nodes, weights } = gaussHermite(20);
    const moment = (p: number) => nodes.reduce((a, x, i) => a + weights[i] * x ** p, 0);
    assertClose(moment(0), 1, { rtol: 1e-13, msg: 'mass' });
    for (let k = 1; k <= 9; k++) assertClose(moment(2 * k), doubleFactorial(k), { rtol: 1e-10, msg: `E[u^${2 * k}]` });
    // odd moments vanish up to rounding, which is relative to the size of the terms summed
    for (let k = 0; k <= 9; k++) assertClose(moment(2 * k + 1), 0, { atol: 1e-12 * doubleFactorial(k + 1), msg: `E[u^${2 * k + 1}]` });
  });
});

describe('gaussianExpectation', () => {
  // Both rules: a narrow Gaussian (Gauss–Hermite) and wide ones (midpoint rule), up to √q = 100.
  const VARIANCES = [0.01, 1, GAUSS_HERMITE_MAX_STD ** 2, 9, 64, 1e4];

  test('E[z²] = q and E[z⁴] = 3q², at every width', () => {
    for (const q of VARIANCES) {
      assertClose(gaussianExpectation((z) => z * z, q), q, { rtol: 1e-10, msg: `E[z²], q = ${q}` });
      assertClose(gaussianExpectation((z) => z ** 4, q), 3 * q * q, { rtol: 1e-9, msg: `E[z⁴], q = ${q}` });
    }
  });

  test("ReLU: E[relu'(z)²] = 1/2 and E[relu(z)²] = q/2, so He's scale σ_w² = 2/n gives a factor of exactly 1", () => {
    for (const q of VARIANCES) {
      assertClose(gaussianExpectation((z) => (z > 0 ? 1 : 0), q), 0.5, { rtol: 1e-12, msg: `E[relu'²], q = ${q}` });
      assertClose(gaussianExpectation((z) => Math.max(0, z) ** 2, q), q / 2, { rtol: 1e-10, msg: `E[relu²], q = ${q}` });
      assertClose(chi({ activation: 'relu', fanIn: 128, weightVar: 2 / 128 }, q), 1, { rtol: 1e-12, msg: `He χ, q = ${q}` });
    }
  });

  test("the sigmoid: E[σ] = 1/2 at every width, and a wide Gaussian sees ∫σ'² = 1/6 at density 1/√(2πq)", () => {
    for (const q of VARIANCES) assertClose(gaussianExpectation(sigmoid, q), 0.5, { rtol: 1e-12, msg: `E[σ], q = ${q}` });
    const q = 1e6;
    assertClose(gaussianExpectation((z) => sigmoidSlope(z) ** 2, q), 1 / 6 / Math.sqrt(2 * Math.PI * q), { rtol: 1e-5, msg: "E[σ'²], √q = 1000" });
  });

  test("agrees with a float64 Monte Carlo for the sigmoid, narrow and wide, and is continuous where the rule changes", () => {
    for (const q of [0.3, 4, 9, 400]) {
      assertClose(gaussianExpectation((z) => sigmoid(z) ** 2, q), monteCarlo((z) => sigmoid(z) ** 2, q), { rtol: 0.01, msg: `E[σ²], q = ${q}` });
      assertClose(gaussianExpectation((z) => sigmoidSlope(z) ** 2, q), monteCarlo((z) => sigmoidSlope(z) ** 2, q), { rtol: 0.03, msg: `E[σ'²], q = ${q}` });
    }
    const edge = GAUSS_HERMITE_MAX_STD;
    const f = (z: number) => sigmoidSlope(z) ** 2;
    assertClose(gaussianExpectation(f, (edge * (1 - 1e-9)) ** 2), gaussianExpectation(f, (edge * (1 + 1e-9)) ** 2), { rtol: 1e-6, msg: 'at the switch' });
  });
});

describe('the variance map and χ', () => {
  test("for small weights the sigmoid's factor tends to √(n σ_w² / 16): its slope at 0 is 1/4", () => {
    const n = 128;
    // (the next term is −q/4 relative, q = n σ_w² / 4 the variance: below 10⁻⁵ here)
    for (const std of [1e-4, 1e-3]) {
      const layer = { activation: 'sigmoid' as const, fanIn: n, weightVar: std * std };
      const q = nextVariance(layer, 0); // n σ_w² E[σ(0)²] = n σ_w² / 4: tiny
      assertClose(Math.sqrt(chi(layer, q)), Math.sqrt((n * std * std) / 16), { rtol: 1e-4, msg: `σ_w = ${std}` });
    }
  });

  test('the profile follows the pre-activation variance of a wide random sigmoid network simulated in float64', () => {
    const [inputs, width, depth, std] = [50, 1500, 3, 0.08];
    const x = randn(inputs, 41, 2);
    const squaredNorm = x.reduce((a, v) => a + v * v, 0);
    const theory = meanFieldProfile({ activation: 'sigmoid', depth, width, weightStd: std, inputSquaredNorm: squaredNorm }).variance;
    let h = x;
    const simulated: number[] = [];
    for (let l = 0; l < depth; l++) {
      const w = randn(h.length * width, 100 + l, std);
      const z = Array.from({ length: width }, (_, k) => h.reduce((a, v, j) => a + v * w[j * width + k], 0));
      simulated.push(mean(z.map((v) => v * v)));
      h = z.map(sigmoid);
    }
    assertClose(simulated, theory, { rtol: 0.12, msg: 'q_l, theory vs a width-1500 network' });
  });

  test("the saturated fraction is P(|z| > ln 99) for the sigmoid, as a Monte Carlo counts it", () => {
    for (const q of [1, 25, 400]) {
      const counted = monteCarlo((z) => Number(sigmoid(z) < 0.01 || sigmoid(z) > 0.99), q);
      assertClose(meanFieldSaturation('sigmoid', q), counted, { atol: 0.005, msg: `q = ${q}` });
    }
    assert.equal(meanFieldSaturation('relu', 3), 0.5);
  });
});

describe('criticalWeightStd', () => {
  test('χ = 1 at the fixed point there, below 1 just under it and above 1 just over it', () => {
    const n = 128;
    const critical = criticalWeightStd('sigmoid', n);
    const chiAt = (std: number) => {
      const layer = { activation: 'sigmoid' as const, fanIn: n, weightVar: std * std };
      return chi(layer, fixedPointVariance(layer));
    };
    assertClose(chiAt(critical), 1, { rtol: 1e-8, msg: 'χ(q*) at σ_w*' });
    assert.ok(chiAt(critical * 0.99) < 1 && chiAt(critical * 1.01) > 1, 'vanishing below, exploding above');
    // the fixed point is one: the map sends it to itself
    const layer = { activation: 'sigmoid' as const, fanIn: n, weightVar: critical ** 2 };
    const q = fixedPointVariance(layer);
    assertClose(nextVariance(layer, q), q, { rtol: 1e-10, msg: 'q* = map(q*)' });
  });

  test("tanh without biases: the fixed point is q* = 0 below criticality, where χ = n σ_w², so σ_w* = 1/√n", () => {
    assertClose(criticalWeightStd('tanh', 128), 1 / Math.sqrt(128), { rtol: 1e-3, msg: 'tanh' });
  });
});
