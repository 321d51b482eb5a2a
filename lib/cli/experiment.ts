/**
 * Runs one experiment headless, or a variant of it:
 *   npm run --silent experiment -- <id> [--epochs N] [--init he] [--depth 12] … [--json FILE]
 * Every model, optimizer and size flag overrides the named experiment (a run spec derived from it,
 * resolved and checked once by `resolveSpec`). Prints a line per epoch; with --json writes the full
 * history atomically. `--seeds 1,2,3` trains several seeds in parallel worker processes and writes
 * `{ runs: [History, …], summary }`. Bad arguments and unwritable output files exit 2 before any work;
 * the JSON is rewritten after every epoch, so Ctrl-C, SIGTERM, SIGHUP, even a kill, keep the finished
 * epochs (see `EXIT` for the exit codes).
 */
import { spawn } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { OutputFileError, checkOutputFile, describeFileError, writeJsonAtomic } from '../runtime/files';
import { projectRoot, userPath } from '../runtime/paths';
import { STOP_SIGNALS, exitStatus, listenForStop } from '../runtime/signals';
import { MIN_LIMIT, findDataDir } from '../dataset/fashionmnist';
import { INIT_KINDS, Init } from '../network/init';
import { ACTIVATIONS } from '../network/activations';
import { NORMALIZATIONS, SKIP_NAMES } from '../network/models';
import { OPTIMIZER_KINDS } from '../network/optimizers';
import { EXPERIMENT_IDS, getExperiment, resolveSpec } from '../spec/experiments';
import { PRESET_NAMES, envSeed } from '../spec/presets';
import { History, runSpec } from '../runs/run';
import { runSeeds } from '../runs/parallel';
import { summarizeSeeds } from '../runs/seeds';
import { SpecError } from '../spec/check';
import { RunSpec, RunSpecInput } from '../spec/spec';
import { EpochRecord } from '../training/train';
import { LayerStats } from '../training/stats';
import { gradientRatio, isHidden } from '../theory/ratios';
import { UsageError, parseFlags, positiveNumber, usageText } from './args';

export { UsageError };

export const FLAGS = {
  epochs: { kind: 'whole', min: 1, help: "epochs of a plain run (default: the preset's)" },
  'stage-epochs': { kind: 'whole', min: 1, help: "epochs of each layer-wise stage (default: the preset's)" },
  seed: { kind: 'whole', min: 0, help: 'seed of the split, the weights and the shuffles (default: $VG_SEED, else 0)' },
  seeds: { kind: 'text', meta: 'LIST', help: 'several seeds, e.g. 1,2,3, trained in parallel worker processes (instead of --seed)' },
  workers: { kind: 'whole', min: 1, help: 'worker processes for --seeds (default: $VG_WORKERS, else one per seed up to twice the cores)' },
  limit: { kind: 'whole', min: MIN_LIMIT, help: "use only the first N training images (default: the preset's)" },
  'batch-size': { kind: 'whole', min: 1, help: 'mini-batch size (default 512)' },
  preset: { kind: 'choice', choices: PRESET_NAMES, help: 'run sizes (default: $VG_PRESET, else default)' },
  activation: { kind: 'choice', choices: ACTIVATIONS, help: 'hidden activation' },
  init: { kind: 'text', meta: `${INIT_KINDS.filter((k) => k !== 'normal').join('|')}|normal:STD`, help: 'initialisation of every Linear layer' },
  depth: { kind: 'whole', min: 1, help: 'hidden layers' },
  width: { kind: 'whole', min: 1, help: 'units per hidden layer' },
  optimizer: { kind: 'choice', choices: OPTIMIZER_KINDS, help: "optimizer (a new kind starts from its defaults: SGD lr 1e-2, Adam lr 1e-3)" },
  lr: { kind: 'positive', help: "learning rate (default: the experiment's)" },
  normalization: { kind: 'choice', choices: NORMALIZATIONS, help: 'normalisation between each Linear and its activation' },
  skip: { kind: 'choice', choices: SKIP_NAMES, help: "skip connections: the study's (1→3, 4→7) or residual (around every pair)" },
  'grad-norm': { kind: 'choice', choices: ['on', 'off'], help: 'gradient normalisation after every hidden activation' },
  label: { kind: 'text', meta: 'TEXT', help: 'name of the run in the output (default: the experiment and its changes)' },
  json: { kind: 'text', meta: 'FILE', help: "write the run's history as JSON to FILE" },
  'no-stats': { kind: 'switch', help: 'skip the per-layer statistics (faster)' },
} as const;

export const USAGE = usageText('npm run --silent experiment -- <id> [options]', FLAGS, [`  <id>  one of: ${EXPERIMENT_IDS.join(', ')}`]);

