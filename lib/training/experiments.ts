/**
 * The study's experiments, by id, with its hyper-parameters (and one it lacked: Adam alone), and
 * `runExperiment`, which builds, trains and measures one of them.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { BackendName, initBackend } from '../runtime/backend';
import { FashionMNIST, loadFashionMNIST } from './data';
import { trainLayerwise } from './layerwise';
import { MLP, MLPOptions, buildMLP } from '../network/models';
import { OptimizerSpec, validateOptimizer } from '../network/optimizers';
import { projectRoot } from '../runtime/paths';
import { getPreset } from './presets';
import { writeJsonAtomic } from '../runtime/files';
import { EpochRecord, Progress, StopInfo, trainWithStats } from './train';

export interface Experiment {
  id: string;
  /** Short name for legends and tables. */
  label: string;
  /** One sentence: what changes against the baseline. */
  remedy: string;
  model: MLPOptions;
  optimizer: OptimizerSpec;
  schedule: 'plain' | 'layerwise';
}

const STD_005 = { kind: 'normal', std: 0.05 } as const;

export const EXPERIMENTS: readonly Experiment[] = [
  {
    id: 'baseline', label: 'baseline (sigmoid)', schedule: 'plain',
    remedy: "The study's original model: 7 sigmoid layers, PyTorch's default init, SGD lr 1e-2.",
    model: { activation: 'sigmoid', init: { kind: 'torch-default' } }, optimizer: { kind: 'sgd', lr: 1e-2 },
  },
  {
    id: 'weight-std-1', label: 'weights N(0, 1)', schedule: 'plain',
    remedy: 'Larger initial weights: every Linear layer drawn from N(0, 1), biases 0.',
    model: { init: { kind: 'normal', std: 1 } }, optimizer: { kind: 'sgd', lr: 1e-2 },
  },
  {
    id: 'weight-std-10', label: 'weights N(0, 10²)', schedule: 'plain',
    remedy: 'Much larger initial weights: N(0, 10²), biases 0.',
    model: { init: { kind: 'normal', std: 10 } }, optimizer: { kind: 'sgd', lr: 1e-2 },
  },
  {
    id: 'relu', label: 'ReLU', schedule: 'plain',
    remedy: 'ReLU instead of sigmoid, weights N(0, 0.05²), SGD lr 1e-3 (the study\'s settings).',
    model: { activation: 'relu', init: STD_005 }, optimizer: { kind: 'sgd', lr: 1e-3 },
  },
  {
    // Not in the study: the baseline network unchanged, only the optimizer swapped, at Adam's
    // customary lr 1e-3, so that the optimizer's own effect is seen without other changes.
    id: 'adam', label: 'Adam', schedule: 'plain',
    remedy: 'The baseline network unchanged, trained with Adam (lr 1e-3, β 0.9/0.999, ε 1e-8) instead of SGD.',
    model: { activation: 'sigmoid', init: { kind: 'torch-default' } }, optimizer: { kind: 'adam', lr: 1e-3 },
  },
  {
    id: 'batchnorm', label: 'BatchNorm', schedule: 'plain',
    remedy: 'BatchNorm between every Linear and its sigmoid, weights N(0, 0.05²), Adam lr 1e-3 (the study\'s settings).',
    model: { normalization: 'batchnorm', init: STD_005 }, optimizer: { kind: 'adam', lr: 1e-3 },
  },
  {
    id: 'custom-norm', label: 'whole-tensor norm', schedule: 'plain',
    remedy: "The study's custom normalisation (x - mean) / std over the whole batch tensor, weights N(0, 0.05²), SGD lr 1e-2.",
    model: { normalization: 'whole-tensor', init: STD_005 }, optimizer: { kind: 'sgd', lr: 1e-2 },
  },
  {
    id: 'skip', label: 'skip connections', schedule: 'plain',
    remedy: "The study's skip connections (h1 added to layer 3's output, h4 to layer 7's), weights N(0, 0.05²), SGD lr 1e-2.",
    model: { skip: 'study', init: STD_005 }, optimizer: { kind: 'sgd', lr: 1e-2 },
  },
  {
    id: 'layerwise', label: 'layer-wise training', schedule: 'layerwise',
    remedy: 'The network grown and trained block by block in seven stages, weights N(0, 0.05²), SGD lr 1e-2.',
    model: { init: STD_005 }, optimizer: { kind: 'sgd', lr: 1e-2 },
  },
  {
    id: 'grad-norm', label: 'gradient normalisation', schedule: 'plain',
    remedy: 'A gradient-normalisation layer after every sigmoid, weights N(0, 0.05²), SGD lr 1e-3.',
    model: { gradNorm: true, init: STD_005 }, optimizer: { kind: 'sgd', lr: 1e-3 },
  },
];

export const EXPERIMENT_IDS = EXPERIMENTS.map((e) => e.id);

export function getExperiment(id: string): Experiment {
  const e = EXPERIMENTS.find((x) => x.id === id);
  if (!e) throw new Error(`unknown experiment "${id}"; known: ${EXPERIMENT_IDS.join(', ')}`);
  return e;
}

