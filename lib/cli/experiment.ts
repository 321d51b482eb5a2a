/**
 * Runs one experiment headless:
 *   npm run --silent experiment -- <id> [--epochs N] [--seed S] [--limit N] [--lr X]
 *                                       [--batch-size N] [--preset NAME] [--json FILE] [--no-stats]
 * Prints a line per epoch; with --json writes the full history atomically. Bad arguments exit 2
 * before any work; Ctrl-C writes the epochs completed so far and exits 130.
 */
import { parseArgs } from 'util';
import { EXPERIMENT_IDS, History, RunOptions, resolveRun, runExperiment } from '../training/experiments';
import { writeJsonAtomic } from '../runtime/files';
import { PRESET_NAMES } from '../training/presets';
import { EpochRecord } from '../training/train';

export const USAGE = `usage: npm run --silent experiment -- <id> [options]
  <id>              one of: ${EXPERIMENT_IDS.join(', ')}
  --epochs N        epochs (per stage for layerwise), a whole number ≥ 1 (default: the preset's)
  --seed S          a whole number ≥ 0 (default 0)
  --limit N         use only the first N training images, a whole number ≥ 20 (default: the preset's)
  --lr X            learning rate > 0 (default: the experiment's)
  --batch-size N    a whole number ≥ 1 (default 512)
  --preset NAME     one of: ${PRESET_NAMES.join(', ')} (default: $VG_PRESET, else default)
  --json FILE       write the run's history as JSON to FILE
  --no-stats        skip the per-layer statistics (faster)`;

export class UsageError extends Error {}

export interface CliArgs {
  id: string;
  json?: string;
  run: RunOptions;
}

function wholeNumber(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) throw new UsageError(`${flag} must be a whole number ≥ ${min}, got "${text}"`);
  return Number(text);
}

/** Parses and validates the arguments; throws UsageError with what is accepted. */
export function parseCli(argv: string[]): CliArgs {
  // util.parseArgs refuses `--lr -1` as ambiguous; join a negative number to its flag so that it
  // gets the flag's own check and message ("must be a number > 0").
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (/^--(epochs|seed|limit|lr|batch-size)$/.test(argv[i]) && /^-[\d.]/.test(argv[i + 1] ?? '')) args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        epochs: { type: 'string' }, seed: { type: 'string' }, limit: { type: 'string' }, lr: { type: 'string' },
        'batch-size': { type: 'string' }, preset: { type: 'string' }, json: { type: 'string' },
        'no-stats': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError('');
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `one experiment id expected, got ${positionals.join(' ')}` : 'which experiment? give its id');
  const id = positionals[0];
  if (!EXPERIMENT_IDS.includes(id)) throw new UsageError(`unknown experiment "${id}"; use one of: ${EXPERIMENT_IDS.join(', ')}`);
  if (values.preset !== undefined && !(PRESET_NAMES as string[]).includes(values.preset)) throw new UsageError(`unknown preset "${values.preset}"; use one of: ${PRESET_NAMES.join(', ')}`);
  let lr: number | undefined;
  if (values.lr !== undefined) {
    lr = Number(values.lr);
    if (values.lr.trim() === '' || !Number.isFinite(lr) || lr <= 0) throw new UsageError(`--lr must be a number > 0, got "${values.lr}"`);
  }
  const run: RunOptions = {
    epochs: wholeNumber('--epochs', values.epochs, 1),
    seed: wholeNumber('--seed', values.seed, 0),
    limit: wholeNumber('--limit', values.limit, 20),
    batchSize: wholeNumber('--batch-size', values['batch-size'], 1),
    preset: values.preset,
    lr,
    stats: !values['no-stats'],
  };
  try {
    resolveRun(id, run);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { id, json: values.json, run };
}

const fmt = (x: number | null) => (x === null ? '—' : x.toExponential(1));

export function epochLine(r: EpochRecord, lastEpoch: number): string {
  const grads = r.layers.length
    ? `  mean|dL/dW| ${r.layers[0].name} ${fmt(r.layers[0].weightGradMeanAbs)} … output ${fmt(r.layers[r.layers.length - 1].weightGradMeanAbs)}`
    : '';
  return (
    `epoch ${r.epoch}/${lastEpoch}${r.stage ? ` (stage ${r.stage})` : ''}  ` +
    `train loss ${r.trainLoss.toFixed(4)} acc ${r.trainAcc.toFixed(3)}  val loss ${r.valLoss.toFixed(4)} acc ${r.valAcc.toFixed(3)}` +
    `${grads}  ${r.seconds.toFixed(1)} s`
  );
}

export async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCli(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) process.stderr.write(`error: ${e.message}\n\n`);
    process.stderr.write(USAGE + '\n');
    return e.message ? 2 : 0;
  }
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\ninterrupted: finishing the current step and saving what is done (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onSigint);
  const history: History = await runExperiment(args.id, {
    ...args.run,
    shouldStop: () => interrupted,
    onProgress: (p) => {
      if (p.kind === 'epoch' && p.record) process.stdout.write(epochLine(p.record, p.lastEpoch) + '\n');
    },
  });
  process.stdout.write(`${args.id}: ${history.epochs.length} epochs on the ${history.backend} backend in ${history.seconds.toFixed(1)} s\n`);
  if (history.stopped) process.stderr.write(history.stopped.message + '\n');
  if (args.json) {
    writeJsonAtomic(args.json, history);
    process.stdout.write(`wrote ${args.json}\n`);
  }
  return history.stopped?.reason === 'interrupted' ? 130 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(1);
    },
  );
}