/** Which flag sets which field of a spec, so that a spec error names the flag the user typed. */
const FIELD_FLAGS: Array<[string, string]> = [
  ['schedule.epochs', '--epochs'], ['schedule.stageEpochs', '--stage-epochs'], ['model.init', '--init'], ['model.depth', '--depth'],
  ['model.width', '--width'], ['model.skip', '--skip'], ['optimizer.lr', '--lr'], ['batchSize', '--batch-size'], ['limit', '--limit'],
];

/** "model.depth: must be …" → "model.depth (--depth): must be …"; each field of "model.width, model.depth: …" likewise. */
function nameFlag(problem: string): string {
  const colon = problem.indexOf(':');
  if (colon < 0) return problem;
  const fields = problem.slice(0, colon).split(', ').map((name) => {
    const hit = FIELD_FLAGS.find(([field]) => name === field || name.startsWith(`${field}.`));
    return hit ? `${name} (${hit[1]})` : name;
  });
  return `${fields.join(', ')}${problem.slice(colon)}`;
}

export interface CliArgs {
  spec: RunSpec;
  /** Given with --seeds: every seed to train (the spec has the first). */
  seeds?: number[];
  workers?: number;
  json?: string;
  stats: boolean;
}

/** "1,2,3" → [1, 2, 3]: distinct whole numbers ≥ 0. */
export function parseSeeds(text: string): number[] {
  const parts = text.split(',').map((t) => t.trim());
  if (parts.some((t) => !/^\d+$/.test(t))) throw new UsageError(`--seeds takes whole numbers ≥ 0 separated by commas, e.g. 1,2,3; got "${text}"`);
  const seeds = parts.map(Number);
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds lists a seed twice: "${text}"`);
  return seeds;
}

function parseInit(text: string): Init {
  const m = /^normal:(.*)$/.exec(text);
  if (m) return { kind: 'normal', std: positiveNumber('init normal:STD, STD', m[1]) };
  if (!(INIT_KINDS as readonly string[]).includes(text) || text === 'normal') {
    throw new UsageError(`--init must be one of ${INIT_KINDS.filter((k) => k !== 'normal').join(', ')} or normal:STD (e.g. normal:0.05), got "${text}"`);
  }
  return { kind: text } as Init;
}

/** Parses the arguments into one resolved spec; throws UsageError with what is accepted. */
export function parseCli(argv: string[]): CliArgs {
  const { values: v, positionals } = parseFlags(argv, FLAGS);
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `one experiment id expected, got ${positionals.join(' ')}` : 'which experiment? give its id');
  const id = positionals[0];
  if (!EXPERIMENT_IDS.includes(id)) throw new UsageError(`unknown experiment "${id}"; use one of: ${EXPERIMENT_IDS.join(', ')}`);
  const layerwise = getExperiment(id).spec.schedule?.kind === 'layerwise';
  if (layerwise && v.epochs !== undefined) throw new UsageError(`${id} trains in stages: give --stage-epochs N (epochs of each stage), not --epochs`);
  if (!layerwise && v['stage-epochs'] !== undefined) throw new UsageError(`--stage-epochs is for layer-wise training; ${id} takes --epochs N`);
  const model: NonNullable<RunSpecInput['model']> = {};
  if (v.activation !== undefined) model.activation = v.activation as RunSpec['model']['activation'];
  if (v.init !== undefined) model.init = parseInit(v.init);
  if (v.depth !== undefined) model.depth = v.depth;
  if (v.width !== undefined) model.width = v.width;
  if (v.normalization !== undefined) model.normalization = v.normalization as RunSpec['model']['normalization'];
  if (v.skip !== undefined) model.skip = v.skip as RunSpec['model']['skip'];
  if (v['grad-norm'] !== undefined) model.gradNorm = v['grad-norm'] === 'on';
  const input: RunSpecInput = { from: id, model };
  if (v.optimizer !== undefined || v.lr !== undefined) {
    input.optimizer = { ...(v.optimizer !== undefined ? { kind: v.optimizer as 'sgd' | 'adam' } : {}), ...(v.lr !== undefined ? { lr: v.lr } : {}) };
  }
  if (v.epochs !== undefined) input.schedule = { epochs: v.epochs };
  if (v['stage-epochs'] !== undefined) input.schedule = { stageEpochs: v['stage-epochs'] };
  if (v['batch-size'] !== undefined) input.batchSize = v['batch-size'];
  if (v.limit !== undefined) input.limit = v.limit;
  if (v.seed !== undefined && v.seeds !== undefined) throw new UsageError('give --seed N or --seeds LIST, not both');
  const seeds = v.seeds !== undefined ? parseSeeds(v.seeds) : undefined;
  if (v.workers !== undefined && seeds === undefined) throw new UsageError('--workers is for several seeds: give --seeds LIST too');
  if (v.seed !== undefined) input.seed = v.seed;
  if (seeds) input.seed = seeds[0];
  if (v.label !== undefined) input.label = v.label;
  try {
    return {
      spec: resolveSpec(input, { preset: v.preset, seed: envSeed() }),
      ...(seeds ? { seeds } : {}),
      ...(v.workers !== undefined ? { workers: v.workers } : {}),
      json: v.json === undefined ? undefined : userPath(v.json),
      stats: !v['no-stats'],
    };
  } catch (e) {
    if (e instanceof SpecError) throw new UsageError(e.problems.map(nameFlag).join('\n'));
    throw new UsageError((e as Error).message); // e.g. an unknown VG_PRESET or a bad VG_SEED
  }
}

const fmt = (x: number | null) => (x === null ? '—' : x.toExponential(1));

/** The gradient that flows, at hidden1 and at the deepest hidden layer that has one, and their log10 ratio. */
export function gradientLine(layers: LayerStats[]): string {
  const hidden = layers.filter((l) => isHidden(l) && l.activationGradRms !== null);
  if (hidden.length < 2 || hidden[0].name !== 'hidden1') return '';
  const top = hidden[hidden.length - 1];
  const ratio = gradientRatio({ layers });
  return `  RMS dL/dh hidden1 ${fmt(hidden[0].activationGradRms)} … ${top.name} ${fmt(top.activationGradRms)} (log10 ratio ${ratio === null ? '—' : ratio.toFixed(2)})`;
}

export function epochLine(r: EpochRecord, lastEpoch: number): string {
  const grads = gradientLine(r.layers);
  return (
    `epoch ${r.epoch}/${lastEpoch}${r.stage ? ` (stage ${r.stage})` : ''}  ` +
    `train loss ${r.trainLoss.toFixed(4)} acc ${r.trainAcc.toFixed(3)}  val loss ${r.valLoss.toFixed(4)} acc ${r.valAcc.toFixed(3)}` +
    `${grads}  ${r.seconds.toFixed(1)} s`
  );
}

/**
 * Exit codes: 0 done; 1 an error (the message says which), also when the JSON could only be written
 * elsewhere; 2 bad arguments or an output file that cannot be written (checked before any work);
 * 3 the run diverged (non-finite loss; the epochs before it are written); 128 + a signal's number when
 * stopped by it (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP; the finished epochs are written).
 */
export const EXIT = { ok: 0, error: 1, usage: 2, diverged: 3 } as const;

/** stdout that stops writing, without an error, once its reader is gone (`… | head -1`). */
function lineWriter(): (line: string) => void {
  let open = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    open = false;
  });
  return (line) => {
    if (open) process.stdout.write(line + '\n');
  };
}
const say = lineWriter();
const warn = (line: string) => process.stderr.write(line + '\n');

/**
 * The --json file, written after every epoch (the run so far) and at the end. A checkpoint that fails
 * is reported once and training goes on; a final write that fails goes to the temp folder instead.
 */
function jsonTarget(file: string | undefined) {
  let warned = false;
  return {
    checkpoint(value: unknown): void {
      if (!file) return;
      try {
        writeJsonAtomic(file, value);
      } catch (e) {
        if (!warned) warn(`could not save the epochs so far to ${file} (${describeFileError(e)}); training goes on and writes it again at the end`);
        warned = true;
      }
    },
    /** False when the file could not be written where asked. */
    final(value: unknown): boolean {
      if (!file) return true;
      try {
        writeJsonAtomic(file, value);
        say(`wrote ${file}`);
        return true;
      } catch (e) {
        const fallback = path.join(os.tmpdir(), `${path.basename(file, '.json')}-${process.pid}.json`);
        try {
          writeJsonAtomic(fallback, value);
          warn(`error: could not write ${file} (${describeFileError(e)}); the run was written to ${fallback} instead`);
        } catch (e2) {
          warn(`error: could not write ${file} (${describeFileError(e)}) nor ${fallback} (${describeFileError(e2)}); the run is lost`);
        }
        return false;
      }
    },
  };
}

export async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCli(argv);
    if (args.json !== undefined) checkOutputFile(args.json, '--json file');
  } catch (e) {
    if (!(e instanceof UsageError) && !(e instanceof OutputFileError)) throw e;
    if (e.message) warn(`error: ${e.message}\n`);
    if (e instanceof UsageError) warn(USAGE);
    return e.message ? EXIT.usage : EXIT.ok;
  }
  say(`data: ${findDataDir()}`);
  const stop = listenForStop({
    onStop: (signal) =>
      warn(`\n${signal === 'SIGINT' ? 'interrupted (Ctrl-C)' : `received ${signal}`}: stopping after the current step and writing the finished epochs` +
        `${args.json ? ` to ${args.json}` : ''} (again, after a second, to quit at once${args.json ? '; the file already holds every finished epoch' : ''})`),
  });
  // The listener stays until the process exits: a relayed copy of the signal must not kill it meanwhile.
  const runs = args.seeds ? await runSeedList(args, args.seeds, stop.stopping) : await runOne(args, stop.stopping);
  if (runs === undefined) return EXIT.error;
  if (stop.stopping()) return stop.exitCode();
  return runs.some((h) => h.stopped?.reason === 'non-finite-loss') ? EXIT.diverged : EXIT.ok;
}

/** One seed, in this process: today's output and JSON shape (one History). Undefined if the JSON was not written. */
async function runOne(args: CliArgs, stopping: () => boolean): Promise<History[] | undefined> {
  const { spec } = args;
  const target = jsonTarget(args.json);
  const history: History = await runSpec(spec, {
    stats: args.stats,
    onInit: (layers) => say(`at initialisation${gradientLine(layers)}`),
    shouldStop: stopping,
    onProgress: (p) => {
      if (p.kind === 'epoch' && p.record) say(epochLine(p.record, p.lastEpoch));
    },
    onCheckpoint: (partial) => target.checkpoint(partial),
  });
  say(`${spec.label}: ${history.epochs.length} epochs on the ${history.backend} backend in ${history.seconds.toFixed(1)} s`);
  if (history.stopped) warn(history.stopped.message);
  return target.final(history) ? [history] : undefined;
}

/** Several seeds in worker processes; with --json, `{ runs: [History, …], summary }` (`summarizeSeeds`). */
async function runSeedList(args: CliArgs, seeds: number[], stopping: () => boolean): Promise<History[] | undefined> {
  const { spec } = args;
  const started = Date.now();
  const target = jsonTarget(args.json);
  const partial: Array<History | undefined> = seeds.map(() => undefined);
  const set = await runSeeds(spec, seeds, {
    stats: args.stats,
    store: false,
    workers: args.workers,
    shouldStop: stopping,
    onProgress: (i, p) => {
      if (p.kind === 'epoch' && p.record) say(`[seed ${seeds[i]}] ${epochLine(p.record, p.lastEpoch)}`);
    },
    onCheckpoint: (i, h) => {
      partial[i] = h;
      const runs = partial.filter((r): r is History => r !== undefined);
      target.checkpoint({ runs, summary: summarizeSeeds({ ...spec, config: spec, seeds: runs.map((r) => r.seed), runs, storedAt: runs.map(() => null) }) });
    },
  });
  const seconds = (Date.now() - started) / 1000;
  const accs = set.runs.map((h) => h.epochs[h.epochs.length - 1]?.valAcc).filter((a): a is number => a !== undefined);
  say(
    `${spec.label}: ${set.runs.length} seeds (${set.seeds.join(', ')}) on the ${set.runs[0]?.backend ?? '?'} backend in ${seconds.toFixed(1)} s; ` +
      `final val acc ${accs.map((a) => a.toFixed(3)).join(', ')}`,
  );
  for (const h of set.runs) if (h.stopped) warn(`seed ${h.seed}: ${h.stopped.message}`);
  if (set.runs.length < seeds.length) warn(`seeds not started before the stop: ${seeds.filter((s) => !set.seeds.includes(s)).join(', ')}`);
  return target.final({ runs: set.runs, summary: summarizeSeeds(set) }) ? set.runs : undefined;
}

if (require.main === module) {
  // A plain message for anything unexpected: Node's default would print the source line of the throw,
  // which inside the wasm backend's minified glue is tens of kilobytes.
  const fail = (e: unknown) => {
    warn(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(EXIT.error);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  if (underTsxWrapper()) rerunWithoutWrapper();
  else main(process.argv.slice(2)).then((code) => process.exit(code), fail);
}

/** Started by `npx tsx …`, whose wrapper process relays a signal and SIGKILLs a child that is busy for 60 ms. */
function underTsxWrapper(): boolean {
  return process.execArgv.some((a) => /tsx[\\/]dist[\\/]preflight/.test(a));
}

/**
 * Runs the CLI again as a child with tsx as a plain loader, waiting idle so that the wrapper sees an
 * answer at once: the child gets the terminal's signals itself and saves its epochs before exiting.
 */
function rerunWithoutWrapper(): void {
  for (const s of STOP_SIGNALS) process.on(s, () => undefined);
  // tsx as the project installed it: `--import tsx` would look for it from the current folder.
  const loader = pathToFileURL(require.resolve('tsx', { paths: [projectRoot()] })).href;
  const child = spawn(process.execPath, ['--import', loader, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(exitStatus(code, signal)));
}
