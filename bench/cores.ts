/**
 * `npm run bench -- --both-cores`: how ours and PyTorch use both cores of this machine on the study's
 * baseline, each way measured in the same run. A way is some processes started together, each training
 * the same epochs with some OpenBLAS threads: one process on one thread (the reference), two processes
 * on one thread each (what the reports job and multi-seed runs do: one seed per process), and one
 * process with two OpenBLAS threads (one run on both cores). Ours trains with statistics on, as the
 * notebooks do; every PyTorch build found (bench/torch.ts) without (bench/torch_epoch.py; an MKL build's
 * two BLAS threads are two threads of PyTorch's own pool, where its products run). Throughput is epochs
 * per minute over the machine: processes × 60 / (seconds per epoch of each).
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { TorchBuild, torchEnv } from './torch';

export interface CoreWay {
  processes: number;
  blasThreads: number;
  /** The mean over the processes of each one's seconds per epoch. */
  secondsPerEpoch: number;
  epochsPerMinute: number;
}

export const WAYS = [
  { processes: 1, blasThreads: 1 },
  { processes: 2, blasThreads: 1 },
  { processes: 1, blasThreads: 2 },
] as const;

type Start = (blasThreads: number) => { command: string; args: string[]; env: NodeJS.ProcessEnv };

function runProcess({ command, args, env }: ReturnType<Start>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: path.join(__dirname, '..'),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve((JSON.parse(last) as { secondsPerEpoch: number }).secondsPerEpoch);
      } catch (e) {
        reject(new Error(`${[command, ...args].join(' ')} failed (${(e as Error).message}): ${err.trim().split('\n').slice(-3).join(' | ')}`));
      }
    });
  });
}

async function measure(way: { processes: number; blasThreads: number }, start: Start): Promise<CoreWay> {
  const seconds = await Promise.all(Array.from({ length: way.processes }, () => runProcess(start(way.blasThreads))));
  const secondsPerEpoch = seconds.reduce((a, b) => a + b, 0) / seconds.length;
  return { ...way, secondsPerEpoch, epochsPerMinute: (way.processes * 60) / secondsPerEpoch };
}

/**
 * Every way for ours and for each build, given the run spec `torchSpec` as bench/torch_epoch.py reads it.
 * `torch` is the first build's ways (it predates the builds), `torchBuilds` every build's by key; a build
 * whose run fails keeps the ways measured before and names the failure in `errors`.
 */
export async function benchCores(epochs: number, builds: TorchBuild[], torchSpec: string, dataDir: string):
    Promise<{ ours: CoreWay[]; torch: CoreWay[] | null; torchBuilds: Record<string, CoreWay[]>; errors: Record<string, string>; lines: string[] }> {
  const ours: CoreWay[] = [];
  const torchBuilds: Record<string, CoreWay[]> = Object.fromEntries(builds.map((b) => [b.key, []]));
  const errors: Record<string, string> = {};
  const oursStart: Start = (blasThreads) => ({
    command: process.execPath,
    args: ['--import', 'tsx', path.join(__dirname, 'epoch.ts'), 'baseline', String(epochs)],
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(blasThreads), OMP_NUM_THREADS: '1' },
  });
  const torchStart = (b: TorchBuild): Start => (blasThreads) => ({
    command: b.python,
    args: [path.join(__dirname, 'torch_epoch.py'), '--spec', torchSpec, '--data', dataDir, '--epochs', String(epochs), '--blas-threads', String(blasThreads)],
    env: torchEnv(b, 1, blasThreads),
  });
  for (const way of WAYS) {
    ours.push(await measure(way, oursStart));
    for (const b of builds) {
      if (b.key in errors) continue;
      try {
        torchBuilds[b.key].push(await measure(way, torchStart(b)));
      } catch (e) {
        errors[b.key] = (e as Error).message;
      }
    }
  }
  const label = (w: CoreWay) => `${w.processes} process${w.processes > 1 ? 'es' : ''}, ${w.blasThreads} BLAS thread${w.blasThreads > 1 ? 's' : ''}`;
  const lines = [
    `both cores: the baseline, ${epochs} epoch(s) per process, processes started together; ours with statistics, PyTorch without; ` +
      "ratio: the build's epochs/min over ours",
    '',
    `  ${'way'.padEnd(30)}${'ours s/epoch'.padStart(14)}${'epochs/min'.padStart(12)}` +
      builds.map((b) => `${`${b.key} s/epoch`.padStart(17)}${'epochs/min'.padStart(12)}${'ratio'.padStart(8)}`).join(''),
    ...ours.map((o, i) => `  ${label(o).padEnd(30)}${o.secondsPerEpoch.toFixed(2).padStart(14)}${o.epochsPerMinute.toFixed(1).padStart(12)}` +
      builds.map((b) => {
        const t = torchBuilds[b.key][i];
        return t ? `${t.secondsPerEpoch.toFixed(2).padStart(17)}${t.epochsPerMinute.toFixed(1).padStart(12)}${`${(t.epochsPerMinute / o.epochsPerMinute).toFixed(2)}x`.padStart(8)}`
          : `${'—'.padStart(17)}${'—'.padStart(12)}${'—'.padStart(8)}`;
      }).join('')),
  ];
  const best = (ws: CoreWay[]) => ws.reduce((a, b) => (b.epochsPerMinute > a.epochsPerMinute ? b : a));
  const ob = best(ours);
  lines.push('', `ours on both cores at best: ${label(ob)}, ${ob.epochsPerMinute.toFixed(1)} epochs/min`);
  for (const b of builds) {
    const ways = torchBuilds[b.key];
    if (ways.length) {
      const tb = best(ways);
      lines.push(`${b.label} on both cores at best: ${label(tb)}, ${tb.epochsPerMinute.toFixed(1)} epochs/min; ` +
        `ours takes ${(tb.epochsPerMinute / ob.epochsPerMinute).toFixed(2)}x its time for the same epochs`);
    }
    if (b.key in errors) lines.push(`${b.label}: its run failed, later ways skipped: ${errors[b.key]}`);
  }
  return { ours, torch: builds.length ? torchBuilds[builds[0].key] : null, torchBuilds, errors, lines };
}
