/**
 * The study's experiments as named specs (and one it lacked: Adam alone), and `resolveSpec`, which
 * turns an experiment id or a spec derived from one into a checked `RunSpec`.
 */
import { getPreset } from './presets';
import { SpecError, checkInput, checkSpec, mergeSpec } from './check';
import { DEFAULT_BATCH_SIZE, DEFAULT_MODEL, DEFAULT_SEED, OPTIMIZER_DEFAULTS, RunSpec, RunSpecInput, scheduleDefaults } from './spec';
import { describeChanges } from './wording';

export interface Experiment {
  id: string;
  /** Short name for legends and tables. */
  label: string;
  /** One sentence: what changes against the baseline. */
  remedy: string;
  /**
   * Which factor of the backpropagated gradient the remedy acts on (00-the-problem writes the product
   * out: weights' scale × the activation's slope per layer, the step the optimizer takes from it, …).
   */
  factor: string;
  /** What the experiment changes against the defaults of spec.ts (model, optimizer, schedule). */
  spec: Pick<RunSpecInput, 'model' | 'optimizer' | 'schedule'>;
}

const STD_005 = { kind: 'normal', std: 0.05 } as const;

export const EXPERIMENTS: readonly Experiment[] = [
  {
    id: 'baseline', factor: 'none (the reference)', label: 'baseline (sigmoid)',
    remedy: "The study's original model: 7 sigmoid layers, PyTorch's default init, SGD lr 1e-2.",
    spec: { optimizer: { kind: 'sgd', lr: 1e-2 } },
  },
  {
    id: 'weight-std-1', factor: 'init scale', label: 'weights N(0, 1)',
    remedy: 'Larger initial weights: every Linear layer drawn from N(0, 1), biases 0.',
    spec: { model: { init: { kind: 'normal', std: 1 } }, optimizer: { kind: 'sgd', lr: 1e-2 } },
  },
  {
    id: 'weight-std-10', factor: 'init scale', label: 'weights N(0, 10²)',
    remedy: 'Much larger initial weights: N(0, 10²), biases 0.',
    spec: { model: { init: { kind: 'normal', std: 10 } }, optimizer: { kind: 'sgd', lr: 1e-2 } },
  },
  {
    id: 'relu', factor: 'slope φ′', label: 'ReLU',
    remedy: 'ReLU instead of sigmoid, weights N(0, 0.05²), SGD lr 1e-3 (the study\'s settings).',
    spec: { model: { activation: 'relu', init: STD_005 }, optimizer: { kind: 'sgd', lr: 1e-3 } },
  },
  {
    // Not in the study: the baseline network unchanged, only the optimizer swapped, at Adam's
    // customary lr 1e-3, so that the optimizer's own effect is seen without other changes.
    id: 'adam', factor: 'step size', label: 'Adam',
    remedy: 'The baseline network unchanged, trained with Adam (lr 1e-3, β 0.9/0.999, ε 1e-8) instead of SGD.',
    spec: { optimizer: { kind: 'adam', lr: 1e-3 } },
  },
  {
    id: 'batchnorm', factor: 'normalisation scale', label: 'BatchNorm',
    remedy: 'BatchNorm between every Linear and its sigmoid, weights N(0, 0.05²), Adam lr 1e-3 (the study\'s settings).',
    spec: { model: { normalization: 'batchnorm', init: STD_005 }, optimizer: { kind: 'adam', lr: 1e-3 } },
  },
  {
    id: 'custom-norm', factor: 'normalisation scale', label: 'whole-tensor norm',
    remedy: "The study's custom normalisation (x - mean) / std over the whole batch tensor, weights N(0, 0.05²), SGD lr 1e-2.",
    spec: { model: { normalization: 'whole-tensor', init: STD_005 }, optimizer: { kind: 'sgd', lr: 1e-2 } },
  },
  {
    id: 'skip', factor: 'path length', label: 'skip connections',
    remedy: "The study's skip connections (h1 added to layer 3's output, h4 to layer 7's), weights N(0, 0.05²), SGD lr 1e-2.",
    spec: { model: { skip: 'study', init: STD_005 }, optimizer: { kind: 'sgd', lr: 1e-2 } },
  },
  {
    id: 'layerwise', factor: 'schedule', label: 'layer-wise training',
    remedy: 'The network grown and trained block by block in seven stages, weights N(0, 0.05²), SGD lr 1e-2.',
    spec: { model: { init: STD_005 }, optimizer: { kind: 'sgd', lr: 1e-2 }, schedule: { kind: 'layerwise' } },
  },
  {
    id: 'grad-norm', factor: 'backward rescaling', label: 'gradient normalisation',
    remedy: 'A gradient-normalisation layer after every sigmoid, weights N(0, 0.05²), SGD lr 1e-3.',
    spec: { model: { gradNorm: true, init: STD_005 }, optimizer: { kind: 'sgd', lr: 1e-3 } },
  },
];

