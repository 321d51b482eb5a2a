/**
 * Checking a run spec, once: merging a partial spec onto its experiment, every field's rule, and
 * whether the network fits in memory. Every problem is reported at once, one line each, naming the
 * field and what it accepts.
 *
 * Merge rule: objects merge field by field; arrays and plain values replace. An object with a
 * `kind` (init, optimizer, schedule) whose kind differs from the one it overrides replaces it whole,
 * then takes that kind's defaults: `{ optimizer: { kind: 'adam' } }` over SGD at lr 1e-2 gives Adam
 * with Adam's default lr 1e-3, not SGD's.
 */
import { ACTIVATIONS } from '../network/activations';
import { INIT_KINDS } from '../network/init';
import { ModelSpec, NORMALIZATIONS, SKIP_NAMES } from '../network/models';
import { OPTIMIZER_KINDS } from '../network/optimizers';
import { IMAGE_SIZE, MIN_LIMIT, NUM_CLASSES } from '../dataset/fashionmnist';
import { DEFAULT_MODEL, OPTIMIZER_DEFAULTS, RunSpec, RunSpecInput, SCHEDULE_KINDS } from './spec';

/**
 * The largest heap of tfjs's wasm backend, where every tensor of a run lives: tfjs-backend-wasm
 * 4.22's `getHeapMax()`, 4 GiB less 64 KiB (WebAssembly's 32-bit addresses). Specs are checked
 * against it on every backend, so that a spec means the same run everywhere.
 */
export const WASM_HEAP_LIMIT = 4_294_901_760;

/** Images per batch of the evaluation pass (train.ts's `evaluate`). */
const EVAL_BATCH = 1000;

/** Trainable parameters of the spec's network on FashionMNIST, BatchNorm's γ and β (and its running statistics) included. */
export function parameterCount(model: Pick<ModelSpec, 'depth' | 'width' | 'normalization'>): number {
  const { depth, width } = model;
  const linear = (IMAGE_SIZE + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * NUM_CLASSES;
  return linear + (model.normalization === 'batchnorm' ? 4 * width * depth : 0);
}

/**
 * Bytes a run of `spec` needs on the heap at its peak, estimated from above: float32 copies of the
 * parameters (the weights, their gradients, the updates, the updated weights, Adam's two moments and
 * the allocator's slack: 5.5 copies with SGD, 8 with Adam), every layer's activations and their
 * gradients for a training batch (6 copies) and for an evaluation batch (2), the input batch (4),
 * and the heap's first 16 MiB. Measured after a step (wasm, statistics on): 5.2 and 7.4-7.6 times the
 * parameters' bytes (SGD, Adam) for 2048-4096 wide layers; 3-4.5 times the activations' bytes.
 */
export function memoryEstimate(spec: Pick<RunSpec, 'model' | 'optimizer' | 'batchSize'>): number {
  const { depth, width } = spec.model;
  const copies = spec.optimizer.kind === 'adam' ? 8 : 5.5;
  const units = depth * width + NUM_CLASSES;
  return 4 * (copies * parameterCount(spec.model) + units * (6 * spec.batchSize + 2 * EVAL_BATCH) + 4 * spec.batchSize * IMAGE_SIZE) + 16 * 2 ** 20;
}

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
const count = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(1)} billion` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} million` : String(n));

/** Why the network of a checked spec cannot be built and trained in the wasm heap, or null when it fits. */
function memoryProblem(spec: RunSpec): string | null {
  const need = memoryEstimate(spec);
  if (need <= WASM_HEAP_LIMIT) return null;
  const { depth, width } = spec.model;
  return `model.width, model.depth, batchSize: ${depth} hidden layer${depth > 1 ? 's' : ''} of ${width} units (${count(parameterCount(spec.model))} parameters) ` +
    `trained with ${spec.optimizer.kind === 'adam' ? 'Adam' : 'SGD'} on batches of ${spec.batchSize} need about ${gib(need)} GiB of memory, ` +
    `more than the ${gib(WASM_HEAP_LIMIT)} GiB the wasm backend's heap can hold: make the layers narrower or fewer, or the batches smaller`;
}

