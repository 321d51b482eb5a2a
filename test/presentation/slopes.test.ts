import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../lib/runtime/backend';
import { buildModel } from '../../lib/runs/run';
import { measureInit, specAtInit } from '../../lib/theory/sweeps';
import {
  Preactivations, describeFactorByHand, describeSlopes, factorByHand, plotSlopeAgainstPreactivations, preactivationsAtInit,
} from '../../lib/presentation/slopes';
import { IMAGE_PIXELS, assertClose, fakeLayer, matmul, mean, sigmoid, studySpec, syntheticData } from '../helpers';

before(async () => {
  await initBackend();
});

const ctx = { data: syntheticData(40, 10), seed: 3 };
const SMALL = { depth: 3, width: 16 };

describe('preactivationsAtInit', () => {
  test("z of the chosen layer, its slopes, saturation, signal and Var(W), against float64 from the network's own weights", () => {
    const inputs = [{ from: 'baseline', model: SMALL }, { from: 'weight-std-1', model: SMALL }];
    const measured = preactivationsAtInit(inputs, ctx, 'hidden2');
    assert.equal(measured.length, 2);
    measured.forEach((p, i) => {
      const model = buildModel(specAtInit(inputs[i], ctx));
      const w = model.hidden.map((l) => ({ k: Array.from(l.kernel.dataSync()), b: Array.from(l.bias.dataSync()) }));
      model.dispose();
      const n = ctx.data.train.n;
      const x = Array.from(ctx.data.train.images, (v) => v / 255);
      const z1 = matmul(x, w[0].k, n, IMAGE_PIXELS, 16).map((v, j) => v + w[0].b[j % 16]);
      const z2 = matmul(z1.map(sigmoid), w[1].k, n, 16, 16).map((v, j) => v + w[1].b[j % 16]);
      assertClose(Array.from(p.z), z2, { atol: 1e-4, rtol: 1e-4, msg: `${p.spec.label}: z of hidden2` });
      const slope = z2.map((v) => sigmoid(v) * (1 - sigmoid(v)));
      assertClose(p.meanSlope, mean(slope), { rtol: 1e-4, msg: 'E[σ′]' });
      assertClose(p.meanSlopeSq, mean(slope.map((s) => s * s)), { rtol: 1e-4, msg: 'E[σ′²]' });
      assert.equal(p.saturation, z2.filter((v) => Math.abs(v) > Math.log(99)).length / z2.length);
      const kMean = mean(w[1].k);
      assertClose(p.weightVariance, mean(w[1].k.map((v) => (v - kMean) ** 2)), { rtol: 1e-4, msg: 'Var(W)' });
      const h = z2.map(sigmoid);
      const unitStd = Array.from({ length: 16 }, (_, u) => {
        const col = Array.from({ length: n }, (_, r) => h[r * 16 + u]);
        const m = mean(col);
        return Math.sqrt(mean(col.map((v) => (v - m) ** 2)));
      });
      assertClose(p.signalSpread, mean(unitStd), { rtol: 1e-3, msg: 'signal spread' });
      assert.equal(p.units, 16);
    });
    assert.ok(measured[1].saturation > measured[0].saturation, 'N(0, 1) saturates more than the default');
  });

  test('the factor by hand is the library\'s predictedGradFactor of the same layer, on the same batch', () => {
    for (const input of [{ from: 'baseline', model: SMALL }, { from: 'weight-std-1', model: SMALL }]) {
      const [p] = preactivationsAtInit([input], ctx, 'hidden3');
      const m = measureInit(input, ctx);
      assertClose(factorByHand(p).factor, m.layers[2].predictedGradFactor as number, { rtol: 1e-4, msg: JSON.stringify(input) });
    }
  });

  test('refuses networks whose z is not what the activation reads, and layers it does not have', () => {
    assert.throws(() => preactivationsAtInit(['batchnorm'], ctx), /normalisation, skips or gradient normalisation/);
    assert.throws(() => preactivationsAtInit([{ from: 'baseline', model: SMALL }], ctx, 'hidden9'), /no hidden layer hidden9/);
  });
});

