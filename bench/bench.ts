/**
 * Speed of the library's real training step on the study's network, and how it compares to PyTorch.
 *
 *   npm run --silent bench -- [--reps N] [--steps N] [--warmup N] [--blas-threads N] [--json [FILE]] [--profile] [--torch-python PATH[,PATH…]]
 *   npm run --silent bench -- --all [--reps N] [--json [FILE]] [--torch-python …]     (epochs of every experiment: bench/all.ts)
 *   npm run --silent bench -- --both-cores [--reps N] [--json [FILE]] [--torch-python …]     (one and two processes, two BLAS threads: bench/cores.ts)
 *
 * Times `runBatches` (lib/training/train.ts: the very step `trainWithStats` runs) on the 784-128x7-10
 * sigmoid MLP with PyTorch's default init, batch 512, SGD lr 1e-2 and real FashionMNIST batches, on
 * the backend lib/runtime/backend.ts picks, with the per-layer statistics off and on. Every figure is the
 * median over `reps` repetitions of `steps` steps each, after `warmup` steps of each kind; the two
 * kinds alternate so that drift hits both alike. Seconds per epoch = ms/step × 106 steps (54,000
 * training images in batches of 512, the last one partial, counted as full; validation excluded).
 *
 * Then bench/torch_step.py times the same network and step in every PyTorch build found (bench/torch.ts:
 * Debian's `python3-torch`, pip's in the project's `.venv-torch/`, or the Pythons `--torch-python` names)
 * with as many threads as tfjs uses, and the ratios ours/PyTorch are printed against each build.
 * `--profile` adds tf.profile's kernels of one step with statistics on. `--blas-threads N` gives the BLAS
 * N threads on both sides, which is how one run of either uses a second core: OpenBLAS's own pool (PyTorch's
 * stays at 1 thread: Debian's PyTorch multiplies in OpenBLAS, and both pools at 2 threads oversubscribe
 * 2 cores), or, for an MKL build, whose products run in PyTorch's pool, that pool.
 */
import * as os from 'os';
import { performance } from 'perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { BackendName, initBackend, matMulEngine } from '../lib/runtime/backend';
import { Split, epochBatches, loadFashionMNIST } from '../lib/dataset/fashionmnist';
import { writeJsonAtomic } from '../lib/runtime/files';
import { runBatches } from '../lib/training/train';
import { resolveSpec } from '../lib/spec/experiments';
import { buildModel } from '../lib/runs/run';
import { UsageError, parseFlags, usageText } from '../lib/cli/args';
import { benchAll, torchSpec } from './all';
import { benchCores } from './cores';
import { TorchBuild, TorchNotFound, TorchSearch, findTorchBuilds, runTorchScript, searchLine, shownPython, torchEnv } from './torch';

export const FLAGS = {
  reps: { kind: 'whole', min: 1, help: 'timed repetitions per mode (default 5; with --all, epochs per config and mode, default 3)' },
  steps: { kind: 'whole', min: 1, help: 'training steps per repetition (default 20)' },
  warmup: { kind: 'whole', min: 0, help: 'untimed steps per mode first (default 5)' },
  json: { kind: 'optional-text', meta: 'FILE', help: 'also print the results as JSON, or write them to FILE' },
  profile: { kind: 'switch', help: "also print tf.profile's top kernels of one step with statistics on" },
  'blas-threads': { kind: 'whole', min: 1, help: "BLAS threads for ours (OpenBLAS) and for PyTorch (OpenBLAS's pool, its own at 1; an MKL build's own pool) (default 1)" },
  all: { kind: 'switch', help: 'instead: one epoch of every experiment, ours (stats on and off) against PyTorch on one thread' },
  'both-cores': { kind: 'switch', help: 'instead: the baseline in one and two processes and with two OpenBLAS threads, ours and PyTorch (--reps: epochs per process, default 2)' },
  'torch-python': { kind: 'text', meta: 'PATH[,PATH…]', help: 'the Pythons or venvs with PyTorch to compare with, in order (default $VG_TORCH_PYTHON, else python3, /usr/bin/python3 and .venv-torch/, each that imports torch)' },
} as const;
export const USAGE = usageText('npm run --silent bench -- [options]', FLAGS);

