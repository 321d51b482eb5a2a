/**
 * Run specs: everything that determines a run's numbers, in one typed object, with every default in
 * this file. check.ts checks a merged spec once; wording.ts says what a spec changes, for labels.
 *
 * A learner writes a `RunSpecInput`, a partial spec derived from a named experiment:
 *
 *     { from: 'relu', label: 'ReLU, He init', model: { init: { kind: 'he' } } }
 *
 * `resolveSpec` (experiments.ts) deep-merges it onto that experiment and the preset's sizes, checks
 * it, and returns a `RunSpec` with every field filled in. That resolved spec is what flows down to
 * the model builder and the training loop, which neither re-apply defaults nor check values again.
 */
import { ModelSpec } from '../network/models';
import { AdamSpec, OptimizerSpec, SGDSpec } from '../network/optimizers';

/** One stage of layer-wise training. */
export interface Stage {
  /** Blocks in the network during this stage (1 … number of blocks), counted from the input. */
  blocks: number;
  /** Blocks whose layers are trained (1-based); the other blocks in use are frozen. */
  train: readonly number[];
}

/** Train for `epochs` epochs, all layers at once. */
export interface PlainSchedule {
  kind: 'plain';
  /** Epochs of the run. Default: the preset's `epochs`. */
  epochs: number;
}

/**
 * Grow the network block by block (the study's sixth remedy, see layerwise.ts): each stage trains
 * the first `stage.blocks` blocks with a fresh output layer and a fresh optimizer, some blocks frozen.
 */
export interface LayerwiseSchedule {
  kind: 'layerwise';
  /** Epochs of each stage. Default: the preset's `stageEpochs`. */
  stageEpochs: number;
  /** Hidden layers (1-based) of each block, in order, covering the network. Default `STUDY_BLOCKS`. */
  blocks: ReadonlyArray<readonly number[]>;
  /** The stages, in order. Default `STUDY_STAGES`. */
  stages: readonly Stage[];
}

export type Schedule = PlainSchedule | LayerwiseSchedule;
export const SCHEDULE_KINDS = ['plain', 'layerwise'] as const;

/** Everything that determines a run, resolved: every field present and checked. */
export interface RunSpec {
  /** Id of the named experiment the spec derives from (experiments.ts). */
  experiment: string;
  /** What legends, tables and conclusions call the run. */
  label: string;
  /** What differs from the named experiment, in words (empty for the experiment itself). */
  changes: string[];
  model: ModelSpec;
  optimizer: OptimizerSpec;
  schedule: Schedule;
  /** Mini-batch size. */
  batchSize: number;
  /** Training images used before the 90/10 train/validation split; null = all 60,000. */
  limit: number | null;
  /** Seeds the train/validation split, the initial weights and every epoch's shuffle. */
  seed: number;
}

type DeepPartial<T> = T extends ReadonlyArray<unknown> ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** A partial spec: what a notebook or the CLI says, merged onto a named experiment by `resolveSpec`. */
export interface RunSpecInput {
  /** The named experiment to start from. Default 'baseline'. */
  from?: string;
  /** Default: the experiment's label followed by the changes, e.g. "ReLU, He init, depth 12". */
  label?: string;
  /** Default: the experiment's model; see `DEFAULT_MODEL` for what an experiment leaves out. */
  model?: DeepPartial<ModelSpec>;
  /** Default: the experiment's optimizer; a new kind starts from `OPTIMIZER_DEFAULTS`. */
  optimizer?: DeepPartial<OptimizerSpec>;
  /** Default: the experiment's schedule, its epochs from the preset. */
  schedule?: DeepPartial<Schedule>;
  /** Default `DEFAULT_BATCH_SIZE` (512, the study's). */
  batchSize?: number;
  /** Default: the preset's (all data, or 2,000 images for `smoke`). */
  limit?: number | null;
  /** Default: the caller's (the notebook's `VG_SEED`, the CLI's `--seed`), else 0. */
  seed?: number;
}

/** The study's network; an experiment states only what it changes. */
export const DEFAULT_MODEL: ModelSpec = {
  depth: 7,
  width: 128,
  activation: 'sigmoid',
  init: { kind: 'torch-default' },
  normalization: 'none',
  skip: 'none',
  gradNorm: false,
};

/** Each optimizer's hyper-parameters when a spec does not give them: the study's SGD lr, PyTorch's Adam defaults. */
export const OPTIMIZER_DEFAULTS: { sgd: SGDSpec; adam: AdamSpec } = {
  sgd: { kind: 'sgd', lr: 1e-2 },
  adam: { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
};

/** The study's batch size. */
export const DEFAULT_BATCH_SIZE = 512;
/** The seed when neither the spec nor its caller gives one. */
export const DEFAULT_SEED = 0;

/** The study's seven hidden layers in blocks [1-2], [3-4], [5-6], [7]. */
export const STUDY_BLOCKS: ReadonlyArray<readonly number[]> = [[1, 2], [3, 4], [5, 6], [7]];

/** The study's stages: train block 1; freeze 1, train 2; unfreeze, train 1-2; freeze 1-2, train 3; … */
export const STUDY_STAGES: readonly Stage[] = [
  { blocks: 1, train: [1] },
  { blocks: 2, train: [2] },
  { blocks: 2, train: [1, 2] },
  { blocks: 3, train: [3] },
  { blocks: 3, train: [1, 2, 3] },
  { blocks: 4, train: [4] },
  { blocks: 4, train: [1, 2, 3, 4] },
];

/** Sizes that come from the preset (presets.ts). */
export interface SpecSizes {
  epochs: number;
  stageEpochs: number;
  limit: number | null;
}

/** Each schedule's fields when a spec does not give them. */
export function scheduleDefaults(sizes: SpecSizes): { plain: PlainSchedule; layerwise: LayerwiseSchedule } {
  return {
    plain: { kind: 'plain', epochs: sizes.epochs },
    layerwise: { kind: 'layerwise', stageEpochs: sizes.stageEpochs, blocks: STUDY_BLOCKS, stages: STUDY_STAGES },
  };
}

/** Epochs a run trains in all: the plain epochs, or stages × epochs per stage. */
export function totalEpochs(schedule: Schedule): number {
  return schedule.kind === 'plain' ? schedule.epochs : schedule.stages.length * schedule.stageEpochs;
}
