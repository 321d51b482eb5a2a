/**
 * `npm run bench -- --all`: full epochs (training on 54,000 images and validation on 6,000) of every
 * named experiment, ours with the statistics on and off, against the same config in every PyTorch build
 * found (bench/torch.ts), each on one thread (bench/torch_epoch.py, `OPENBLAS_NUM_THREADS=1` as well:
 * Debian's PyTorch multiplies in OpenBLAS, whose pool ignores `torch.set_num_threads`; `MKL_NUM_THREADS=1`
 * for pip's MKL build). Each figure is the median of `reps` epochs, the kinds taken in turn so that a
 * noisy moment of the machine hits them alike. The layer-wise
 * experiment is timed as one plain epoch of its full network (a stage's epoch costs at most that).
 */
import { performance } from 'perf_hooks';
import { FashionMNIST, loadFashionMNIST } from '../lib/dataset/fashionmnist';
import { EXPERIMENT_IDS, resolveSpec } from '../lib/spec/experiments';
import { skipPairs } from '../lib/network/models';
import { buildModel } from '../lib/runs/run';
import { RunSpec } from '../lib/spec/spec';
import { plainPlan, runBatches, trainWithStats } from '../lib/training/train';
import { TorchBuild, runTorchScript, torchEnv } from './torch';

/** One PyTorch build's epochs of a config. */
export interface BuildTiming {
  /** The median over its repetitions; null when none ran. */
  secondsPerEpoch: number | null;
  /** ours with statistics / this build, and ours without / this build. */
  ratio: number | null;
  ratioStatsOff: number | null;
  /** Every repetition's seconds, in order. */
  all: number[];
  /** Why its epochs stopped; the repetitions before stay in `all`. */
  error?: string;
}

export interface ConfigTiming {
  /** Medians over the repetitions. */
  oursSecondsPerEpoch: number;
  oursSecondsPerEpochStatsOff: number;
  /** The first build's (the first entry of `torchBuilds`): these three fields predate the builds. */
  torchSecondsPerEpoch: number | null;
  /** ours (statistics on) / the first build. */
  ratio: number | null;
  /** Every repetition's seconds, in order: ours with statistics, without, the first build. */
  all: { on: number[]; off: number[]; torch: number[] };
  /** Every build, by its key ('debian', 'pip', …), in the order found. */
  torchBuilds: Record<string, BuildTiming>;
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

function torchEpoch(build: TorchBuild, spec: RunSpec, dataDir: string): number {
  const out = runTorchScript<{ secondsPerEpoch: number }>(build, 'torch_epoch.py', ['--spec', torchSpec(spec), '--data', dataDir], torchEnv(build, 1, 1));
  if (!(out.secondsPerEpoch > 0 && Number.isFinite(out.secondsPerEpoch))) throw new Error(`bench/torch_epoch.py gave a bad secondsPerEpoch ${out.secondsPerEpoch}`);
  return out.secondsPerEpoch;
}

/** Times every experiment `reps` times, ours and each build (no PyTorch columns without builds). */
export async function benchAll(builds: TorchBuild[], reps: number): Promise<{ configs: Record<string, ConfigTiming>; lines: string[] }> {
  const data = loadFashionMNIST();
  const specOf = (id: string) => resolveSpec({ from: id, schedule: { kind: 'plain', epochs: 1 } }, { preset: 'default' });
  // warm the JIT and the kernels before the first timed epoch
  const warm = specOf('baseline');
  const warmModel = buildModel(warm);
  runBatches(warmModel, data.train, [Uint32Array.from({ length: 512 }, (_, i) => i)], { optimizer: warm.optimizer, stats: true });
  warmModel.dispose();
  const configs: Record<string, ConfigTiming> = {};
  const f2 = (x: number | null) => (x === null ? '—' : x.toFixed(2));
  const fx = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)}x`);
  const lines = [
    `one epoch (54,000 training + 6,000 validation images, batch 512) per experiment, median of ${reps}; PyTorch on 1 thread without statistics; ` +
      'ratio: ours with statistics / the build, off ratio: ours without / the build',
    '',
    `  ${'config'.padEnd(16)}${'ours s'.padStart(9)}${'stats off'.padStart(11)}` +
      builds.map((b) => `${`${b.key} s`.padStart(11)}${'ratio'.padStart(8)}${'off ratio'.padStart(11)}`).join(''),
  ];
  const errors: string[] = [];
  for (const id of EXPERIMENT_IDS) {
    const spec = specOf(id);
    const on: number[] = [];
    const off: number[] = [];
    const torch = builds.map(() => ({ all: [] as number[], error: undefined as string | undefined }));
    for (let r = 0; r < reps; r++) {
      off.push(await oursEpoch(spec, data, false));
      on.push(await oursEpoch(spec, data, true));
      builds.forEach((b, i) => {
        if (torch[i].error !== undefined) return;
        try {
          torch[i].all.push(torchEpoch(b, spec, data.source));
        } catch (e) {
          torch[i].error = (e as Error).message;
          errors.push(`${id}, ${b.key}: ${torch[i].error}`);
        }
      });
    }
    const [mOn, mOff] = [median(on), median(off)];
    const torchBuilds: Record<string, BuildTiming> = {};
    builds.forEach((b, i) => {
      const t = torch[i].all.length ? median(torch[i].all) : null;
      torchBuilds[b.key] = { secondsPerEpoch: t, ratio: t ? mOn / t : null, ratioStatsOff: t ? mOff / t : null, all: torch[i].all,
        ...(torch[i].error !== undefined ? { error: torch[i].error } : {}) };
    });
    const first = builds.length ? torchBuilds[builds[0].key] : undefined;
    configs[id] = { oursSecondsPerEpoch: mOn, oursSecondsPerEpochStatsOff: mOff, torchSecondsPerEpoch: first?.secondsPerEpoch ?? null,
      ratio: first?.ratio ?? null, all: { on, off, torch: first?.all ?? [] }, torchBuilds };
    lines.push(`  ${id.padEnd(16)}${f2(mOn).padStart(9)}${f2(mOff).padStart(11)}` +
      Object.values(torchBuilds).map((t) => `${f2(t.secondsPerEpoch).padStart(11)}${fx(t.ratio).padStart(8)}${fx(t.ratioStatsOff).padStart(11)}`).join(''));
  }
  if (errors.length) lines.push('', 'PyTorch runs that failed (their later repetitions of that config skipped):', ...errors.map((e) => `  ${e}`));
  return { configs, lines };
}