/** Everything that determines a run's numbers. */
export interface RunConfig {
  model: MLPOptions;
  optimizer: OptimizerSpec;
  schedule: 'plain' | 'layerwise';
  epochs: number;
  stageEpochs?: number;
  batchSize: number;
  limit: number | null;
  preset: string;
  /** Epochs whose first batch yields histograms of activations and gradients: the first and the last. */
  histogramEpochs: number[];
}

/** A run's full record: what the CLI writes with --json and what the notebooks plot. */
export interface History {
  experiment: string;
  seed: number;
  backend: BackendName;
  config: RunConfig;
  epochs: EpochRecord[];
  /** Present when the run ended early (non-finite loss, interruption). */
  stopped?: StopInfo;
  /** Total training seconds. */
  seconds: number;
}

export interface RunOptions {
  /** Default: the preset's (VG_PRESET, else 'default'). */
  preset?: string;
  /** Overrides the preset. For layer-wise training, the epochs of each stage. */
  epochs?: number;
  /** Overrides the preset; 0 or undefined in the preset means all data. */
  limit?: number;
  /** Default 0: same seed, same split, same init, same batches. */
  seed?: number;
  /** Overrides the experiment's learning rate. */
  lr?: number;
  /** Default 512. */
  batchSize?: number;
  /** Default true. */
  stats?: boolean;
  /** Reuse data already loaded with the same limit and seed. */
  data?: FashionMNIST;
  /** Reuse a finished run of the same configuration from `.cache/runs/` and store new ones there. Default false. */
  cache?: boolean;
  onProgress?: (p: Progress) => void;
  shouldStop?: () => boolean;
  /** Receives the trained model instead of it being disposed (the caller disposes it). Not with a cache hit. */
  keepModel?: (model: MLP) => void;
}

/** Resolves the configuration of a run without running it; throws a clear error on a bad value. */
export function resolveRun(id: string, options: RunOptions = {}): { experiment: Experiment; config: RunConfig; seed: number } {
  const experiment = getExperiment(id);
  const preset = getPreset(options.preset);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed must be a whole number ≥ 0, got ${seed}`);
  const optimizer = { ...experiment.optimizer, ...(options.lr !== undefined ? { lr: options.lr } : {}) };
  validateOptimizer(optimizer);
  const epochs = options.epochs ?? (experiment.schedule === 'layerwise' ? preset.stageEpochs : preset.epochs);
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new Error(`epochs must be a whole number ≥ 1, got ${epochs}`);
  const limit = options.limit ?? preset.limit ?? null;
  if (limit !== null && !(Number.isInteger(limit) && limit >= 20)) throw new Error(`limit must be a whole number ≥ 20, got ${limit}`);
  const batchSize = options.batchSize ?? 512;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`batch size must be a whole number ≥ 1, got ${batchSize}`);
  const totalEpochs = experiment.schedule === 'layerwise' ? epochs * 7 : epochs;
  const config: RunConfig = {
    model: { ...experiment.model, seed },
    optimizer,
    schedule: experiment.schedule,
    epochs: totalEpochs,
    ...(experiment.schedule === 'layerwise' ? { stageEpochs: epochs } : {}),
    batchSize,
    limit,
    preset: preset.name,
    histogramEpochs: totalEpochs > 1 ? [1, totalEpochs] : [1],
  };
  return { experiment, config, seed };
}

function cachePath(id: string, seed: number, backend: string, config: RunConfig): string {
  const key = crypto.createHash('sha256').update(JSON.stringify({ id, seed, backend, config, v: 1 })).digest('hex').slice(0, 16);
  return path.join(projectRoot(), '.cache', 'runs', `${id}-${key}.json`);
}

/** Builds, trains and measures one experiment. */
export async function runExperiment(id: string, options: RunOptions = {}): Promise<History> {
  const { experiment, config, seed } = resolveRun(id, options);
  const backend = await initBackend();
  const cached = cachePath(id, seed, backend, config);
  if (options.cache && fs.existsSync(cached)) {
    const history = JSON.parse(fs.readFileSync(cached, 'utf8')) as History;
    if (!history.stopped) return history;
  }
  const data = options.data ?? loadFashionMNIST({ limit: config.limit ?? undefined, seed });
  const model = buildMLP(config.model);
  const started = Date.now();
  try {
    const common = {
      optimizer: config.optimizer,
      batchSize: config.batchSize,
      seed,
      stats: options.stats ?? true,
      histogramEpochs: config.histogramEpochs,
      onProgress: options.onProgress,
      shouldStop: options.shouldStop,
    };
    const result = experiment.schedule === 'layerwise'
      ? await trainLayerwise(model, data, { ...common, stageEpochs: config.stageEpochs ?? 1 })
      : await trainWithStats(model, data, { ...common, epochs: config.epochs });
    const history: History = {
      experiment: id,
      seed,
      backend,
      config,
      epochs: result.epochs,
      ...(result.stopped ? { stopped: result.stopped } : {}),
      seconds: (Date.now() - started) / 1000,
    };
    if (options.cache && !history.stopped) writeJsonAtomic(cached, history);
    return history;
  } finally {
    if (options.keepModel) options.keepModel(model);
    else model.dispose();
  }
}
