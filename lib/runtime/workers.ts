/**
 * A pool of worker processes for independent jobs (one training run each). The wasm backend and the
 * OpenBLAS matMul each use one thread, so separate processes are how a run of several seeds uses
 * several cores. A worker is a TypeScript module started with `node --import tsx` that answers the
 * messages `serveJobs` describes.
 */
import { ChildProcess, fork } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { projectRoot } from './paths';
import { listenForStop } from './signals';

/**
 * Worker processes to use: `requested`, else `VG_WORKERS`, else up to twice the cores available; never
 * more than `jobs`. Twice: one more seed running beside the others beats a second round for it (the
 * README's "Presets, seeds, backends" gives the timings).
 */
export function workerCount(jobs: number, requested?: number): number {
  const fromEnv = process.env.VG_WORKERS;
  if (requested === undefined && fromEnv !== undefined && !/^[1-9]\d*$/.test(fromEnv)) {
    throw new Error(`VG_WORKERS must be a whole number ≥ 1, got "${fromEnv}"`);
  }
  const wanted = requested ?? (fromEnv !== undefined ? Number(fromEnv) : 2 * (os.availableParallelism?.() ?? os.cpus().length));
  return Math.max(1, Math.min(wanted, jobs));
}

type ToWorker<J> = { type: 'job'; index: number; job: J } | { type: 'stop' };
type FromWorker<R, P> =
  | { type: 'progress'; index: number; progress: P }
  | { type: 'done'; index: number; result: R }
  | { type: 'failed'; index: number; message: string };

export interface PoolOptions<P> {
  /** Worker processes (see `workerCount`). */
  size: number;
  onProgress?: (index: number, progress: P) => void;
  /** Polled while jobs run; once true, every worker is asked to stop its job early (it still answers). */
  shouldStop?: () => boolean;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Runs `jobs` in `size` worker processes of the module `entry` (a path under the project), a job at a
 * time per worker, and returns their results in job order (a job never started, after a stop, has
 * none). A job that fails rejects the whole call with its message, and every worker is ended.
 */
export function runJobs<J, R, P>(entry: string, jobs: J[], options: PoolOptions<P>): Promise<R[]> {
  const results: R[] = new Array(jobs.length);
  let next = 0;
  const children: ChildProcess[] = [];
  return new Promise<R[]>((resolve, reject) => {
    let settled = false;
    const stopTimer = options.shouldStop
      ? setInterval(() => {
          if (options.shouldStop?.()) for (const c of children) if (c.connected) c.send({ type: 'stop' } satisfies ToWorker<J>);
        }, 200)
      : undefined;
    const end = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (stopTimer) clearInterval(stopTimer);
      for (const c of children) {
        live.delete(c);
        if (c.connected) c.disconnect();
        if (error) c.kill();
      }
      if (error) reject(error);
      else resolve(results);
    };
    const busy = new Set<ChildProcess>();
    // Once a stop is asked for, no job starts: the call ends when the running ones have answered.
    const feed = (child: ChildProcess) => {
      if (next < jobs.length && !options.shouldStop?.()) {
        const index = next++;
        busy.add(child);
        child.send({ type: 'job', index, job: jobs[index] } satisfies ToWorker<J>);
      } else {
        busy.delete(child);
        if (child.connected) child.disconnect();
        if (busy.size === 0) end();
      }
    };
    for (let w = 0; w < Math.min(options.size, jobs.length); w++) {
      const child = fork(path.join(projectRoot(), entry), [], {
        cwd: projectRoot(),
        execArgv: ['--import', 'tsx'],
        serialization: 'advanced',
        env: { ...process.env, OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? '1' },
      });
      children.push(child);
      live.add(child);
      child.on('message', (raw) => {
        const msg = raw as FromWorker<R, P>;
        if (msg.type === 'progress') options.onProgress?.(msg.index, msg.progress);
        else if (msg.type === 'failed') end(new Error(msg.message));
        else {
          results[msg.index] = msg.result;
          feed(child);
        }
      });
      child.on('error', (e) => end(e));
      child.on('exit', (code, signal) => {
        live.delete(child);
        if (!settled && busy.has(child)) end(new Error(`a worker process ended (${signal ?? `exit code ${code}`}) before its job finished`));
      });
      feed(child);
    }
  });
}

/**
 * The worker's side: answers each job message with `work(job)`'s result, forwarding its progress
 * reports; `stopping()` tells the job whether the parent asked it to stop early.
 */
export function serveJobs<J, R, P>(work: (job: J, report: (p: P) => void, stopping: () => boolean) => Promise<R>): void {
  let stop = false;
  // Ctrl-C reaches the whole terminal's process group, workers included: a signal is a stop request
  // like the parent's, so the job answers with what it finished instead of dying with it.
  listenForStop({ onStop: () => (stop = true), onForce: () => process.exit(1) });
  process.on('message', (raw) => {
    const msg = raw as ToWorker<J>;
    if (msg.type === 'stop') {
      stop = true;
      return;
    }
    // A parent that is gone (a kernel that died) cannot be answered: a failed send ends the worker
    // quietly, as the disconnect it precedes would (without a callback it threw EPIPE, uncaught).
    const send = (m: FromWorker<R, P>) => {
      if (process.connected) process.send?.(m, undefined, undefined, (e) => e && process.exit(0));
    };
    work(msg.job, (progress) => send({ type: 'progress', index: msg.index, progress }), () => stop).then(
      (result) => send({ type: 'done', index: msg.index, result }),
      (e: Error) => send({ type: 'failed', index: msg.index, message: e.message }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
