/**
 * The opening notebook's figures and sentences, from measurements with chosen numbers: what each figure
 * draws where (the critical scale marked, measured beside predicted), and sentences that state the
 * numbers they were given, not fixed text.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  describeDepthSweep, describeInitScaleSweep, describeJacobianSpectra, describeSignalAndGradient, plotDepthSweep, plotInitScaleSweep,
  plotJacobianSpectra, plotSignalAndGradient,
} from '../../lib/presentation/theory';
import { JacobianSpectrum } from '../../lib/theory/jacobian';
import { DepthSeries, InitMeasurement, InitScaleSweep } from '../../lib/theory/sweeps';
import { assertClose, fakeLayer, studySpec } from '../helpers';

const BASELINE = studySpec();
const BATCHNORM = studySpec({ experiment: 'batchnorm', label: 'BatchNorm' });

/** Three hidden layers: spread ×0.1 per layer forward, gradient ×0.2 per layer backward (prediction 0.25). */
const MEASURED: InitMeasurement = {
  spec: BASELINE,
  layers: [
    fakeLayer('hidden1', { signalSpread: 4e-2, activationGradRms: 4e-5 }),
    fakeLayer('hidden2', { signalSpread: 4e-3, activationGradRms: 2e-4, predictedGradFactor: 0.25 }),
    fakeLayer('hidden3', { signalSpread: 4e-4, activationGradRms: 1e-3, predictedGradFactor: 0.25 }),
    fakeLayer('output', { activationGradRms: 1e-2, predictedGradFactor: 0.1 }),
  ],
};

const SWEEP: InitScaleSweep = {
  spec: BASELINE,
  points: [
    { std: 0.1, measuredFactor: 0.5, predictedFactor: 0.55, saturation: 0 },
    { std: 1, measuredFactor: 1.2, predictedFactor: 1.2, saturation: 0.5 },
    { std: 10, measuredFactor: 4.8, predictedFactor: 4.6, saturation: 0.9 },
  ],
  theory: [{ std: 0.1, factor: 0.5, saturation: 0 }, { std: 1, factor: 1, saturation: 0.45 }, { std: 10, factor: 4, saturation: 0.95 }],
  inputSquaredNorm: 164.4,
  criticalStd: 0.897,
  measuredCrossing: 0.8,
  theoryCrossing: 1,
};

const DEPTHS: DepthSeries[] = [
  { spec: BASELINE, points: [{ depth: 1, measured: 0, predicted: 0 }, { depth: 3, measured: -0.6, predicted: -0.62 }], measuredSlope: Math.log10(0.5), predictedSlope: Math.log10(0.49) },
  { spec: BATCHNORM, points: [{ depth: 1, measured: 0, predicted: 0 }, { depth: 3, measured: 0.1, predicted: 0.2 }], measuredSlope: 0.05, predictedSlope: 0.1 },
];

function spectrum(spec: typeof BASELINE, nonzero: number[], zeroFraction: number, rms: number, predictedRms: number): JacobianSpectrum {
  return { spec, layers: [], nonzero, zeroFraction, rms, median: nonzero[Math.floor(nonzero.length / 2)], predictedRms };
}
const SPECTRA = [
  spectrum(BASELINE, [1e-4, 1e-5, 1e-6, 1e-7], 0, 5e-5, 4e-5),
  spectrum(BATCHNORM, [3, 1, 0.1], 0.25, 1.5, 1.8),
];

const layoutOf = (f: { layout: Record<string, unknown> }, key: string) => f.layout[key] as Record<string, unknown> & { title?: { text: string }; type?: string };