/** A spec that breaks the rules: every problem found, one line each, naming the field and what it accepts. */
export class SpecError extends Error {
  constructor(readonly problems: string[], context: string) {
    super(`bad run spec${context}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SpecError';
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** `over` merged onto `base` by the rule in this file's header; `kindDefaults` fills a changed kind. */
export function mergeSpec(base: unknown, over: unknown, kindDefaults: Record<string, object> = {}): unknown {
  if (over === undefined) return base;
  if (!isObject(over) || !isObject(base)) return over;
  if ('kind' in over && over.kind !== base.kind) {
    const defaults = typeof over.kind === 'string' ? kindDefaults[over.kind] : undefined;
    return { ...(defaults ?? {}), ...over };
  }
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeSpec(base[k], v, kindDefaults);
  return out;
}

// JSON would write NaN and ±Infinity as null: they are named as they are.
const show = (v: unknown) => (typeof v === 'string' ? `"${v}"` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v) ?? String(v));
const list = (xs: readonly unknown[]) => xs.map((x) => String(x)).join(', ');

/** Collects problems of a merged spec; the checks read like the rules they enforce. */
class Checker {
  readonly problems: string[] = [];

  fields(where: string, obj: Record<string, unknown>, known: readonly string[]): void {
    for (const k of Object.keys(obj)) {
      if (!known.includes(k)) this.problems.push(`${where ? `${where}.` : ''}${k}: not a field here; the fields are ${list(known)}`);
    }
  }

  oneOf(where: string, v: unknown, accepted: readonly unknown[]): boolean {
    if (accepted.includes(v)) return true;
    this.problems.push(`${where}: ${show(v)} is not one of ${list(accepted)}`);
    return false;
  }

  whole(where: string, v: unknown, min: number, max = Infinity): boolean {
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return true;
    this.problems.push(`${where}: must be a whole number ${max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`}, got ${show(v)}`);
    return false;
  }

  positive(where: string, v: unknown): void {
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) this.problems.push(`${where}: must be a number > 0, got ${show(v)}`);
  }

  fraction(where: string, v: unknown): void {
    if (!(typeof v === 'number' && v >= 0 && v < 1)) this.problems.push(`${where}: must be a number in [0, 1), got ${show(v)}`);
  }

  fail(where: string, text: string): void {
    this.problems.push(`${where}: ${text}`);
  }
}

const MODEL_FIELDS = Object.keys(DEFAULT_MODEL);
const TOP_FIELDS = ['experiment', 'label', 'changes', 'model', 'optimizer', 'schedule', 'batchSize', 'limit', 'seed'];

function checkInit(c: Checker, init: unknown): void {
  if (!isObject(init)) return c.fail('model.init', `must be an object like { kind: 'he' }, got ${show(init)}`);
  if (!c.oneOf('model.init.kind', init.kind, INIT_KINDS)) return;
  c.fields('model.init', init, init.kind === 'normal' ? ['kind', 'std'] : ['kind']);
  if (init.kind === 'normal') c.positive('model.init.std', init.std);
}

function checkSkip(c: Checker, skip: unknown, depth: unknown): void {
  if (typeof skip === 'string') {
    if (!c.oneOf('model.skip', skip, SKIP_NAMES)) return;
    if (skip === 'study' && typeof depth === 'number' && depth < 7) c.fail('model.skip', `"study" joins layers 1→3 and 4→7, so it needs depth ≥ 7, got ${depth}`);
    return;
  }
  const pairs = Array.isArray(skip) ? skip : [];
  if (!Array.isArray(skip) || !pairs.every((p) => Array.isArray(p) && p.length === 2)) {
    return c.fail('model.skip', `must be one of ${list(SKIP_NAMES)} or a list of [from, to] layer pairs, got ${show(skip)}`);
  }
  for (const [from, to] of pairs as Array<[number, number]>) {
    const fits = Number.isInteger(from) && Number.isInteger(to) && from >= 1 && from < to && typeof depth === 'number' && to <= depth;
    if (!fits) c.fail('model.skip', `[${from}, ${to}] does not fit a ${depth}-layer network (need 1 ≤ from < to ≤ depth)`);
  }
}

function checkModel(c: Checker, model: unknown): void {
  if (!isObject(model)) return c.fail('model', `must be an object, got ${show(model)}`);
  c.fields('model', model, MODEL_FIELDS);
  c.whole('model.depth', model.depth, 1, 1000);
  c.whole('model.width', model.width, 1, 100_000);
  c.oneOf('model.activation', model.activation, ACTIVATIONS);
  checkInit(c, model.init);
  c.oneOf('model.normalization', model.normalization, NORMALIZATIONS);
  checkSkip(c, model.skip, model.depth);
  if (typeof model.gradNorm !== 'boolean') c.fail('model.gradNorm', `must be true or false, got ${show(model.gradNorm)}`);
}

