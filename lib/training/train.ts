/**
 * The measuring training loop: mini-batch training with per-epoch loss, accuracy and per-layer
 * gradient statistics (stats.ts), validation in evaluation mode, freezing, a NaN guard and progress
 * callbacks. Every step runs inside `tf.tidy`; the tensor count stays flat across epochs.
 */
import * as tf from '@tensorflow/tfjs';
import { FashionMNIST, IMAGE_SIZE, PIXEL_MAX, Split, epochBatches, gatherBytes } from '../dataset/fashionmnist';
import { crossEntropy } from '../network/loss';
import { DenseLayer, MLP } from '../network/models';
import { BatchMoments, updateRunningStats } from '../network/normalization';
import { Optimizer, OptimizerSpec, createOptimizer, describeOptimizer } from '../network/optimizers';
import { RunSpec, totalEpochs } from '../spec/spec';
import { EpochAccumulator, LayerHistograms, LayerStats, StepRecorder, StepSeries, StepSeriesRecorder } from './stats';
import { fusedScaledBytes } from '../runtime/kernels/elementwise';
import { sums } from '../runtime/kernels/reductions';
import { float32View } from '../runtime/kernels/wasmheap';

export interface EpochRecord {
  /** 1-based, counted across layer-wise stages. */
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  valLoss: number;
  valAcc: number;
  /** Wall time of the epoch's training and validation. */
  seconds: number;
  /** Input to output, the output layer last. Empty when statistics are off. */
  layers: LayerStats[];
  /** Layer-wise training stage (1-7), when training in stages. */
  stage?: number;
  /** Histograms from the epoch's first batch, when asked for this epoch. */
  histograms?: Record<string, LayerHistograms>;
  /** Every step of the epoch, for the first `STEP_EPOCHS` epochs (numbered as in the records) with statistics on. */
  steps?: StepSeries;
}

/**
 * The epochs whose every step is kept (`EpochRecord.steps`): the first two, where Adam's plateau and
 * BatchNorm's instant start show and an epoch's mean hides them. Epochs are numbered as in the records,
 * so a layer-wise run keeps them in its first stage(s).
 */
export const STEP_EPOCHS = 2;

/** Why a run ended early. */
export interface StopInfo {
  /** 'unfinished': a snapshot saved while the run went on (`RunOptions.onCheckpoint`). */
  reason: 'non-finite-loss' | 'interrupted' | 'unfinished';
  epoch: number;
  step: number;
  message: string;
}

export interface Progress {
  /** 'step' after every step, 'epoch' after each epoch's validation. */
  kind: 'step' | 'epoch';
  epoch: number;
  /** The last epoch of this call. */
  lastEpoch: number;
  step: number;
  steps: number;
  /** Loss of the last step. */
  loss: number;
  /** Set on 'epoch'. */
  record?: EpochRecord;
  stage?: number;
}

/**
 * One call of the training loop: the resolved run spec (optimizer, batch size and seed come from it)
 * and what this call trains. A plain run is one call; layer-wise training makes one per stage.
 */
export interface TrainPlan {
  spec: RunSpec;
  /** Epochs of this call. */
  epochs: number;
  /** Hidden layers in use, the rest bypassed (layer-wise training); the model's depth otherwise. */
  activeDepth: number;
  /** Names of layers whose parameters stay as they are. */
  frozen: readonly string[];
  /** Number of the first epoch minus one, for runs continued in stages. */
  epochOffset: number;
  /** Stage recorded on each epoch (layer-wise training). */
  stage?: number;
  /** Epochs (numbered as in the records) whose first batch also yields histograms. */
  histogramEpochs: readonly number[];
}

/** What the caller does with the loop as it runs, separate from what it trains. */
export interface TrainHooks {
  /** Record per-layer statistics. Default true. */
  stats?: boolean;
  /** Called after every step and every epoch. */
  onProgress?: (p: Progress) => void;
  /** Polled after every step; returning true ends the run with the epochs completed so far. */
  shouldStop?: () => boolean;
}

/** The epochs of a run whose first batch yields histograms: its first and its last. */
export function histogramEpochs(spec: RunSpec): number[] {
  const last = totalEpochs(spec.schedule);
  return last > 1 ? [1, last] : [1];
}

