/**
 * The Jacobian of the hidden layers at initialisation and its singular values (Pennington, Schoenholz &
 * Ganguli 2017, "Resurrecting the sigmoid in deep learning through dynamical isometry").
 *
 * Hidden layer l computes h_l = φ(ẑ_l), ẑ_l = s_l ⊙ norm(h_{l-1} W_l + b_l) (+ β_l), W_l of shape
 * [n_{l-1}, n_l]. For one example the layer's Jacobian is
 *     ∂h_l/∂h_{l-1} = diag(s_l ⊙ φ'(ẑ_l)) · W_lᵀ                                   [n_l × n_{l-1}],
 * and the hidden layers' Jacobian is the product J = ∂h_L/∂h_1 = D_L W_Lᵀ ⋯ D_2 W_2ᵀ. Backpropagation
 * gives dL/dh_1 = Jᵀ dL/dh_L, so a gradient along J's k-th left singular vector reaches hidden1
 * multiplied by the singular value σ_k: the spread of the σ_k says how unevenly the directions fare,
 * their typical size how much of the gradient arrives. Under the mean-field assumptions the mean of σ_k²
 * is the product of the layers' χ, so the RMS singular value is the product of `predictedGradFactor`.
 *
 * s_l and φ' are those of `predictedGradFactor` (derived in training/stats.ts): the normalisation's
 * scale the model reports to its probe, φ' read off the outputs by the activation's table. A
 * normalisation's centring terms (the example's own share of the batch's mean and variance) are left
 * out: for one example's Jacobian they are O(1/batch), 1/512 here (for the batch-wide prediction
 * stats.ts says what they cost).
 */
import * as tf from '@tensorflow/tfjs';
import { Matrix, SVD } from 'ml-matrix';
import { ACTIVATION_KINDS, Activation } from '../network/activations';
import { slopeFromOutput } from '../runtime/kernels/reductions';
import { MLP, Probe } from '../network/models';
import { gradFactors } from './ratios';
import { COMPARED_NETWORKS, InitContext, InitMeasurement, specAtInit } from './sweeps';
import { RunSpecInput } from '../spec/spec';
import { buildModel } from '../runs/run';
import { batchTensors, measureAtInit } from '../training/train';

/** What the forward pass shows of each hidden layer: its outputs [batch × n] and, from layer 2 on, its kernel and scale². */
interface LayerRecord {
  outputs: Float32Array;
  kernel?: Float32Array;
  scaleSq?: ArrayLike<number>;
}

/** A `Probe` that copies what the layer Jacobians need out of one forward pass. */
class LayerRecorder implements Probe {
  readonly layers = new Map<string, LayerRecord>();

  activation(layer: string, a: tf.Tensor): void {
    this.layers.set(layer, { outputs: a.dataSync() as Float32Array });
  }

  signal(): void {}

  factorInputs(layer: string, kernel: tf.Tensor, scaleSq?: ArrayLike<number>): void {
    const record = this.layers.get(layer);
    if (!record) return;
    record.kernel = kernel.dataSync() as Float32Array;
    if (scaleSq) record.scaleSq = scaleSq;
  }

  tap(): (h: tf.Tensor) => tf.Tensor {
    return (h) => h;
  }
}

/**
 * J = ∂h_L/∂h_1 [n_L × n_1] in float64 for each of the batch's `rows`, from one forward pass in
 * training mode (BatchNorm with the batch's statistics, as `measureAtInit`). The network must be a
 * plain chain of at least two hidden layers: no skip connections, no gradient normalisation.
 */
export function hiddenJacobians(model: MLP, x: tf.Tensor2D, rows: readonly number[]): Matrix[] {
  const { depth, activation } = model.spec;
  const recorder = new LayerRecorder();
  tf.tidy(() => {
    model.forward(x, { training: true, probe: recorder });
  });
  const records = model.hidden.map((l) => recorder.layers.get(l.name) as LayerRecord);
  if (depth < 2 || records.slice(1).some((r) => !r.kernel)) {
    throw new Error('hiddenJacobians: needs at least two hidden layers chained one after the other (no skip connections or gradient normalisation)');
  }
  return rows.map((row) => {
    let j = Matrix.eye(model.spec.width);
    for (let l = 1; l < depth; l++) j = layerJacobian(records[l], row, model.spec.width, activation).mmul(j);
    return j;
  });
}

