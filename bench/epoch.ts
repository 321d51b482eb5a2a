/**
 * One process of `bench --both-cores`: times `epochs` epochs of a named experiment as the notebooks train
 * it (statistics on, validation after each epoch) after one warm-up step, and prints
 * {"secondsPerEpoch": …} on its last line. OpenBLAS takes its thread count from OPENBLAS_NUM_THREADS.
 *
 *   node --import tsx bench/epoch.ts <experiment> <epochs>
 */
import { performance } from 'perf_hooks';
import { initBackend } from '../lib/runtime/backend';
import { loadFashionMNIST } from '../lib/dataset/fashionmnist';
import { resolveSpec } from '../lib/spec/experiments';
import { buildModel } from '../lib/runs/run';
import { plainPlan, runBatches, trainWithStats } from '../lib/training/train';

async function main(id: string, epochs: number): Promise<void> {
  await initBackend();
  const data = loadFashionMNIST();
  const spec = resolveSpec({ from: id, schedule: { kind: 'plain', epochs } }, { preset: 'default' });
  const model = buildModel(spec);
  runBatches(model, data.train, [Uint32Array.from({ length: spec.batchSize }, (_, i) => i)], { optimizer: spec.optimizer, stats: true });
  const t0 = performance.now();
  const result = await trainWithStats(model, data, plainPlan(spec));
  if (result.stopped) throw new Error(result.stopped.message);
  console.log(JSON.stringify({ secondsPerEpoch: (performance.now() - t0) / 1000 / epochs }));
}

main(process.argv[2] ?? 'baseline', Number(process.argv[3] ?? 2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
