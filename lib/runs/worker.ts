/** A worker process of `runSeeds`: trains the specs it is sent, one at a time (see runtime/workers.ts). */
import { libVersion } from '../runtime/version';
import { serveJobs } from '../runtime/workers';
import { History, runSpec } from './run';
import { RunSpec } from '../spec/spec';
import { Progress } from '../training/train';

export interface SeedJob {
  spec: RunSpec;
  stats: boolean;
  /** Send the run so far after every epoch (`RunOptions.onCheckpoint`). */
  checkpoints?: boolean;
}

/** A trained run and the version of lib/ this worker loaded (`libVersion`): the code that made it. */
export interface SeedResult {
  history: History;
  lib: string;
}

/** What a worker reports while it trains: progress, and the run so far after each epoch if asked. */
export type SeedReport = Progress | { kind: 'checkpoint'; history: History };

/** Progress is sent at most this often (and at every epoch's end): the parent redraws on each. */
const PROGRESS_MS = 300;

serveJobs<SeedJob, SeedResult, SeedReport>(async (job, report, stopping) => {
  let last = 0;
  const history = await runSpec(job.spec, {
    stats: job.stats,
    shouldStop: stopping,
    onCheckpoint: job.checkpoints ? (h) => report({ kind: 'checkpoint', history: h }) : undefined,
    onProgress: (p) => {
      const now = Date.now();
      if (p.kind === 'step' && now - last < PROGRESS_MS) return;
      last = now;
      report(p);
    },
  });
  return { history, lib: libVersion() };
});
