/**
 * Training one spec over several seeds: seeds already in the run store are read from it, the others
 * are trained in worker processes (see `workerCount`; `VG_WORKERS` or `workers` to change) or, with
 * one worker, in this process; every finished run is stored under the version of lib/ that trained
 * it. A worker loads lib/ afresh: after an edit to lib/ in an open session (a notebook's kernel) its
 * code is not this process's, so every run is read and stored by the code that really runs it.
 */
import { initBackend } from '../runtime/backend';
import { describeFileError } from '../runtime/files';
import { currentLibVersion, libVersion } from '../runtime/version';
import { runJobs, workerCount } from '../runtime/workers';
import { FashionMNIST, dataIdentity, findDataDir } from '../dataset/fashionmnist';
import { History, runSpec } from './run';
import { RunSet } from './seeds';
import { RunSpec } from '../spec/spec';
import { readStored, storeDir, writeStored } from './store';
import { Progress } from '../training/train';
import type { SeedJob, SeedReport, SeedResult } from './worker';

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

/**
 * Stores each trained run. One that cannot be written (a full disk, a read-only folder) is named in
 * one warning on stderr and stays in the result: training it went fine, only the store lost it.
 */
function storeAll(label: string, trained: Array<{ history: History; lib?: string }>, identity: string): void {
  const unstored: number[] = [];
  let why = '';
  for (const { history, lib } of trained) {
    try {
      writeStored(history, identity, lib);
    } catch (e) {
      unstored.push(history.seed);
      why ||= describeFileError(e);
    }
  }
  if (unstored.length === 0) return;
  const seeds = `seed${unstored.length > 1 ? 's' : ''} ${unstored.join(', ')}`;
  const they = unstored.length > 1 ? ['runs were', 'they are', 'them'] : ['run was', 'it is', 'it'];
  console.error(`run store: could not store ${label} (${seeds}) in ${storeDir()}: ${why}. The ${they[0]} not stored: ${they[1]} in the result, ` +
    `and the next run trains ${they[2]} again. Make room there, or set VG_STORE_DIR to another folder.`);
}

/** Trains (or reads) `spec` for each of `seeds` and returns every seed's History in seed order. */
export async function runSeeds(spec: RunSpec, seeds: number[], options: SeedRunOptions = {}): Promise<RunSet> {
  if (seeds.length === 0) throw new Error('runSeeds needs at least one seed');
  const backend = await initBackend();
  const stats = options.stats ?? true;
  const useStore = options.store ?? true;
  const identity = options.data?.identity ?? dataIdentity(findDataDir());
  const specs = seeds.map((seed) => ({ ...spec, seed }));
  // lib/ edited since this process loaded it: the runs are read and trained by lib/ as it is now, in
  // workers (they load it afresh), unless the caller asked for this process, whose code is then not
  // the files' (tslab may even have re-imported some of them): such runs are not stored.
  const lib = useStore && stats ? currentLibVersion() : libVersion();
  const edited = lib !== libVersion();
  const hereAsked = workerCount(Number.POSITIVE_INFINITY, options.workers) === 1;
  const store = useStore && stats && !(edited && hereAsked);
  if (edited && useStore && stats) {
    console.error(`lib/ has changed since this process loaded it: ${spec.label} is ` + (hereAsked
      ? 'trained in this process with the library it loaded, and not stored (ask for 2 workers or more, or restart the kernel, to store it)'
      : 'read from the run store and trained in worker processes with lib/ as it is now; restart the kernel to run the edited lib/ here too'));
  }
  const hits = specs.map((s) => (store ? readStored(s, backend, identity, lib) : undefined));
  hits.forEach((hit, i) => hit && options.onStored?.(i, hit.storedAt));
  const runs: Array<History | undefined> = hits.map((hit) => hit?.history);
  /** The version of lib/ that trained each of `runs` trained now. */
  const trainedBy: Array<string | undefined> = specs.map(() => undefined);
  const missing = specs.map((s, i) => ({ s, i })).filter(({ i }) => runs[i] === undefined);
  const size = workerCount(missing.length, options.workers);
  // After an edit even one seed goes to a worker: this process's code is not lib/'s.
  const inWorkers = size > 1 || (edited && !hereAsked);
  if (missing.length > 0 && !inWorkers) {
    for (const { s, i } of missing) {
      const data = options.data?.seed === s.seed && options.data.limit === s.limit ? options.data : undefined;
      runs[i] = await runSpec(s, {
        stats, data, onProgress: (p) => options.onProgress?.(i, p), shouldStop: options.shouldStop,
        onCheckpoint: options.onCheckpoint && ((h) => options.onCheckpoint?.(i, h)),
      });
      trainedBy[i] = libVersion();
      if (options.shouldStop?.()) break;
    }
  } else if (missing.length > 0) {
    const trained = await runJobs<SeedJob, SeedResult, SeedReport>(
      'lib/runs/worker.ts',
      missing.map(({ s }) => ({ spec: s, stats, checkpoints: options.onCheckpoint !== undefined })),
      {
        size,
        onProgress: (j, r) => (r.kind === 'checkpoint' ? options.onCheckpoint?.(missing[j].i, r.history) : options.onProgress?.(missing[j].i, r)),
        shouldStop: options.shouldStop,
      },
    );
    trained.forEach((r, j) => {
      runs[missing[j].i] = r.history;
      trainedBy[missing[j].i] = r.lib;
    });
  }
  if (store) storeAll(spec.label, missing.flatMap(({ i }) => (runs[i] ? [{ history: runs[i] as History, lib: trainedBy[i] }] : [])), identity);
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
