/**
 * Training one spec over several seeds: seeds already in the run store are read from it, the others
 * are trained in worker processes (see `workerCount`; `VG_WORKERS` or `workers` to change) or, with
 * one worker, in this process; every finished run is stored.
 */
import { initBackend } from '../runtime/backend';
import { runInWorkers, workerCount } from '../runtime/workers';
import { FashionMNIST, dataIdentity, findDataDir } from './data';
import { History, runExperiment } from './run';
import { RunSet } from './seeds';
import { RunSpec } from './spec';
import { readStored, writeStored } from './store';
import { Progress } from './train';
import type { SeedJob, SeedReport } from './worker';

export interface SeedRunOptions {
  /** Record per-layer statistics. Default true. */
  stats?: boolean;
  /** Read finished runs from the run store and store new ones. Default true. */
  store?: boolean;
  /** Worker processes (default: see `workerCount`). 1 trains in this process. */
  workers?: number;
  /** Data already loaded, used (in this process) for the seed whose split and limit it has. */
  data?: FashionMNIST;
  /** Progress of the seed at position `i` of the seed list. */
  onProgress?: (i: number, p: Progress) => void;
  /** Called for each seed read from the store, with when it was stored. */
  onStored?: (i: number, storedAt: string) => void;
  shouldStop?: () => boolean;
  /** The run of the seed at position `i` so far, after each of its epochs (see `RunOptions.onCheckpoint`). */
  onCheckpoint?: (i: number, partial: History) => void;
}

/** Trains (or reads) `spec` for each of `seeds` and returns every seed's History in seed order. */
export async function runSeeds(spec: RunSpec, seeds: number[], options: SeedRunOptions = {}): Promise<RunSet> {
  if (seeds.length === 0) throw new Error('runSeeds needs at least one seed');
  const backend = await initBackend();
  const stats = options.stats ?? true;
  const useStore = options.store ?? true;
  const identity = options.data?.identity ?? dataIdentity(findDataDir());
  const specs = seeds.map((seed) => ({ ...spec, seed }));
  const hits = specs.map((s) => (useStore && stats ? readStored(s, backend, identity) : undefined));
  hits.forEach((hit, i) => hit && options.onStored?.(i, hit.storedAt));
  const runs: Array<History | undefined> = hits.map((hit) => hit?.history);
  const missing = specs.map((s, i) => ({ s, i })).filter(({ i }) => runs[i] === undefined);
  const size = workerCount(missing.length, options.workers);
  if (size <= 1) {
    for (const { s, i } of missing) {
      const data = options.data?.seed === s.seed && options.data.limit === s.limit ? options.data : undefined;
      runs[i] = await runExperiment(s, {
        stats, data, onProgress: (p) => options.onProgress?.(i, p), shouldStop: options.shouldStop,
        onCheckpoint: options.onCheckpoint && ((h) => options.onCheckpoint?.(i, h)),
      });
      if (options.shouldStop?.()) break;
    }
  } else if (missing.length > 0) {
    const trained = await runInWorkers<SeedJob, History, SeedReport>(
      'lib/training/worker.ts',
      missing.map(({ s }) => ({ spec: s, stats, checkpoints: options.onCheckpoint !== undefined })),
      {
        size,
        onProgress: (j, r) => (r.kind === 'checkpoint' ? options.onCheckpoint?.(missing[j].i, r.history) : options.onProgress?.(missing[j].i, r)),
        shouldStop: options.shouldStop,
      },
    );
    trained.forEach((h, j) => (runs[missing[j].i] = h));
  }
  if (useStore && stats) for (const { i } of missing) if (runs[i]) writeStored(runs[i] as History, identity);
  const kept = runs.flatMap((h, i) => (h ? [{ h, storedAt: hits[i]?.storedAt ?? null }] : []));
  return {
    experiment: spec.experiment,
    label: spec.label,
    config: specs[0],
    seeds: kept.map(({ h }) => h.seed),
    runs: kept.map(({ h }) => h),
    storedAt: kept.map(({ storedAt }) => storedAt),
  };
}