/** The study's baseline, as the experiments resolve it: its network, batch size and optimizer. */
const SPEC = resolveSpec('baseline', { preset: 'default' });
const NETWORK_LABEL = `784-${SPEC.model.width}x${SPEC.model.depth}-10 ${SPEC.model.activation} MLP, PyTorch-default init`;
const BATCH_SIZE = SPEC.batchSize;
const OPTIMIZER = SPEC.optimizer;
const TOP_KERNELS = 10;

interface Args {
  reps: number;
  steps: number;
  warmup: number;
  /** undefined: no JSON; '-': JSON on stdout; else the file to write. */
  json?: string;
  profile: boolean;
  all: boolean;
  bothCores: boolean;
  blasThreads: number;
  /** The --torch-python list; undefined: VG_TORCH_PYTHON, else the search. */
  torchPython?: string;
}

export function parseArgs(argv: string[]): Args {
  const { values: v, positionals } = parseFlags(argv, FLAGS);
  if (positionals.length) throw new UsageError(`unknown argument "${positionals[0]}"`);
  if (v.all && v['both-cores']) throw new UsageError('--all and --both-cores are separate benchmarks: give one');
  return { reps: v.reps ?? (v.all ? 3 : v['both-cores'] ? 2 : 5), steps: v.steps ?? 20, warmup: v.warmup ?? 5, json: v.json, profile: v.profile ?? false,
    all: v.all ?? false, bothCores: v['both-cores'] ?? false, blasThreads: v['blas-threads'] ?? 1, torchPython: v['torch-python'] };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Full batches of 512 training images, epoch after epoch of the loop's own seeded shuffles. */
class BatchSource {
  private epoch = 0;
  private queue: Uint32Array[] = [];
  constructor(private readonly split: Split) {}
  take(n: number): Uint32Array[] {
    const out: Uint32Array[] = [];
    while (out.length < n) {
      if (this.queue.length === 0) {
        this.epoch += 1;
        this.queue = epochBatches(this.split.n, BATCH_SIZE, `bench:${this.epoch}`).filter((b) => b.length === BATCH_SIZE);
        if (this.queue.length === 0) throw new Error(`fewer than ${BATCH_SIZE} training images`);
      }
      out.push(this.queue.shift() as Uint32Array);
    }
    return out;
  }
}

interface ModeResult {
  msPerStep: number;
  stepsPerSecond: number;
  secondsPerEpoch: number;
  /** ms/step of every repetition, in order. */
  msPerStepAll: number[];
}

function summarise(perRep: number[], stepsPerEpoch: number): ModeResult {
  const ms = median(perRep);
  return { msPerStep: ms, stepsPerSecond: 1000 / ms, secondsPerEpoch: (ms * stepsPerEpoch) / 1000, msPerStepAll: perRep };
}

/** One build's step: its figures, or why its run failed (the other builds and ours still count). */
type TorchRun =
  | { found: true; key: string; label: string; blas: string; python: string; version: string; error: string }
  | { found: true; key: string; label: string; blas: string; python: string; version: string; threads: number; data: string;
      msPerStep: number; msPerStepAll: number[]; ratio: { statsOff: number; statsOn: number } };
/** The JSON's `torch`: the first build's run, or what the search tried. */
type TorchResult = TorchRun | { found: false; tried: string[] };

/** A build's step with `threads` threads of its own pool and `blasThreads` of its BLAS (torchEnv). */
function runTorch(build: TorchBuild, threads: number, blasThreads: number, args: Args, dataDir: string,
    ours: { statsOff: number; statsOn: number }): TorchRun {
  const base = { found: true as const, key: build.key, label: build.label, blas: build.blas, python: build.python, version: build.version };
  try {
    const out = runTorchScript<{ msPerStep: number; msPerStepAll: number[]; threads: number; data: string }>(build, 'torch_step.py',
      ['--threads', String(threads), '--blas-threads', String(blasThreads), '--reps', String(args.reps), '--steps', String(args.steps),
        '--warmup', String(Math.max(args.warmup, 3)), '--batch-size', String(BATCH_SIZE), '--lr', String(OPTIMIZER.lr), '--data', dataDir],
      torchEnv(build, threads, blasThreads));
    if (!(out.msPerStep > 0 && Number.isFinite(out.msPerStep))) throw new Error(`bench/torch_step.py gave a bad msPerStep ${out.msPerStep}`);
    return { ...base, threads: out.threads, data: out.data, msPerStep: out.msPerStep, msPerStepAll: out.msPerStepAll,
      ratio: { statsOff: ours.statsOff / out.msPerStep, statsOn: ours.statsOn / out.msPerStep } };
  } catch (e) {
    return { ...base, error: (e as Error).message };
  }
}

/** Threads the backend computes with: wasm in Node is single-threaded, cpu is plain JS, native TF uses the cores. */
function backendThreads(backend: BackendName): number {
  if (backend === 'wasm') {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      return (require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount(): number }).getThreadsCount();
    } catch {
      return 1;
    }
  }
  if (backend === 'cpu') return 1;
  return os.availableParallelism();
}

