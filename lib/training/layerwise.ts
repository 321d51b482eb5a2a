/**
 * Layer-wise training, the study's sixth remedy (in the spirit of greedy layer-wise pre-training,
 * Bengio et al. 2007): grow the network block by block so that every block is first trained while
 * it is close to the output, where the gradient is still strong.
 *
 * The seven hidden layers form blocks [1-2], [3-4], [5-6], [7]. The seven stages of the study:
 * train block 1; freeze 1, train 2; unfreeze, train 1-2; freeze 1-2, train 3; unfreeze, train 1-3;
 * freeze 1-3, train 4; unfreeze, train all. Each stage gets a fresh output Linear(128, 10) with
 * PyTorch's default init and a fresh optimizer, as in the study. Unlike the study (whose
 * `require_grad` typo froze nothing), frozen layers here really stay unchanged.
 */
import { FashionMNIST } from './data';
import { MLP, hiddenName } from '../network/models';
import { OptimizerSpec } from '../network/optimizers';
import { Progress, TrainResult, trainWithStats } from './train';

export const BLOCKS: readonly (readonly number[])[] = [[1, 2], [3, 4], [5, 6], [7]];

export interface Stage {
  /** Blocks in the network during this stage (1-4). */
  blocks: number;
  /** Blocks whose layers are trained; the others in use are frozen. */
  train: readonly number[];
}

export const STUDY_STAGES: readonly Stage[] = [
  { blocks: 1, train: [1] },
  { blocks: 2, train: [2] },
  { blocks: 2, train: [1, 2] },
  { blocks: 3, train: [3] },
  { blocks: 3, train: [1, 2, 3] },
  { blocks: 4, train: [4] },
  { blocks: 4, train: [1, 2, 3, 4] },
];

/** Hidden layers in use and frozen layer names of a stage. */
export function stageLayers(stage: Stage): { activeDepth: number; frozen: string[] } {
  const inUse = BLOCKS.slice(0, stage.blocks).flat();
  const frozen = BLOCKS.flatMap((layers, b) => (b < stage.blocks && !stage.train.includes(b + 1) ? layers : [])).map(hiddenName);
  return { activeDepth: Math.max(...inUse), frozen };
}

export interface LayerwiseOptions {
  /** Epochs per stage. Required. */
  stageEpochs: number;
  /** Default SGD lr 1e-2 (the study). */
  optimizer?: OptimizerSpec;
  /** Default 512. */
  batchSize?: number;
  /** Default 0. */
  seed?: number;
  /** Default true. */
  stats?: boolean;
  histogramEpochs?: readonly number[];
  onProgress?: (p: Progress) => void;
  shouldStop?: () => boolean;
  /** Default STUDY_STAGES. */
  stages?: readonly Stage[];
}

/** Runs the stages one after another; epochs are numbered continuously and carry their stage. */
export async function trainLayerwise(model: MLP, data: FashionMNIST, options: LayerwiseOptions): Promise<TrainResult> {
  if (model.options.depth !== 7) throw new Error(`layer-wise training follows the study's 7-layer blocks; this model has ${model.options.depth} hidden layers`);
  const stages = options.stages ?? STUDY_STAGES;
  const result: TrainResult = { epochs: [] };
  for (let i = 0; i < stages.length; i++) {
    const { activeDepth, frozen } = stageLayers(stages[i]);
    model.replaceOutput({ kind: 'torch-default' }, (options.seed ?? 0) * 1000 + 900 + i);
    const part = await trainWithStats(model, data, {
      epochs: options.stageEpochs,
      optimizer: options.optimizer,
      batchSize: options.batchSize,
      seed: options.seed,
      stats: options.stats,
      histogramEpochs: options.histogramEpochs,
      onProgress: options.onProgress,
      shouldStop: options.shouldStop,
      frozen,
      activeDepth,
      epochOffset: result.epochs.length,
      stage: i + 1,
    });
    result.epochs.push(...part.epochs);
    if (part.stopped) return { ...result, stopped: part.stopped };
  }
  return result;
}

/** The stages as a markdown table: layers in use, trained and frozen. */
export function stagesMarkdown(stages: readonly Stage[] = STUDY_STAGES): string {
  const rows = stages.map((s, i) => {
    const { activeDepth, frozen } = stageLayers(s);
    const trained = BLOCKS.slice(0, s.blocks).flat().filter((l) => !frozen.includes(hiddenName(l)));
    return `| ${i + 1} | 1-${activeDepth} | ${trained.join(', ')} + new output | ${frozen.length ? frozen.map((n) => n.replace('hidden', '')).join(', ') : '—'} |`;
  });
  return ['| stage | hidden layers in use | trained | frozen |', '|---|---|---|---|', ...rows].join('\n');
}
