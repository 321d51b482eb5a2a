/**
 * The study's multilayer perceptron and its remedies, built from plain tfjs ops so that every layer
 * can be measured: Flatten → `depth` × [Linear(·, width) → (normalisation) → activation] → Linear(width, 10).
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../runtime/random';
import { Activation, activate } from './activations';
import { dense } from './dense';
import './fusedcheck'; // the fused kernels' self-checks: none runs unchecked
import { gradNorm } from './gradnorm';
import { Init, initDense } from './init';
import { BatchMoments, BatchNormState, batchNorm, batchNormScaleSq, createBatchNorm, wholeMoments, wholeTensorNorm } from './normalization';

export type Normalization = 'none' | 'batchnorm' | 'whole-tensor';
export const NORMALIZATIONS: readonly Normalization[] = ['none', 'batchnorm', 'whole-tensor'];

/**
 * Skip connections as pairs [from, to] of 1-based hidden layers: layer `to`'s output becomes
 * activation(z_to) + h_from. `'study'` is the original study's [[1, 3], [4, 7]];
 * `'residual'` is He et al. 2016's identity shortcut around every pair of layers: [[1, 3], [3, 5], [5, 7], …].
 */
export type SkipSpec = 'none' | 'study' | 'residual' | ReadonlyArray<readonly [number, number]>;
export const SKIP_NAMES = ['none', 'study', 'residual'] as const;

/**
 * What a network is, every field given (spec/spec.ts holds the defaults, spec/check.ts checks the values):
 * Flatten → `depth` × [Linear(·, width) → normalisation → activation (+ skips) (→ gradient normalisation)]
 * → Linear(width, classes).
 */
export interface ModelSpec {
  /** Hidden layers. */
  depth: number;
  /** Units in every hidden layer. */
  width: number;
  /** Hidden activation. */
  activation: Activation;
  /** Initialisation of every Linear layer, the output layer included. */
  init: Init;
  /** Normalisation between each hidden Linear and its activation. */
  normalization: Normalization;
  /** Skip connections. */
  skip: SkipSpec;
  /** A gradient-normalisation layer after every hidden activation. */
  gradNorm: boolean;
}

/** A model spec with the data's shape and the seed of the initial weights: all `buildMLP` needs. */
export interface MLPSpec extends ModelSpec {
  /** Input features (784 = 28 × 28 pixels for FashionMNIST). */
  inputSize: number;
  /** Output classes. */
  classes: number;
  /** Seed of the initial weights. */
  seed: number;
}

/** The [from, to] pairs a skip spec stands for in a network of `depth` hidden layers (not checked here). */
export function skipPairs(skip: SkipSpec, depth: number): Array<[number, number]> {
  if (skip === 'none') return [];
  if (skip === 'study') return [[1, 3], [4, 7]];
  if (skip === 'residual') {
    const pairs: Array<[number, number]> = [];
    for (let from = 1; from + 2 <= depth; from += 2) pairs.push([from, from + 2]);
    return pairs;
  }
  return skip.map(([a, b]) => [a, b]);
}

export interface DenseLayer {
  /** 'hidden1' … 'hiddenN' or 'output': the name every statistic refers to. */
  name: string;
  kernel: tf.Variable;
  bias: tf.Variable;
  bn?: BatchNormState;
}

/** What the training loop listens to during a forward pass (see stats.ts). */
export interface Probe {
  /** A hidden layer's activation output, before any skip addition. */
  activation(layer: string, a: tf.Tensor): void;
  /** A hidden layer's output as the next layer reads it: the activation plus any skip addition. */
  signal(layer: string, h: tf.Tensor): void;
  /**
   * What the mean-field prediction of the layer's backward factor needs (stats.ts derives it): its
   * kernel and, with a normalisation, the square of the scale it applies to the gradient (per unit
   * for BatchNorm, γ²/(σ²_B + ε); one number for the whole-tensor normalisation, 1/std(z)²). Called
   * after `activation` of the same layer; not called where the theory does not apply (the first
   * layer, whose input gradient is not measured; a layer whose input also feeds a skip connection;
   * any layer of a network with gradient normalisation).
   */
  factorInputs(layer: string, kernel: tf.Tensor, scaleSq?: ArrayLike<number>): void;
  /** Identity that records dL/dh at this point of the named layer in the backward pass. */
  tap(layer: string, kind: 'output' | 'normalized'): (h: tf.Tensor) => tf.Tensor;
}

export interface ForwardOptions {
  /** Training mode: batch statistics in BatchNorm. Evaluation otherwise. */
  training: boolean;
  /** Use only the first N hidden layers, then the output layer (layer-wise training). Default: all. */
  activeDepth?: number;
  probe?: Probe;
  /** Receives each BatchNorm layer's batch statistics in training mode. */
  onBatchStats?: (layer: DenseLayer, moments: BatchMoments) => void;
}

let modelCount = 0;

export function hiddenName(i: number): string {
  return `hidden${i}`;
}

/** The study's MLP with named, measurable layers. Dispose it when done. */
export class MLP {
  readonly spec: MLPSpec;
  /** The skip connections as [from, to] pairs. */
  readonly skips: Array<[number, number]>;
  readonly hidden: DenseLayer[] = [];
  output: DenseLayer;
  private readonly prefix: string;
  private heads = 0;