/** A hand-made measurement: `z` given, the rest chosen. */
function made(z: number[], label = 'baseline (sigmoid)'): Preactivations {
  return {
    spec: studySpec({ label }), layer: 'hidden2', z: Float32Array.from(z), units: 128, weightVariance: 1 / 384,
    meanSlope: 0.24, meanSlopeSq: 0.0625, saturation: 0.5, signalSpread: 0.01,
  };
}

describe('plotSlopeAgainstPreactivations', () => {
  test('per network: the histogram of z scaled to its tallest bin, σ and σ′ on its own symmetric z axis, the tails shaded', () => {
    const fig = plotSlopeAgainstPreactivations([made([0.1, 0.1, 0.2, -0.1]), made([-30, 10, 20, 25], 'wide')]);
    assert.equal(fig.data.length, 6);
    const [bars, phi, slope] = fig.data;
    assert.equal(bars.type, 'bar');
    // reach 6 (the minimum): 80 bins of 0.15 over [-6, 6]
    assert.equal(bars.width, 0.15);
    const y = bars.y as number[];
    assert.equal(Math.max(...y), 1);
    assert.equal(y.reduce((a, b) => a + b, 0), 2, '4 values, the tallest bin holding 2: 4 / 2');
    const xs = phi.x as number[];
    assert.equal(xs[0], -6);
    assert.equal(xs[xs.length - 1], 6);
    assertClose(phi.y as number[], xs.map(sigmoid), { atol: 1e-6, msg: 'σ(z)' });
    assertClose(slope.y as number[], xs.map((v) => sigmoid(v) * (1 - sigmoid(v))), { atol: 1e-6, msg: "σ′(z), the network's own gradient" });
    const wide = fig.data[3];
    assert.equal(wide.xaxis, 'x2');
    assert.equal((fig.data[4].x as number[])[0], -30, 'the second panel reaches its largest |z|');
    const shapes = fig.layout.shapes as Array<{ x0: number; x1: number; xref: string }>;
    assert.deepEqual(shapes.filter((s) => s.xref === 'x').map((s) => [s.x0, s.x1]), [[-6, -Math.log(99)], [Math.log(99), 6]]);
    assert.match(JSON.stringify(fig.layout.annotations), /E\[σ′\(z\)\] = 0\.24/);
  });

  test('describeSlopes says each network\'s numbers', () => {
    assert.match(describeSlopes([made([1, -1])]), /z spreads by 1\.0 .* E\[φ′\(z\)\] is 0\.24 .* 50 % of the units out of action; .* by 0\.010/);
  });
});

describe('describeFactorByHand', () => {
  test('√(n Var(W)), the RMS slope, their product and its power, beside the library\'s and the measured factor', () => {
    // RMS dL/dh falls ×0.1 per layer from the output down; the predicted factor 0.15 at hidden2
    const layers = ['hidden1', 'hidden2', 'hidden3', 'output'].map((name, i) =>
      fakeLayer(name, { activationGradRms: 10 ** (i - 5), predictedGradFactor: i === 1 ? 0.15 : 0.2 }));
    const text = describeFactorByHand(made([0]), { spec: studySpec(), layers });
    assert.match(text, /√\(n · Var\(W\)\).*\| 0\.5774 \|/);
    assert.match(text, /√E\[σ′\(z\)²\].*\| 0\.2500 \|/);
    assert.match(text, /\*\*by hand: √\(n · Var\(W\) · E\[σ′\(z\)²\]\)\*\* \| \*\*0\.1443\*\*/);
    assert.match(text, /predictedGradFactor` at hidden2 \| 0\.1500 \|/);
    assert.match(text, /measured: .* \| 0\.1000 \|/);
    assert.match(text, /were all 2 layers .*: 0\.144² \| 10⁻¹·⁶⁸ \|/);
    assert.match(text, /measured over the same 2 layers: .* \| 10⁻²·⁰⁰ \|/);
    // E[σ′²] / E[σ′]² = 0.0625 / 0.0576: 8.5 % apart, not "nearly equal"
    assert.match(text, /here 8\.5 % of E\[σ′\]²\. So .* differ/);
    assert.match(describeFactorByHand({ ...made([0]), meanSlope: 0.2499 }, { spec: studySpec(), layers }), /nearly equal/);
  });
});
