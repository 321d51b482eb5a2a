/**
 * Layer-wise training, the study's sixth remedy (in the spirit of greedy layer-wise pre-training,
 * Bengio et al. 2007): grow the network block by block so that every block is first trained while
 * it is close to the output, where the gradient is still strong.
 *
 * The study's seven hidden layers form blocks [1-2], [3-4], [5-6], [7] and train in seven stages:
 * train block 1; freeze 1, train 2; unfreeze, train 1-2; freeze 1-2, train 3; unfreeze, train 1-3;
 * freeze 1-3, train 4; unfreeze, train all (`STUDY_BLOCKS`, `STUDY_STAGES` in spec.ts; a spec may give
 * others). Each stage gets a fresh output Linear(width, 10) with PyTorch's default init and a fresh
 * optimizer, as in the study. Unlike the study (whose `require_grad` typo froze nothing), frozen layers
 * here really stay unchanged.
 */
import { FashionMNIST } from '../dataset/fashionmnist';
import { MLP, hiddenName } from '../network/models';
import { LayerwiseSchedule, RunSpec, Schedule, Stage } from '../spec/spec';
import { deriveSeed } from '../runtime/random';
import { TrainHooks, TrainResult, histogramEpochs, trainWithStats } from './train';

/** Hidden layers in use and frozen layer names of a stage. */
export function stageLayers(stage: Stage, blocks: LayerwiseSchedule['blocks']): { activeDepth: number; frozen: string[] } {
  const inUse = blocks.slice(0, stage.blocks).flat();
  const frozen = blocks.flatMap((layers, b) => (b < stage.blocks && !stage.train.includes(b + 1) ? layers : [])).map(hiddenName);
  return { activeDepth: Math.max(...inUse), frozen };
}

/** Runs the spec's stages one after another; epochs are numbered continuously and carry their stage. */
export async function trainLayerwise(model: MLP, data: FashionMNIST, spec: RunSpec & { schedule: LayerwiseSchedule }, hooks: TrainHooks = {}): Promise<TrainResult> {
  const { stageEpochs, blocks, stages } = spec.schedule;
  const result: TrainResult = { epochs: [] };
  for (let i = 0; i < stages.length; i++) {
    const { activeDepth, frozen } = stageLayers(stages[i], blocks);
    model.replaceOutput({ kind: 'torch-default' }, deriveSeed(spec.seed, 'layerwise-output', i));
    const part = await trainWithStats(model, data, {
      spec,
      epochs: stageEpochs,
      activeDepth,
      frozen,
      epochOffset: result.epochs.length,
      stage: i + 1,
      histogramEpochs: histogramEpochs(spec),
    }, hooks);
    result.epochs.push(...part.epochs);
    if (part.stopped) return { ...result, stopped: part.stopped };
  }
  return result;
}

/** A schedule's stages as a markdown table: layers in use, trained and frozen (a plain schedule has none). */
export function stagesMarkdown(schedule: Schedule): string {
  if (schedule.kind === 'plain') return `Trained all at once, ${schedule.epochs} epoch(s), no stages.`;
  const rows = schedule.stages.map((s, i) => {
    const { activeDepth, frozen } = stageLayers(s, schedule.blocks);
    const trained = schedule.blocks.slice(0, s.blocks).flat().filter((l) => !frozen.includes(hiddenName(l)));
    return `| ${i + 1} | 1-${activeDepth} | ${trained.join(', ')} + new output | ${frozen.length ? frozen.map((n) => n.replace('hidden', '')).join(', ') : '—'} |`;
  });
  return ['| stage | hidden layers in use | trained | frozen |', '|---|---|---|---|', ...rows].join('\n');
}