  constructor(spec: MLPSpec) {
    this.spec = spec;
    this.skips = skipPairs(spec.skip, spec.depth);
    this.prefix = `mlp${++modelCount}`;
    const { depth, width, inputSize, init, seed, normalization } = this.spec;
    for (let i = 1; i <= depth; i++) {
      const layer = this.makeDense(hiddenName(i), i === 1 ? inputSize : width, width, init, deriveSeed(seed, 'hidden', i));
      if (normalization === 'batchnorm') layer.bn = createBatchNorm(width, `${this.prefix}/${layer.name}/bn`);
      this.hidden.push(layer);
    }
    this.output = this.makeDense('output', width, this.spec.classes, init, deriveSeed(seed, 'output'));
  }

  private makeDense(name: string, fanIn: number, fanOut: number, init: Init, seed: number): DenseLayer {
    const { kernel, bias } = initDense(fanIn, fanOut, init, seed);
    const id = `${this.prefix}/${name}${name === 'output' ? `#${this.heads++}` : ''}`;
    const layer = { name, kernel: tf.variable(kernel, true, `${id}/kernel`), bias: tf.variable(bias, true, `${id}/bias`) };
    // A variable holds its own reference to the data: free the initial tensors, or every model leaks them.
    kernel.dispose();
    bias.dispose();
    return layer;
  }

  /** Layer names, input to output, the output layer last. */
  get layerNames(): string[] {
    return [...this.hidden.map((l) => l.name), 'output'];
  }

  /** All Linear layers, input to output. */
  get layers(): DenseLayer[] {
    return [...this.hidden, this.output];
  }

  /** Replaces the output layer by a fresh one (layer-wise training), initialised with `init`. */
  replaceOutput(init: Init, seed: number): void {
    this.output.kernel.dispose();
    this.output.bias.dispose();
    this.output = this.makeDense('output', this.spec.width, this.spec.classes, init, seed);
  }

  /** The trainable variables of the layers in use that are not frozen, with the layer each belongs to. */
  trainable(frozen: ReadonlySet<string> = new Set(), activeDepth = this.spec.depth): Array<{ layer: DenseLayer; variable: tf.Variable }> {
    const out: Array<{ layer: DenseLayer; variable: tf.Variable }> = [];
    for (const layer of [...this.hidden.slice(0, activeDepth), this.output]) {
      if (frozen.has(layer.name)) continue;
      for (const v of [layer.kernel, layer.bias, layer.bn?.gamma, layer.bn?.beta]) if (v) out.push({ layer, variable: v });
    }
    return out;
  }

  /** Logits [batch, classes] for inputs [batch, inputSize]. */
  forward(x: tf.Tensor2D, opts: ForwardOptions): tf.Tensor2D {
    const { activation, normalization } = this.spec;
    const depth = opts.activeDepth ?? this.spec.depth;
    const probe = opts.probe;
    // The theory chains one layer at a time: not through gradient normalisation, nor into an output that a skip also reads.
    const chained = (i: number) => !this.spec.gradNorm && i > 1 && !this.skips.some(([from]) => from === i - 1);
    const outputs: tf.Tensor[] = [];
    let h: tf.Tensor = x;
    for (let i = 1; i <= depth; i++) {
      const layer = this.hidden[i - 1];
      let z = dense(h as tf.Tensor2D, layer.kernel as tf.Tensor2D, layer.bias as tf.Tensor1D, i > 1);
      let scaleSq: ArrayLike<number> | undefined;
      if (normalization === 'batchnorm' && layer.bn) {
        const r = batchNorm(z, layer.bn, opts.training);
        z = r.y;
        if (r.moments) {
          opts.onBatchStats?.(layer, r.moments);
          if (probe) scaleSq = batchNormScaleSq(layer.bn, r.moments);
        }
      } else if (normalization === 'whole-tensor') {
        const moments = wholeMoments(z);
        if (probe) scaleSq = [1 / moments.std ** 2];
        z = wholeTensorNorm(z, moments);
      }
      const a = activate(activation, z);
      probe?.activation(layer.name, a);
      if (probe && chained(i)) probe.factorInputs(layer.name, layer.kernel, scaleSq);
      h = a;
      for (const [from, to] of this.skips) if (to === i) h = tf.add(h, outputs[from - 1]);
      probe?.signal(layer.name, h);
      if (this.spec.gradNorm) {
        if (probe) h = probe.tap(layer.name, 'normalized')(h);
        h = gradNorm(h);
      }
      if (probe) h = probe.tap(layer.name, 'output')(h);
      outputs.push(h);
    }
    let logits = dense(h as tf.Tensor2D, this.output.kernel as tf.Tensor2D, this.output.bias as tf.Tensor1D, depth > 0);
    if (probe && chained(depth + 1)) probe.factorInputs('output', this.output.kernel);
    if (probe) logits = probe.tap('output', 'output')(logits) as tf.Tensor2D;
    return logits;
  }

  /** Number of trainable parameters of the full network. */
  get parameterCount(): number {
    return this.trainable().reduce((n, { variable }) => n + variable.size, 0);
  }

  dispose(): void {
    for (const layer of this.layers) {
      layer.kernel.dispose();
      layer.bias.dispose();
      if (layer.bn) for (const v of Object.values(layer.bn)) (v as tf.Variable).dispose();
    }
  }
}

/** Builds the MLP a model spec describes (spec/spec.ts resolves one from a run spec). */
export function buildMLP(spec: MLPSpec): MLP {
  return new MLP(spec);
}