/** A plain run's single plan: every epoch of the spec, all layers, histograms at the first and last epoch. */
export function plainPlan(spec: RunSpec): TrainPlan {
  return { spec, epochs: totalEpochs(spec.schedule), activeDepth: spec.model.depth, frozen: [], epochOffset: 0, histogramEpochs: histogramEpochs(spec) };
}

export interface TrainResult {
  epochs: EpochRecord[];
  stopped?: StopInfo;
}

/**
 * No NaN or ±Inf among the tensor's values: their float64 sum is finite exactly then (float32 values
 * cannot add up to an overflow there; a NaN, an infinity or both infinities make it NaN or infinite).
 */
function allFinite(t: tf.Tensor): boolean {
  return Number.isFinite(sums(t)[0]);
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A mini-batch as tensors, the same values as `gatherBatch`'s (byte / PIXEL_MAX in float32, correctly
 * rounded as its lookup table is): on the wasm backend the bytes are copied to the heap and divided
 * there in one pass (runtime/kernels/elementwise.ts); elsewhere they become floats by the typed array's own
 * conversion and are divided on the backend.
 */
export function batchTensors(split: Split, indices: ArrayLike<number>): { x: tf.Tensor2D; y: tf.Tensor1D; labels: Int32Array } {
  const { bytes, y } = gatherBytes(split, indices);
  const shape: [number, number] = [indices.length, IMAGE_SIZE];
  return {
    ...tf.tidy(() => ({
      x: (fusedScaledBytes(bytes, shape, PIXEL_MAX) ?? tf.div(tf.tensor2d(new Float32Array(bytes), shape), PIXEL_MAX)) as tf.Tensor2D,
      y: tf.tensor1d(y, 'int32'),
    })),
    labels: y,
  };
}

/** How many rows of `logits` [batch, classes] have their largest value (the first, on a tie) at the row's label. */
export function countHits(logits: tf.Tensor, labels: ArrayLike<number>): number {
  const v = float32View(logits);
  const classes = logits.shape[1] as number;
  let hits = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (v[r * classes + c] > v[r * classes + best]) best = c;
    hits += Number(best === labels[r]);
  }
  return hits;
}

/** Mean loss and accuracy over a whole split in evaluation mode (every example weighs the same). */
export function evaluate(model: MLP, split: Split, activeDepth?: number, batchSize = 1000): { loss: number; acc: number } {
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < split.n; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, split.n - start) }, (_, i) => start + i);
    const [l, c] = tf.tidy(() => {
      const { x, y, labels } = batchTensors(split, idx);
      const logits = model.forward(x, { training: false, activeDepth });
      const loss = tf.mul(crossEntropy(logits, y), idx.length);
      return [loss.dataSync()[0], countHits(logits, labels)];
    });
    lossSum += l;
    correct += c;
  }
  return { loss: lossSum / split.n, acc: correct / split.n };
}

/** What every step of one call of the training loop shares. */
interface StepSetup {
  model: MLP;
  /** Where the batches come from. */
  split: Split;
  /** The variables the optimizer updates, with their layers (frozen layers and those not in use left out). */
  trainable: Array<{ layer: DenseLayer; variable: tf.Variable }>;
  optimizer: Optimizer;
  /** Hidden layers in use (layer-wise training); the model's depth otherwise. */
  activeDepth: number;
  /** Record per-layer statistics into `accumulator`. */
  stats: boolean;
  /** The epoch's sums of the steps' statistics. */
  accumulator: EpochAccumulator;
}

/** What one step measures beyond the statistics. */
interface StepMeasures {
  /** Histograms of the layers' activations and gradients (an epoch's first batch). Default false. */
  histograms?: boolean;
}

/**
 * One training step on a batch's tensors: forward with the recorder listening, backward, statistics
 * of the real gradients, the optimizer's update, BatchNorm running statistics. Returns the loss and
 * the number of hits.
 */