function checkOptimizer(c: Checker, opt: unknown): void {
  if (!isObject(opt)) return c.fail('optimizer', `must be an object like { kind: 'adam', lr: 1e-3 }, got ${show(opt)}`);
  if (!c.oneOf('optimizer.kind', opt.kind, OPTIMIZER_KINDS)) return;
  c.fields('optimizer', opt, Object.keys(OPTIMIZER_DEFAULTS[opt.kind as 'sgd' | 'adam']));
  c.positive('optimizer.lr', opt.lr);
  if (opt.kind === 'adam') {
    c.fraction('optimizer.beta1', opt.beta1);
    c.fraction('optimizer.beta2', opt.beta2);
    c.positive('optimizer.epsilon', opt.epsilon);
  }
}

function checkStages(c: Checker, s: Record<string, unknown>, depth: unknown): void {
  const blocks = s.blocks;
  if (!Array.isArray(blocks) || blocks.length === 0 || !blocks.every((b) => Array.isArray(b) && b.length > 0)) {
    return c.fail('schedule.blocks', `must be a non-empty list of non-empty lists of hidden layers, got ${show(blocks)}`);
  }
  const layers = (blocks as number[][]).flat();
  const expected = typeof depth === 'number' ? Array.from({ length: depth }, (_, i) => i + 1) : [];
  if (show(layers) !== show(expected)) {
    c.fail('schedule.blocks', `${show(blocks)} must list the hidden layers 1 to ${depth} in order, each once (the default suits the study's 7 layers)`);
  }
  const stages = s.stages;
  if (!Array.isArray(stages) || stages.length === 0) return c.fail('schedule.stages', `must be a non-empty list of { blocks, train }, got ${show(stages)}`);
  stages.forEach((stage, i) => {
    const where = `schedule.stages[${i}]`;
    if (!isObject(stage)) return c.fail(where, `must be { blocks, train }, got ${show(stage)}`);
    c.fields(where, stage, ['blocks', 'train']);
    if (!c.whole(`${where}.blocks`, stage.blocks, 1, blocks.length)) return;
    const train = stage.train;
    const ok = Array.isArray(train) && train.length > 0 && train.every((b) => Number.isInteger(b) && b >= 1 && b <= (stage.blocks as number));
    if (!ok) c.fail(`${where}.train`, `must list blocks from 1 to ${stage.blocks} (those in use), got ${show(train)}`);
  });
}

function checkSchedule(c: Checker, s: unknown, depth: unknown): void {
  if (!isObject(s)) return c.fail('schedule', `must be an object like { kind: 'plain', epochs: 10 }, got ${show(s)}`);
  if (!c.oneOf('schedule.kind', s.kind, SCHEDULE_KINDS)) return;
  if (s.kind === 'plain') {
    c.fields('schedule', s, ['kind', 'epochs']);
    c.whole('schedule.epochs', s.epochs, 1);
  } else {
    c.fields('schedule', s, ['kind', 'stageEpochs', 'blocks', 'stages']);
    c.whole('schedule.stageEpochs', s.stageEpochs, 1);
    checkStages(c, s, depth);
  }
}

/**
 * `input` as what `resolveSpec` takes: an experiment's id or a `RunSpecInput` object. Anything else
 * (null, a number, a list) throws a `SpecError` saying what is accepted, with `ids` the experiments.
 */
export function checkInput(input: unknown, ids: readonly string[]): string | RunSpecInput {
  if (typeof input === 'string' || isObject(input)) return input as string | RunSpecInput;
  throw new SpecError([
    `a run is named by an experiment's id (${list(ids)}) or given as a spec derived from one, ` +
      `like { from: 'relu', label: 'ReLU, He init', model: { init: { kind: 'he' } } }; got ${show(input)}`,
  ], '');
}

/** Checks a merged spec once, every field; returns it as a `RunSpec` or throws a `SpecError` listing every problem. */
export function checkSpec(spec: Record<string, unknown>, context = ''): RunSpec {
  const c = new Checker();
  c.fields('', spec, TOP_FIELDS);
  if (typeof spec.label !== 'string' || spec.label.trim() === '') c.fail('label', `must be a non-empty string, got ${show(spec.label)}`);
  checkModel(c, spec.model);
  checkOptimizer(c, spec.optimizer);
  checkSchedule(c, spec.schedule, isObject(spec.model) ? spec.model.depth : undefined);
  c.whole('batchSize', spec.batchSize, 1);
  if (spec.limit !== null) c.whole('limit', spec.limit, MIN_LIMIT, 60_000);
  c.whole('seed', spec.seed, 0, 2 ** 31 - 1);
  // Before anything is built: too large a network fails only after minutes and gigabytes.
  const tooLarge = c.problems.length === 0 ? memoryProblem(spec as unknown as RunSpec) : null;
  if (tooLarge) c.problems.push(tooLarge);
  if (c.problems.length) throw new SpecError(c.problems, context);
  return spec as unknown as RunSpec;
}
