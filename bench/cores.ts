/**
 * `npm run bench -- --both-cores`: how ours and PyTorch use both cores of this machine on the study's
 * baseline, each way measured in the same run. A way is some processes started together, each training
 * the same epochs with some OpenBLAS threads: one process on one thread (the reference), two processes
 * on one thread each (what the reports job and multi-seed runs do: one seed per process), and one
 * process with two OpenBLAS threads (one run on both cores). Ours trains with statistics on, as the
 * notebooks do; PyTorch without (bench/torch_epoch.py). Throughput is epochs per minute over the
 * machine: processes × 60 / (seconds per epoch of each).
 */
import { spawn } from 'child_process';
import * as path from 'path';

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

function runProcess(command: string, args: string[], blasThreads: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: path.join(__dirname, '..'),
      env: { ...process.env, OPENBLAS_NUM_THREADS: String(blasThreads), OMP_NUM_THREADS: '1' },
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

async function measure(way: { processes: number; blasThreads: number }, start: () => [string, string[]]): Promise<CoreWay> {
  const seconds = await Promise.all(Array.from({ length: way.processes }, () => runProcess(...start(), way.blasThreads)));
  const secondsPerEpoch = seconds.reduce((a, b) => a + b, 0) / seconds.length;
  return { ...way, secondsPerEpoch, epochsPerMinute: (way.processes * 60) / secondsPerEpoch };
}

/** Every way for ours and, with `python` (one that imports torch) and the run spec `torchSpec`, for PyTorch. */
export async function benchCores(epochs: number, python: string | undefined, torchSpec: string, dataDir: string):
    Promise<{ ours: CoreWay[]; torch: CoreWay[] | null; lines: string[] }> {
  const ours: CoreWay[] = [];
  const torch: CoreWay[] = [];
  for (const way of WAYS) {
    ours.push(await measure(way, () => [process.execPath, ['--import', 'tsx', path.join(__dirname, 'epoch.ts'), 'baseline', String(epochs)]]));
    if (python) {
      torch.push(await measure(way, () => [python, [path.join(__dirname, 'torch_epoch.py'), '--spec', torchSpec, '--data', dataDir, '--epochs', String(epochs)]]));
    }
  }
  const label = (w: CoreWay) => `${w.processes} process${w.processes > 1 ? 'es' : ''}, ${w.blasThreads} BLAS thread${w.blasThreads > 1 ? 's' : ''}`;
  const lines = [
    `both cores: the baseline, ${epochs} epoch(s) per process, processes started together; ours with statistics, PyTorch without`,
    '',
    `  ${'way'.padEnd(30)}${'ours s/epoch'.padStart(14)}${'epochs/min'.padStart(12)}${'PyTorch s/epoch'.padStart(17)}${'epochs/min'.padStart(12)}${'ratio'.padStart(8)}`,
    ...ours.map((o, i) => {
      const t = torch[i];
      return `  ${label(o).padEnd(30)}${o.secondsPerEpoch.toFixed(2).padStart(14)}${o.epochsPerMinute.toFixed(1).padStart(12)}` +
        (t ? `${t.secondsPerEpoch.toFixed(2).padStart(17)}${t.epochsPerMinute.toFixed(1).padStart(12)}${`${(t.epochsPerMinute / o.epochsPerMinute).toFixed(2)}x`.padStart(8)}` : '');
    }),
  ];
  const best = (ws: CoreWay[]) => ws.reduce((a, b) => (b.epochsPerMinute > a.epochsPerMinute ? b : a));
  const ob = best(ours);
  lines.push('', `ours on both cores at best: ${label(ob)}, ${ob.epochsPerMinute.toFixed(1)} epochs/min`);
  if (torch.length) {
    const tb = best(torch);
    lines.push(`PyTorch on both cores at best: ${label(tb)}, ${tb.epochsPerMinute.toFixed(1)} epochs/min; ` +
      `ours takes ${(tb.epochsPerMinute / ob.epochsPerMinute).toFixed(2)}x PyTorch's time for the same epochs (ratio: PyTorch's throughput over ours)`);
  }
  return { ours, torch: torch.length ? torch : null, lines };
}