function trainStep(setup: StepSetup, batch: { x: tf.Tensor2D; y: tf.Tensor1D; labels: Int32Array }, recorder?: StepRecorder): { loss: tf.Scalar; hits: number } {
  const { model, trainable, optimizer, activeDepth } = setup;
  const { x, y, labels } = batch;
  const batchStats: Array<{ layer: DenseLayer; moments: BatchMoments }> = [];
  let hits = 0;
  const variables = trainable.map((t) => t.variable);
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.forward(x, {
      training: true,
      activeDepth,
      probe: recorder,
      onBatchStats: (layer, moments) => batchStats.push({ layer, moments }),
    });
    hits = countHits(logits, labels);
    return crossEntropy(logits, y);
  }, variables);
  const gradList = variables.map((v) => grads[v.name]);
  const kernels = recorder ? trainable.flatMap((t, i) => (t.variable === t.layer.kernel ? [{ name: t.layer.name, i }] : [])) : [];
  for (const { name, i } of kernels) recorder?.beforeUpdate(name, variables[i]);
  const updates = optimizer.apply(variables, gradList);
  for (const { name, i } of kernels) recorder?.weights(name, gradList[i], updates[i]);
  for (const { layer, moments } of batchStats) if (layer.bn) updateRunningStats(layer.bn, moments, x.shape[0]);
  // The loss alone can miss a divergence: the wasm backend's relu maps a NaN with its sign bit set (the
  // NaN that Inf - Inf or 0 · Inf makes) to 0, so a relu network whose weights have all become NaN can go
  // on reporting a finite loss. So the updated weights are checked too (one pass, where they live).
  if (!variables.every(allFinite)) return { loss: tf.scalar(NaN), hits };
  return { loss: value, hits };
}

/**
 * One step of the training loop as `trainWithStats` runs it on the examples `indices`: the batch's
 * tensors, `trainStep`, the step's statistics added to the epoch's accumulator, the loss and hits
 * read back to the host.
 */
function loopStep(setup: StepSetup, indices: ArrayLike<number>, measures: StepMeasures = {}):
    { loss: number; hits: number; vector?: Float64Array; histograms?: Record<string, LayerHistograms> } {
  const { model, accumulator } = setup;
  const withHistograms = measures.histograms ?? false;
  const recorder = setup.stats ? new StepRecorder(model.layerNames, model.spec.activation, withHistograms) : undefined;
  let vector: Float64Array | undefined;
  const [loss, hits] = tf.tidy(() => {
    const out = trainStep(setup, batchTensors(setup.split, indices), recorder);
    if (recorder) accumulator.add((vector = recorder.vector()));
    return [out.loss.dataSync()[0], out.hits];
  });
  const histograms = recorder && withHistograms ? Object.fromEntries(recorder.histograms) : undefined;
  return { loss, hits, ...(vector ? { vector } : {}), ...(histograms ? { histograms } : {}) };
}

/**
 * The per-layer statistics of the untrained network (the same fields as an epoch's, no update ratio):
 * one forward and backward pass in training mode on a fixed batch, the first `spec.batchSize` training
 * images in order, all layers in use, nothing updated (BatchNorm's running statistics included).
 */
export function measureAtInit(model: MLP, split: Split, spec: RunSpec): LayerStats[] {
  const indices = Array.from({ length: Math.min(spec.batchSize, split.n) }, (_, i) => i);
  const recorder = new StepRecorder(model.layerNames, model.spec.activation);
  const accumulator = new EpochAccumulator();
  tf.tidy(() => {
    const { x, y } = batchTensors(split, indices);
    const kernels = model.layers.map((l) => l.kernel);
    const { grads } = tf.variableGrads(() => crossEntropy(model.forward(x, { training: true, probe: recorder }), y), kernels);
    model.layers.forEach((l) => recorder.weights(l.name, grads[l.kernel.name]));
    accumulator.add(recorder.vector());
  });
  return accumulator.read(model.layerNames);
}

/**
 * Runs the training loop's real step (`loopStep`, exactly as `trainWithStats` does) on the given
 * mini-batches of `split`, all layers trainable, and returns each step's loss. For benchmarks: no
 * validation, no progress callbacks, no yielding to the event loop between steps.
 */
