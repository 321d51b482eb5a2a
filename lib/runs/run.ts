/**
 * Running a resolved spec: build its model, load its data, train it by its schedule, and keep the
 * record every figure, table and conclusion is drawn from (`History`).
 */
import * as crypto from 'crypto';
import { BackendName, initBackend } from '../runtime/backend';
import { MLP, buildMLP } from '../network/models';
import { FashionMNIST, IMAGE_SIZE, NUM_CLASSES, loadFashionMNIST } from '../dataset/fashionmnist';
import { trainLayerwise } from '../training/layerwise';
import { RunSpec, totalEpochs } from '../spec/spec';
import { LayerStats } from '../training/stats';
import { EpochRecord, Progress, StopInfo, measureAtInit, plainPlan, trainWithStats } from '../training/train';

/** A run's full record: what the CLI writes with --json and what the notebooks plot. */
export interface History {
  /** Id of the named experiment the run derives from. */
  experiment: string;
  /** What legends and tables call the run (the spec's label). */
  label: string;
  /** The model's layers, input to output, the output layer last: the names every epoch's `layers` use. */
  layerNames: string[];
  seed: number;
  backend: BackendName;
  /** The folder the images were read from (see `findDataDir`). */
  dataDir: string;
  /** The resolved spec the run was made from. */
  config: RunSpec;
  /** Per-layer statistics before the first update, on a fixed batch (`measureAtInit`); absent with statistics off. */
  atInit?: { layers: LayerStats[] };
  epochs: EpochRecord[];
  /** Present when the run ended early (non-finite loss, interruption). */
  stopped?: StopInfo;
  /** Total training seconds. */
  seconds: number;
}

export interface RunOptions {
  /** Record per-layer statistics. Default true. */
  stats?: boolean;
  /** Data already loaded with the spec's limit and seed (notebooks load it once). Default: loaded here. */
  data?: FashionMNIST;
  onProgress?: (p: Progress) => void;
  /** Receives the per-layer statistics measured at initialisation, before the first update. */
  onInit?: (layers: LayerStats[]) => void;
  shouldStop?: () => boolean;
  /**
   * Receives the run so far after every epoch, marked `stopped: { reason: 'unfinished' }`, so that a
   * caller can save it: a process killed mid-run then still leaves its finished epochs behind.
   */
  onCheckpoint?: (partial: History) => void;
  /** Receives the trained model instead of it being disposed (the caller disposes it). */
  keepModel?: (model: MLP) => void;
}

/** The network a spec describes, with FashionMNIST's shape and the spec's seed. Dispose it when done. */
export function buildModel(spec: RunSpec): MLP {
  return buildMLP({ ...spec.model, inputSize: IMAGE_SIZE, classes: NUM_CLASSES, seed: spec.seed });
}

/** A short hash of a run's spec (less its wording) and backend: two runs with one key were made alike. */
export function specKey(spec: RunSpec, backend: string): string {
  const { label: _label, changes: _changes, ...numbers } = spec;
  return crypto.createHash('sha256').update(JSON.stringify({ numbers, backend, v: 3 })).digest('hex').slice(0, 16);
}

/** Builds, trains and measures the run a resolved spec describes (`resolveSpec` makes one). */
export async function runSpec(spec: RunSpec, options: RunOptions = {}): Promise<History> {
  const backend = await initBackend();
  const data = options.data ?? loadFashionMNIST({ limit: spec.limit ?? undefined, seed: spec.seed });
  const model = buildModel(spec);
  const started = Date.now();
  try {
    const atInit = options.stats === false ? undefined : { layers: measureAtInit(model, data.train, spec) };
    if (atInit) options.onInit?.(atInit.layers);
    const record = (epochs: EpochRecord[], stopped?: StopInfo): History => ({
      experiment: spec.experiment,
      label: spec.label,
      layerNames: model.layerNames,
      seed: spec.seed,
      backend,
      dataDir: data.source,
      config: spec,
      ...(atInit ? { atInit } : {}),
      epochs,
      ...(stopped ? { stopped } : {}),
      seconds: (Date.now() - started) / 1000,
    });
    const finished: EpochRecord[] = [];
    // The checkpoint comes before the epoch's progress report: once an epoch is reported, it is saved.
    const onProgress = (p: Progress) => {
      if (p.kind === 'epoch' && p.record && options.onCheckpoint) {
        finished.push(p.record);
        options.onCheckpoint(record([...finished], {
          reason: 'unfinished',
          epoch: p.epoch,
          step: p.steps,
          message: `saved after epoch ${p.epoch} of ${totalEpochs(spec.schedule)} while training went on; the process ended before the run finished`,
        }));
      }
      options.onProgress?.(p);
    };
    const hooks = { stats: options.stats, onProgress, shouldStop: options.shouldStop };
    const { schedule } = spec;
    const result = schedule.kind === 'layerwise'
      ? await trainLayerwise(model, data, { ...spec, schedule }, hooks)
      : await trainWithStats(model, data, plainPlan(spec), hooks);
    return record(result.epochs, result.stopped);
  } finally {
    if (options.keepModel) options.keepModel(model);
    else model.dispose();
  }
}