interface KernelRow {
  name: string;
  calls: number;
  ms: number;
  share: number;
}

interface ProfileResult {
  /** Wall time of the profiled step (profiling itself adds some). */
  wallMs: number;
  /** Sum of the kernels' own times. */
  kernelMs: number;
  kernels: number;
  /** Entries of custom-gradient functions, whose time is their kernels' time again. */
  scopesExcluded: number;
  byName: KernelRow[];
  byNameAndShape: KernelRow[];
}

function aggregate(rows: Array<{ key: string; ms: number }>, total: number): KernelRow[] {
  const map = new Map<string, KernelRow>();
  for (const { key, ms } of rows) {
    const row = map.get(key) ?? { name: key, calls: 0, ms: 0, share: 0 };
    row.calls += 1;
    row.ms += ms;
    map.set(key, row);
  }
  return [...map.values()]
    .map((r) => ({ ...r, share: total > 0 ? r.ms / total : 0 }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, TOP_KERNELS);
}

async function profileStep(run: () => void): Promise<ProfileResult> {
  const t0 = performance.now();
  const info = await tf.profile(() => {
    run();
  });
  const wallMs = performance.now() - t0;
  // tf.customGrad functions (lib/network/dense.ts, the gradient taps) are logged too, named after the enclosing
  // scope ('forward' in variableGrads), and their time includes their own kernels': leave them out.
  const backend = tf.getBackend();
  const isKernel = (name: string) => tf.getKernel(name, backend) !== undefined;
  const rows = info.kernels.filter((k) => isKernel(k.name)).map((k) => {
    const t = k.kernelTimeMs;
    const ms = typeof t === 'number' ? t : 0;
    const shapes = k.inputShapes.map((s) => (s ? `[${s.join(',')}]` : '-')).join(' ');
    return { name: k.name, shapes, ms };
  });
  const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
  return {
    wallMs,
    kernelMs,
    kernels: rows.length,
    scopesExcluded: info.kernels.length - rows.length,
    byName: aggregate(rows.map((r) => ({ key: r.name, ms: r.ms })), kernelMs),
    byNameAndShape: aggregate(rows.map((r) => ({ key: `${r.name} ${r.shapes}`, ms: r.ms })), kernelMs),
  };
}

const f1 = (x: number) => x.toFixed(1);
const plural = (word: string, n: number) => `${n} ${word}${n === 1 ? '' : 's'}`;
const f2 = (x: number) => x.toFixed(2);

function modeLine(label: string, m: ModeResult, width: number): string {
  const lo = Math.min(...m.msPerStepAll);
  const hi = Math.max(...m.msPerStepAll);
  return `  ${label.padEnd(width)}${f1(m.msPerStep).padStart(9)}  ${`${f1(lo)}-${f1(hi)}`.padStart(13)}${f1(m.stepsPerSecond).padStart(10)}${f2(m.secondsPerEpoch).padStart(10)}`;
}

function kernelTable(title: string, rows: KernelRow[]): string[] {
  const width = Math.max(28, ...rows.map((r) => r.name.length));
  return [
    title,
    `  ${'kernel'.padEnd(width)}  calls  total ms  ms/call  share`,
    ...rows.map((r) =>
      `  ${r.name.padEnd(width)}  ${String(r.calls).padStart(5)}  ${f2(r.ms).padStart(8)}  ${(r.ms / r.calls).toFixed(3).padStart(7)}  ${(100 * r.share).toFixed(1).padStart(4)}%`),
  ];
}

async function main(argv: string[]): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) console.error(`bench: ${e.message}`);
    console.error(USAGE);
    process.exit(e.message ? 2 : 0);
  }
  // before anything is measured: a named Python without PyTorch stops the run at once
  let search: TorchSearch;
  try {
    search = findTorchBuilds({ named: args.torchPython });
  } catch (e) {
    if (!(e instanceof TorchNotFound)) throw e;
    console.error(`bench: ${e.message}`);
    process.exit(1);
  }

  // before the backend loads OpenBLAS (fastmatmul.ts), which reads it once
  process.env.OPENBLAS_NUM_THREADS = String(args.blasThreads);
  const backend = await initBackend();
  const report = (title: string, lines: string[], result: object) => {
    console.log([`${title}: backend ${backend}, matMul ${matMulEngine()}`, ...lines].join('\n'));
    if (args.json === '-') console.log(`\n${JSON.stringify({ backend, ...result }, null, 2)}`);
    else if (args.json !== undefined) {
      writeJsonAtomic(args.json, { backend, ...result });
      console.log(`\nwrote ${args.json}`);
    }
  };
  if (args.all) {
    const { configs, lines } = await benchAll(search.builds, args.reps);
    report('bench --all', [searchLine(search), ...lines], { reps: args.reps, torchSearch: search, configs });
    return;
  }
  if (args.bothCores) {
    const { ours, torch, torchBuilds, errors, lines } = await benchCores(args.reps, search.builds, torchSpec(SPEC), loadFashionMNIST().source);
    report('bench --both-cores', [searchLine(search), ...lines], { epochs: args.reps, torchSearch: search, ours, torch, torchBuilds, errors });
    return;
  }
  const threads = backendThreads(backend);
  const data = loadFashionMNIST();
  const stepsPerEpoch = Math.ceil(data.train.n / BATCH_SIZE);
  const model = buildModel(SPEC);
  const batches = new BatchSource(data.train);
  const run = (n: number, stats: boolean): number => {
    const chunk = batches.take(n);
    const t0 = performance.now();
    const losses = runBatches(model, data.train, chunk, { optimizer: OPTIMIZER, stats });
    const ms = performance.now() - t0;
    const bad = losses.find((l) => !Number.isFinite(l));
    if (bad !== undefined) throw new Error(`the loss became ${bad}: the benchmark's training diverged`);
    return ms / n;
  };

  if (args.warmup > 0) {
    run(args.warmup, false);
    run(args.warmup, true);
  }
  const tensorsBefore = tf.memory().numTensors;
  const off: number[] = [];
  const on: number[] = [];
  for (let r = 0; r < args.reps; r++) {
    off.push(run(args.steps, false));
    on.push(run(args.steps, true));
  }
  const tensorsLeaked = tf.memory().numTensors - tensorsBefore;
  const statsOff = summarise(off, stepsPerEpoch);
  const statsOn = summarise(on, stepsPerEpoch);

  let profile: ProfileResult | undefined;
  if (args.profile) {
    const chunk = batches.take(1);
    profile = await profileStep(() => {
      runBatches(model, data.train, chunk, { optimizer: OPTIMIZER, stats: true });
    });
  }
  const peakRssMiB = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
  model.dispose();

  const torchBlasThreads = Math.max(threads, args.blasThreads);
  const runs = search.builds.map((b) => runTorch(b, threads, torchBlasThreads, args, data.source, { statsOff: statsOff.msPerStep, statsOn: statsOn.msPerStep }));
  const torch: TorchResult = runs[0] ?? { found: false, tried: search.missing };
  const ratio = 'ratio' in torch ? torch.ratio : undefined;

  const threadLabel = plural('thread', threads);
  // an MKL build's BLAS threads are its own pool's (torchEnv), so they show in its thread count
  const rowLabel = (r: Extract<TorchRun, { msPerStep: number }>) =>
    `${r.key} ${r.version} ${r.blas}, ${r.threads}t${torchBlasThreads > r.threads ? ` +${torchBlasThreads} BLAS` : ''}`;
  const timed = runs.filter((r): r is Extract<TorchRun, { msPerStep: number }> => 'msPerStep' in r);
  const width = Math.max(24, ...timed.map((r) => rowLabel(r).length + 2));
  const lines = [
    `bench: ${NETWORK_LABEL}, batch ${BATCH_SIZE}, SGD lr ${OPTIMIZER.lr}, real FashionMNIST batches`,
    `backend ${backend}, matMul ${matMulEngine()} (${threadLabel}, OpenBLAS ${plural('thread', args.blasThreads)}); median of ${args.reps} rep(s) x ${args.steps} step(s) per mode after ${args.warmup} warm-up step(s) each; ` +
      `epoch = ${stepsPerEpoch} steps`,
    searchLine(search),
    '',
    `  ${''.padEnd(width)}${'ms/step'.padStart(9)}  ${'(min-max)'.padStart(13)}${'steps/s'.padStart(10)}${'s/epoch'.padStart(10)}`,
    modeLine('ours, stats off', statsOff, width),
    modeLine('ours, stats on', statsOn, width),
    ...timed.map((r) => modeLine(rowLabel(r), summarise(r.msPerStepAll, stepsPerEpoch), width)),
  ];
  lines.push('');
  lines.push(`statistics cost +${f1(100 * (statsOn.msPerStep / statsOff.msPerStep - 1))}% per step; peak RSS ${f1(peakRssMiB)} MiB; ` +
    `tensors leaked over the timed steps: ${tensorsLeaked}`);
  if (runs.length === 0) lines.push(`PyTorch: not found (${search.missing.join('; ')}); showing ours only, no ratio`);
  for (const r of runs) {
    if ('error' in r) lines.push(`${r.key}: ${r.label} in ${shownPython(r.python)}: its reference run failed, no ratio: ${r.error}`);
    else lines.push(`ours / ${r.label}: ${f2(r.ratio.statsOff)}x with stats off, ${f2(r.ratio.statsOn)}x with stats on (${shownPython(r.python)}, ${r.data} data)`);
  }
  lines.push('');
  lines.push(
    `backend ${backend} | stats off: ${f1(statsOff.msPerStep)} ms/step (${f1(statsOff.stepsPerSecond)} steps/s, ${f2(statsOff.secondsPerEpoch)} s/epoch) | ` +
      `stats on: ${f1(statsOn.msPerStep)} ms/step (${f1(statsOn.stepsPerSecond)} steps/s, ${f2(statsOn.secondsPerEpoch)} s/epoch) | ` +
      (timed.length
        ? timed.map((r) => `PyTorch ${r.key} ${r.version} (${plural('thread', r.threads)}): ${f1(r.msPerStep)} ms/step | ratio off ${f2(r.ratio.statsOff)}, on ${f2(r.ratio.statsOn)} | `).join('')
        : 'PyTorch: n/a | ') +
      `peak RSS ${f1(peakRssMiB)} MiB`,
  );
  if (profile) {
    lines.push('');
    lines.push(`tf.profile of one step with stats on: ${profile.kernels} kernel calls, ${f1(profile.kernelMs)} ms in kernels, ` +
      `${f1(profile.wallMs)} ms wall (the rest is JS and tfjs bookkeeping, inflated by profiling); ` +
      `${profile.scopesExcluded} custom-gradient entries left out (their time is their kernels')`);
    lines.push(...kernelTable(`top ${TOP_KERNELS} kernels by time:`, profile.byName));
    lines.push(...kernelTable(`top ${TOP_KERNELS} by kernel and input shapes:`, profile.byNameAndShape));
  }
  console.log(lines.join('\n'));

  const result = {
    backend,
    matMul: matMulEngine(),
    threads,
    blasThreads: args.blasThreads,
    network: NETWORK_LABEL,
    batchSize: BATCH_SIZE,
    optimizer: OPTIMIZER,
    reps: args.reps,
    steps: args.steps,
    warmup: args.warmup,
    stepsPerEpoch,
    statsOff,
    statsOn,
    statsOverhead: statsOn.msPerStep / statsOff.msPerStep,
    peakRssMiB,
    tensorsLeaked,
    torchSearch: search,
    torch,
    torchBuilds: Object.fromEntries(runs.map((r) => [r.key, r])),
    ...(ratio ? { ratio } : {}),
    ...(profile ? { profile } : {}),
  };
  if (args.json === '-') console.log(`\n${JSON.stringify(result, null, 2)}`);
  else if (args.json !== undefined) {
    writeJsonAtomic(args.json, result);
    console.log(`\nwrote ${args.json}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
