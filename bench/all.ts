/**
 * `npm run bench -- --all`: full epochs (training on 54,000 images and validation on 6,000) of every
 * named experiment, ours with the statistics on and off, against the same config in PyTorch on one
 * thread (bench/torch_epoch.py, `OPENBLAS_NUM_THREADS=1` as well: Debian's PyTorch multiplies in
 * OpenBLAS, whose pool ignores `torch.set_num_threads`). Each figure is the median of `reps` epochs,
 * the three kinds taken in turn so that a noisy moment of the machine hits them alike. The layer-wise
 * experiment is timed as one plain epoch of its full network (a stage's epoch costs at most that).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { FashionMNIST, loadFashionMNIST } from '../lib/training/data';
import { EXPERIMENT_IDS, resolveSpec } from '../lib/training/experiments';
import { skipPairs } from '../lib/network/models';
import { buildModel } from '../lib/training/run';
import { RunSpec } from '../lib/training/spec';
import { plainPlan, runTrainingSteps, trainWithStats } from '../lib/training/train';

export interface ConfigTiming {
  /** Medians over the repetitions. */
  oursSecondsPerEpoch: number;
  oursSecondsPerEpochStatsOff: number;
  torchSecondsPerEpoch: number | null;
  /** ours (statistics on) / PyTorch. */
  ratio: number | null;
  /** Every repetition's seconds, in order: ours with statistics, without, PyTorch. */
  all: { on: number[]; off: number[]; torch: number[] };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function oursEpoch(spec: RunSpec, data: FashionMNIST, stats: boolean): Promise<number> {
  const model = buildModel(spec);
  try {
    const t0 = performance.now();
    const result = await trainWithStats(model, data, plainPlan(spec), { stats });
    if (result.stopped) throw new Error(`${spec.experiment}: ${result.stopped.message}`);
    return (performance.now() - t0) / 1000;
  } finally {
    model.dispose();
  }
}

/** The run spec as bench/torch_epoch.py reads it: JSON, with the skip pairs resolved. */
export function torchSpec(spec: RunSpec): string {
  return JSON.stringify({ ...spec, model: { ...spec.model, skipPairs: skipPairs(spec.model.skip, spec.model.depth) } });
}

function torchEpoch(python: string | undefined, spec: RunSpec, dataDir: string): number | null {
  if (!python) return null;
  const r = spawnSync(python, [path.join(__dirname, 'torch_epoch.py'), '--spec', torchSpec(spec), '--data', dataDir], {
    cwd: __dirname,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`bench/torch_epoch.py failed on ${spec.experiment}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { secondsPerEpoch: number }).secondsPerEpoch;
}

/** Times every experiment `reps` times; `python` is one that imports torch (no PyTorch column without it). */
export async function benchAll(python: string | undefined, reps: number): Promise<{ configs: Record<string, ConfigTiming>; lines: string[] }> {
  const data = loadFashionMNIST();
  const specOf = (id: string) => resolveSpec({ from: id, schedule: { kind: 'plain', epochs: 1 } }, { preset: 'default' });
  // warm the JIT and the kernels before the first timed epoch
  const warm = specOf('baseline');
  const warmModel = buildModel(warm);
  runTrainingSteps(warmModel, data.train, [Uint32Array.from({ length: 512 }, (_, i) => i)], { optimizer: warm.optimizer, stats: true });
  warmModel.dispose();
  const configs: Record<string, ConfigTiming> = {};
  const f2 = (x: number | null) => (x === null ? '—' : x.toFixed(2));
  const lines = [
    `one epoch (54,000 training + 6,000 validation images, batch 512) per experiment, median of ${reps}; PyTorch on 1 thread without statistics`,
    '',
    `  ${'config'.padEnd(16)}${'PyTorch s'.padStart(11)}${'ours s'.padStart(9)}${'stats off'.padStart(11)}${'ratio'.padStart(8)}${'off ratio'.padStart(11)}`,
  ];
  for (const id of EXPERIMENT_IDS) {
    const spec = specOf(id);
    const all = { on: [] as number[], off: [] as number[], torch: [] as number[] };
    for (let r = 0; r < reps; r++) {
      all.off.push(await oursEpoch(spec, data, false));
      all.on.push(await oursEpoch(spec, data, true));
      const t = torchEpoch(python, spec, data.source);
      if (t !== null) all.torch.push(t);
    }
    const [on, off] = [median(all.on), median(all.off)];
    const torch = all.torch.length ? median(all.torch) : null;
    configs[id] = { oursSecondsPerEpoch: on, oursSecondsPerEpochStatsOff: off, torchSecondsPerEpoch: torch, ratio: torch ? on / torch : null, all };
    lines.push(`  ${id.padEnd(16)}${f2(torch).padStart(11)}${f2(on).padStart(9)}${f2(off).padStart(11)}` +
      `${(torch ? `${(on / torch).toFixed(2)}x` : '—').padStart(8)}${(torch ? `${(off / torch).toFixed(2)}x` : '—').padStart(11)}`);
  }
  return { configs, lines };
}