export function runBatches(
  model: MLP,
  split: Split,
  batches: ReadonlyArray<ArrayLike<number>>,
  options: { optimizer: OptimizerSpec; stats: boolean },
): number[] {
  const optimizer = createOptimizer(options.optimizer);
  const setup: StepSetup = {
    model, split, trainable: model.trainable(), optimizer, activeDepth: model.spec.depth, stats: options.stats, accumulator: new EpochAccumulator(),
  };
  try {
    return batches.map((b) => loopStep(setup, b).loss);
  } finally {
    optimizer.dispose();
  }
}

/** Trains `model` on `data.train` as `plan` says, validates on `data.val` after every epoch, and measures. */
export async function trainWithStats(model: MLP, data: FashionMNIST, plan: TrainPlan, hooks: TrainHooks = {}): Promise<TrainResult> {
  const { spec, epochs, activeDepth, frozen, epochOffset, stage, histogramEpochs } = plan;
  const { batchSize, seed } = spec;
  const stats = hooks.stats ?? true;
  const optimizer = createOptimizer(spec.optimizer);
  const accumulator = new EpochAccumulator();
  const setup: StepSetup = { model, split: data.train, trainable: model.trainable(new Set(frozen), activeDepth), optimizer, activeDepth, stats, accumulator };
  const result: TrainResult = { epochs: [] };
  try {
    for (let e = 1; e <= epochs; e++) {
      const epoch = epochOffset + e;
      const started = Date.now();
      const batches = epochBatches(data.train.n, batchSize, `shuffle:${seed}:${epoch}`);
      let lossSum = 0;
      let hitSum = 0;
      let histograms: Record<string, LayerHistograms> | undefined;
      const steps = stats && epoch <= STEP_EPOCHS ? new StepSeriesRecorder(model.layerNames.length) : undefined;
      for (let s = 0; s < batches.length; s++) {
        const step = loopStep(setup, batches[s], { histograms: s === 0 && histogramEpochs.includes(epoch) });
        const { loss, hits } = step;
        if (step.histograms) histograms = step.histograms;
        if (steps && step.vector) steps.add(step.vector, loss);
        if (!Number.isFinite(loss)) {
          result.stopped = {
            reason: 'non-finite-loss',
            epoch,
            step: s + 1,
            message: `training stopped: the loss (or a weight) became ${loss} at epoch ${epoch}, step ${s + 1} of ${batches.length} ` +
              `(${describeOptimizer(spec.optimizer)}); the ${epochOffset + result.epochs.length} completed epoch(s) are kept`,
          };
          return result;
        }
        lossSum += loss * batches[s].length;
        hitSum += hits;
        hooks.onProgress?.({ kind: 'step', epoch, lastEpoch: epochOffset + epochs, step: s + 1, steps: batches.length, loss, stage });
        if (hooks.shouldStop?.()) {
          result.stopped = {
            reason: 'interrupted',
            epoch,
            step: s + 1,
            message: `training interrupted at epoch ${epoch}, step ${s + 1}; the ${epochOffset + result.epochs.length} completed epoch(s) are kept`,
          };
          return result;
        }
        await yieldToEventLoop();
      }
      const layers = stats ? accumulator.read(model.layerNames) : [];
      const val = evaluate(model, data.val, activeDepth);
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / data.train.n,
        trainAcc: hitSum / data.train.n,
        valLoss: val.loss,
        valAcc: val.acc,
        seconds: (Date.now() - started) / 1000,
        layers,
        ...(stage !== undefined ? { stage } : {}),
        ...(histograms ? { histograms } : {}),
        ...(steps ? { steps: steps.read() } : {}),
      };
      result.epochs.push(record);
      hooks.onProgress?.({
        kind: 'epoch', epoch, lastEpoch: epochOffset + epochs, step: batches.length, steps: batches.length,
        loss: record.trainLoss, record, stage,
      });
      if (!Number.isFinite(val.loss)) {
        result.stopped = {
          reason: 'non-finite-loss',
          epoch,
          step: batches.length,
          message: `training stopped: the validation loss became ${val.loss} after epoch ${epoch} ` +
            `(${describeOptimizer(spec.optimizer)}); the ${epochOffset + result.epochs.length} epoch(s) are kept, the last one diverged`,
        };
        return result;
      }
      await yieldToEventLoop();
    }
    return result;
  } finally {
    optimizer.dispose();
  }
}