/** diag(s ⊙ φ'(ẑ)) · Wᵀ of one layer for one example (`row` of the batch). */
function layerJacobian(record: LayerRecord, row: number, width: number, activation: Activation): Matrix {
  const kernel = record.kernel as Float32Array;
  const fanIn = kernel.length / width;
  const s2 = record.scaleSq;
  const { slope } = ACTIVATION_KINDS[activation];
  const out = new Matrix(width, fanIn);
  for (let k = 0; k < width; k++) {
    const scale = s2 ? Math.sqrt(s2[s2.length === 1 ? 0 : k]) : 1;
    const d = scale * slopeFromOutput(slope, record.outputs[row * width + k]);
    for (let j = 0; j < fanIn; j++) out.set(k, j, d * kernel[j * width + k]);
  }
  return out;
}

/**
 * Singular values of `m`, largest first (ml-matrix's SVD), and its rank: how many of them are not zero to
 * working precision (ml-matrix's tolerance, max(rows, columns) · σ_max · machine ε).
 */
export function singularValues(m: Matrix): { values: number[]; rank: number } {
  const svd = new SVD(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  return { values: [...svd.diagonal].sort((a, b) => b - a), rank: svd.rank };
}

/** Options of `jacobianSpectra`. */
export interface JacobianOptions {
  /** The networks. Default `COMPARED_NETWORKS` (baseline, ReLU with He init, BatchNorm) at their depth of 7. */
  networks?: readonly RunSpecInput[];
  /** Examples (the batch's first ones) whose Jacobians' singular values are pooled. Default 8. */
  examples?: number;
}

/** The singular values of one network's J at initialisation, pooled over examples, with its measurement at init. */
export interface JacobianSpectrum extends InitMeasurement {
  /** The non-zero singular values of every example's J, pooled, largest first. */
  nonzero: number[];
  /** Fraction of the singular values that are zero to working precision (ReLU: the inactive units' rows of D are 0). */
  zeroFraction: number;
  /** √(mean σ²): the RMS factor a random gradient direction gets. */
  rms: number;
  /** Median of the non-zero singular values. */
  median: number;
  /** The mean-field prediction of `rms`: the product of `predictedGradFactor` over hidden layers 2 … L. */
  predictedRms: number | null;
}

/** J's singular values for each network at initialisation, on the fixed batch `measureAtInit` uses. */
export function jacobianSpectra(ctx: InitContext, options: JacobianOptions = {}): JacobianSpectrum[] {
  const { networks = COMPARED_NETWORKS, examples = 8 } = options;
  return networks.map((input) => {
    const spec = specAtInit(input, ctx);
    const model = buildModel(spec);
    try {
      const layers = measureAtInit(model, ctx.data.train, spec);
      const n = Math.min(spec.batchSize, ctx.data.train.n);
      const batch = batchTensors(ctx.data.train, Array.from({ length: n }, (_, i) => i));
      let jacobians: Matrix[];
      try {
        jacobians = hiddenJacobians(model, batch.x, Array.from({ length: Math.min(examples, n) }, (_, i) => i));
      } finally {
        tf.dispose([batch.x, batch.y]);
      }
      const spectra = jacobians.map(singularValues);
      const values = spectra.flatMap((s) => s.values);
      const nonzero = spectra.flatMap((s) => s.values.slice(0, s.rank)).sort((a, b) => b - a);
      const predicted = gradFactors(layers, 'last hidden').map((f) => f.predicted);
      return {
        spec,
        layers,
        nonzero,
        zeroFraction: 1 - nonzero.length / values.length,
        rms: Math.sqrt(values.reduce((a, v) => a + v * v, 0) / values.length),
        median: (nonzero[Math.floor((nonzero.length - 1) / 2)] + nonzero[Math.ceil((nonzero.length - 1) / 2)]) / 2,
        predictedRms: predicted.every((p) => p !== null) ? predicted.reduce((a: number, p) => a * (p as number), 1) : null,
      };
    } finally {
      model.dispose();
    }
  });
}