export const EXPERIMENT_IDS = EXPERIMENTS.map((e) => e.id);

export function getExperiment(id: string): Experiment {
  const e = EXPERIMENTS.find((x) => x.id === id);
  if (!e) throw new Error(`unknown experiment "${id}"; known: ${EXPERIMENT_IDS.join(', ')}`);
  return e;
}

/** Who is asking: the preset whose sizes fill the spec, and the seed when the spec has none. */
export interface SpecContext {
  /** Default: `VG_PRESET`, else 'default'. */
  preset?: string;
  /** Default `DEFAULT_SEED` (0). */
  seed?: number;
}

const INPUT_FIELDS = ['from', 'label', 'model', 'optimizer', 'schedule', 'batchSize', 'limit', 'seed'];

/**
 * The named experiment `input` names (or derives from), with the input's fields deep-merged onto it
 * (check.ts's merge rule), the preset's sizes and the context's seed filling what neither gives, checked
 * once. Throws a `SpecError` listing every bad field with what it accepts.
 */
export function resolveSpec(input: string | RunSpecInput, context: SpecContext = {}): RunSpec {
  const checked = checkInput(input, EXPERIMENT_IDS);
  const given: RunSpecInput = typeof checked === 'string' ? { from: checked } : checked;
  const from = given.from ?? 'baseline';
  const where = ` (from "${from}")`;
  const stray = Object.keys(given).filter((k) => !INPUT_FIELDS.includes(k));
  if (stray.length) throw new SpecError(stray.map((k) => `${k}: not a field of a run spec; the fields are ${INPUT_FIELDS.join(', ')}`), where);
  if (!EXPERIMENT_IDS.includes(from)) {
    const what = typeof input === 'string' ? `unknown experiment "${from}"` : `from: "${from}" is not an experiment`;
    throw new SpecError([`${what}; use one of ${EXPERIMENT_IDS.join(', ')}`], '');
  }
  const experiment = getExperiment(from);
  const preset = getPreset(context.preset);
  const schedules = scheduleDefaults({ epochs: preset.epochs, stageEpochs: preset.stageEpochs, limit: preset.limit ?? null });
  const kindDefaults = { ...OPTIMIZER_DEFAULTS, ...schedules };
  const named = mergeSpec(
    {
      experiment: from, label: experiment.label, changes: [], model: DEFAULT_MODEL, optimizer: OPTIMIZER_DEFAULTS.sgd,
      schedule: schedules.plain, batchSize: DEFAULT_BATCH_SIZE, limit: preset.limit ?? null, seed: context.seed ?? DEFAULT_SEED,
    },
    experiment.spec,
    kindDefaults,
  ) as RunSpec;
  const overrides: RunSpecInput = { ...given };
  delete overrides.from;
  // A deep copy: the resolved spec shares nothing with the defaults or the registry.
  const spec = checkSpec(structuredClone(mergeSpec(named, overrides, kindDefaults)) as Record<string, unknown>, where);
  spec.changes = describeChanges(named, spec);
  if (given.label === undefined && spec.changes.length) spec.label = `${experiment.label}, ${spec.changes.join(', ')}`;
  return spec;
}