describe('plotSignalAndGradient', () => {
  test('forward spread per hidden layer beside the backward gradient, measured and chained prediction, log axes, titled', () => {
    const fig = plotSignalAndGradient(MEASURED);
    assert.deepEqual(fig.data.map((t) => t.y), [
      [4e-2, 4e-3, 4e-4], [4e-5, 2e-4, 1e-3, 1e-2], fig.data[2].y,
    ]);
    assertClose(fig.data[2].y as number[], [6.25e-5, 2.5e-4, 1e-3, 1e-2], { rtol: 1e-12, msg: 'chained from the output: ×0.1, ×0.25, ×0.25' });
    assert.equal((fig.data[2].line as { dash: string }).dash, 'dash');
    for (const axis of ['xaxis', 'yaxis', 'xaxis2', 'yaxis2']) assert.ok(layoutOf(fig, axis).title?.text, `${axis} labelled`);
    assert.equal(layoutOf(fig, 'yaxis').type, 'log');
    assert.equal(layoutOf(fig, 'yaxis2').type, 'log');
    assert.match(fig.layout.title.text, /baseline/);
  });

  test('the sentences state the numbers', () => {
    const text = describeSignalAndGradient(MEASURED);
    assert.match(text, /0\.040 at hidden1 and by 4\.0×10⁻⁴ at hidden3, ×0\.10 per layer/);
    assert.match(text, /multiplied by 0\.20 per layer \(geometric mean\), mean-field theory predicts 0\.25, the largest gap at one layer 20 %/);
    assert.match(text, /at hidden1 at 6\.3×10⁻⁵, measured 4\.0×10⁻⁵ \(56 % apart/);
  });
});

describe('plotInitScaleSweep', () => {
  test('theory curve, measured and predicted points, the line at 1 and the critical std marked on both panels', () => {
    const fig = plotInitScaleSweep(SWEEP);
    assert.deepEqual(fig.data.slice(0, 3).map((t) => t.y), [[0.5, 1, 4], [0.5, 1.2, 4.8], [0.55, 1.2, 4.6]]);
    const shapes = fig.layout.shapes as Array<{ x0: number; y0: number; xref: string }>;
    assert.deepEqual(shapes.filter((s) => s.x0 === 0.897).map((s) => s.xref), ['x', 'x2'], 'critical std on both panels');
    assert.ok(shapes.some((s) => s.y0 === 1 && s.xref === 'x domain'), 'the factor 1');
    const notes = (fig.layout.annotations as Array<{ text: string }>).map((a) => a.text);
    assert.ok(notes.some((t) => t.includes('0.897')), 'critical value written');
    assert.ok(notes.some((t) => /vanishing/.test(t)) && notes.some((t) => /exploding/.test(t)));
    assert.equal(layoutOf(fig, 'xaxis').type, 'log');
    assert.equal(layoutOf(fig, 'yaxis').type, 'log');
  });

  test('the sentences state the numbers', () => {
    const text = describeInitScaleSweep(SWEEP);
    assert.match(text, /σ\\_w∗ = 0\.897 for 128-unit sigmoid layers/);
    assert.match(text, /theory's factor crosses 1 at σ\\_w = 1\.00; the measured factor crosses it at σ\\_w = 0\.800 \(20 % apart/);
    // largest gaps: 0.5 vs 0.55 → 9 % (prediction); 1.2 vs 1 and 4.8 vs 4 → 20 % (theory); saturation 0.9 vs 0.95 → 5 points
    assert.match(text, /within 9 % of the prediction .* within 20 % of the theory .* within 5 points/);
    assert.match(text, /×0\.50 at σ\\_w = 0\.1/);
    assert.match(text, /at σ\\_w = 10, 90 % of the units are saturated/);
    // above 0.897: (1, 1.2) and (10, 4.8): slope log10(4) = 0.60
    assert.match(text, /grows as σ\\_w⁰·⁶⁰/);
  });
});

describe('plotDepthSweep', () => {
  test('measured solid and predicted dashed per network, factors per layer in the legend, the baseline grey and alone on the left', () => {
    const fig = plotDepthSweep(DEPTHS);
    const names = fig.data.map((t) => t.name as string);
    assert.ok(names[0].includes('×0.500 per layer') && names[1].includes('×0.490 per layer'), names.join(' | '));
    assert.equal((fig.data[0].line as { color: string }).color, '#7f7f7f');
    assert.deepEqual(fig.data.map((t) => t.xaxis), ['x', 'x', 'x', 'x', 'x2', 'x2'], 'BatchNorm again on the zoomed panel, the baseline not');
    assert.deepEqual(fig.data.map((t) => (t.line as { dash?: string }).dash ?? 'solid'), ['solid', 'dash', 'solid', 'dash', 'solid', 'dash']);
    assert.ok(layoutOf(fig, 'xaxis').title?.text && layoutOf(fig, 'yaxis').title?.text);
  });

  test('the sentences state the numbers', () => {
    const text = describeDepthSweep(DEPTHS);
    assert.match(text, /baseline \(sigmoid\):\*\* every added layer multiplies the gradient that reaches hidden1 by 0\.500 .* the prediction by 0\.490: 2 % apart/);
    assert.match(text, /At 3 hidden layers hidden1 gets 10⁻⁰·⁶⁰⁰ .* \(predicted 10⁻⁰·⁶²⁰\)/);
    assert.match(text, /BatchNorm:\*\* every added layer multiplies the gradient that reaches hidden1 by 1\.12/);
  });
});

describe('plotJacobianSpectra', () => {
  test('a histogram of log10 σ per network as a fraction of all its singular values, with the measured and predicted RMS', () => {
    const fig = plotJacobianSpectra(SPECTRA);
    const histograms = fig.data.filter((t) => t.fill === 'tozeroy');
    assertClose(histograms.map((t) => (t.y as number[]).reduce((a, b) => a + b, 0)), [1, 0.75], { rtol: 1e-12, msg: 'the zeros are missing mass' });
    assert.ok((histograms[1].name as string).includes('25 % are 0'));
    const lines = fig.data.filter((t) => t.yaxis === 'y2');
    assertClose(lines.map((t) => (t.x as number[])[0]), [5e-5, 4e-5, 1.5, 1.8].map(Math.log10), { rtol: 1e-12, msg: 'RMS lines' });
    assert.deepEqual(lines.map((t) => (t.line as { dash: string }).dash), ['dot', 'dash', 'dot', 'dash']);
    assert.ok(layoutOf(fig, 'xaxis').title?.text && layoutOf(fig, 'yaxis').title?.text);
  });

  test('the sentences state the numbers', () => {
    const text = describeJacobianSpectra(SPECTRA);
    assert.match(text, /baseline \(sigmoid\):\*\* median singular value 1\.0×10⁻⁶, largest 1\.0×10⁻⁴/);
    assert.match(text, /RMS 5\.0×10⁻⁵, mean-field predicts 4\.0×10⁻⁵ \(25 % apart\)/);
    assert.match(text, /BatchNorm:\*\* median singular value 1\.0 \(of the non-zero ones; 25 % are exactly 0\)/);
  });
});
