/**
 * The benchmark command end to end, with tiny settings: it runs, its JSON holds positive finite
 * figures, and it reports PyTorch consistently (a ratio exactly when a Python with torch exists).
 */
import { execFile, spawnSync } from 'child_process';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'node:test';
import { promisify } from 'util';
import { findDataDir } from '../../lib/training/data';
import { projectRoot } from '../../lib/runtime/paths';

const run = promisify(execFile);
const root = projectRoot();

function hasData(): boolean {
  try {
    findDataDir();
    return true;
  } catch {
    return false;
  }
}

/** The same search bench.ts makes. */
function torchAvailable(): boolean {
  return ['python3', '/usr/bin/python3'].some((py) => spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
}

function bench(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('npx', ['tsx', 'bench/bench.ts', ...args], { cwd: root, timeout: 120_000, maxBuffer: 16 << 20 });
}

function positiveFinite(value: unknown, what: string): void {
  assert.ok(typeof value === 'number' && Number.isFinite(value) && value > 0, `${what} should be a positive finite number, got ${String(value)}`);
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function checkResult(json: Json, expectTorch: boolean): void {
  assert.ok(['wasm', 'cpu', 'tensorflow'].includes(json.backend), `backend ${json.backend}`);
  positiveFinite(json.threads, 'threads');
  assert.equal(json.batchSize, 512);
  assert.equal(json.stepsPerEpoch, 106);
  for (const mode of ['statsOff', 'statsOn']) {
    for (const field of ['msPerStep', 'stepsPerSecond', 'secondsPerEpoch']) positiveFinite(json[mode][field], `${mode}.${field}`);
    assert.ok(Math.abs(json[mode].secondsPerEpoch - (json[mode].msPerStep * 106) / 1000) < 1e-9, `${mode}: s/epoch = ms/step × 106`);
    assert.ok(Math.abs(json[mode].stepsPerSecond * json[mode].msPerStep - 1000) < 1e-6, `${mode}: steps/s = 1000 / ms/step`);
  }
  positiveFinite(json.peakRssMiB, 'peakRssMiB');
  assert.equal(json.tensorsLeaked, 0, 'the timed steps leak no tensors');
  assert.equal(json.torch.found, expectTorch, `torch found should be ${expectTorch}`);
  if (expectTorch) {
    assert.equal(json.torch.error, undefined, `the PyTorch reference failed: ${json.torch.error}`);
    positiveFinite(json.torch.msPerStep, 'torch.msPerStep');
    assert.equal(json.torch.threads, json.threads, 'PyTorch runs with as many threads as tfjs');
    positiveFinite(json.ratio?.statsOff, 'ratio.statsOff');
    positiveFinite(json.ratio?.statsOn, 'ratio.statsOn');
    assert.ok(Math.abs(json.ratio.statsOff - json.statsOff.msPerStep / json.torch.msPerStep) < 1e-9);
  } else {
    assert.equal(json.ratio, undefined, 'no ratio without torch');
  }
}

const skip = hasData() ? false : 'FashionMNIST is not installed';

test('bench --reps 1 --steps 2 --json prints a table and consistent JSON', { skip, timeout: 120_000 }, async () => {
  const expectTorch = torchAvailable();
  const { stdout } = await bench(['--reps', '1', '--steps', '2', '--json']);
  const start = stdout.indexOf('\n{\n');
  assert.ok(start >= 0, `no JSON object in the output:\n${stdout}`);
  const table = stdout.slice(0, start);
  const json = JSON.parse(stdout.slice(start + 1)) as Json;
  checkResult(json, expectTorch);
  assert.match(table, new RegExp(`backend ${json.backend} \\| stats off: [\\d.]+ ms/step`));
  assert.match(table, /peak RSS [\d.]+ MiB/);
  if (expectTorch) assert.match(table, /ratio off [\d.]+, on [\d.]+/);
  else assert.match(table, /PyTorch: not found/);
});

test('bench --json FILE --profile writes the JSON and lists the top kernels', { skip, timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-bench-'));
  try {
    const file = path.join(dir, 'bench.json');
    const { stdout } = await bench(['--reps', '1', '--steps', '1', '--warmup', '1', '--profile', '--json', file]);
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    checkResult(json, torchAvailable());
    assert.ok(json.profile.byName.length > 0 && json.profile.byName.length <= 10);
    positiveFinite(json.profile.kernelMs, 'profile.kernelMs');
    const names = json.profile.byName.map((r: Json) => r.name as string);
    assert.ok(names.includes('BatchMatMul'), `BatchMatMul among the top kernels: ${names.join(', ')}`);
    assert.match(stdout, /top 10 kernels by time:/);
    assert.ok(!stdout.includes('\n{\n'), 'with a FILE, no JSON on stdout');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bench --blas-threads 2 gives OpenBLAS two threads on both sides and says so', { skip, timeout: 120_000 }, async () => {
  const expectTorch = torchAvailable();
  const { stdout } = await bench(['--reps', '1', '--steps', '2', '--warmup', '1', '--blas-threads', '2', '--json']);
  const start = stdout.indexOf('\n{\n');
  const json = JSON.parse(stdout.slice(start + 1)) as Json;
  checkResult(json, expectTorch);
  assert.equal(json.blasThreads, 2);
  assert.match(stdout.slice(0, start), /OpenBLAS 2 threads/);
  if (expectTorch) assert.match(stdout.slice(0, start), /PyTorch \S+ \(1t \+2 BLAS\)/);
});

test('bench rejects a bad argument with exit code 2 and the usage', { timeout: 60_000 }, async () => {
  await assert.rejects(bench(['--reps', '0']), (e: { code?: number; stderr?: string }) => {
    assert.equal(e.code, 2);
    assert.match(e.stderr ?? '', /--reps must be a whole number ≥ 1, got "0"/);
    assert.match(e.stderr ?? '', /usage: npm run --silent bench/);
    return true;
  });
});

test('bench --both-cores --json FILE: the baseline in one process, two at once and with two BLAS threads, PyTorch beside exactly when installed', { skip, timeout: 600_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-bench-cores-'));
  try {
    const file = path.join(dir, 'cores.json');
    const { stdout } = await run('npx', ['tsx', 'bench/bench.ts', '--both-cores', '--reps', '1', '--json', file], { cwd: root, timeout: 600_000, maxBuffer: 16 << 20 });
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    assert.equal(json.epochs, 1);
    const torch = torchAvailable();
    for (const side of torch ? ['ours', 'torch'] : ['ours']) {
      assert.deepEqual(json[side].map((w: Json) => [w.processes, w.blasThreads]), [[1, 1], [2, 1], [1, 2]], side);
      for (const w of json[side]) {
        positiveFinite(w.secondsPerEpoch, `${side} ${w.processes}p ${w.blasThreads}t`);
        assert.ok(Math.abs(w.epochsPerMinute - (60 * w.processes) / w.secondsPerEpoch) < 1e-9, 'epochs per minute over the machine');
      }
    }
    if (!torch) assert.equal(json.torch, null);
    assert.match(stdout, /^ours on both cores at best: \d processes?, \d BLAS threads?, [\d.]+ epochs\/min$/m);
    assert.equal(/PyTorch on both cores at best/.test(stdout), torch);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bench --all with --both-cores is a usage error', { timeout: 60_000 }, async () => {
  await assert.rejects(bench(['--all', '--both-cores']), (e: { code?: number; stderr?: string }) => {
    assert.equal(e.code, 2);
    assert.match(e.stderr ?? '', /--all and --both-cores are separate benchmarks: give one/);
    return true;
  });
});

test('bench --all --json FILE times one epoch of every experiment, with PyTorch exactly when it is installed', { skip, timeout: 600_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-bench-all-'));
  try {
    const file = path.join(dir, 'all.json');
    const { stdout } = await run('npx', ['tsx', 'bench/bench.ts', '--all', '--reps', '1', '--json', file], { cwd: root, timeout: 600_000, maxBuffer: 16 << 20 });
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    const ids = ['baseline', 'weight-std-1', 'weight-std-10', 'relu', 'adam', 'batchnorm', 'custom-norm', 'skip', 'layerwise', 'grad-norm'];
    assert.deepEqual(Object.keys(json.configs), ids);
    const torch = torchAvailable();
    for (const id of ids) {
      const c = json.configs[id];
      positiveFinite(c.oursSecondsPerEpoch, `${id} ours`);
      positiveFinite(c.oursSecondsPerEpochStatsOff, `${id} ours, stats off`);
      assert.deepEqual([c.all.on, c.all.off], [[c.oursSecondsPerEpoch], [c.oursSecondsPerEpochStatsOff]], `${id}: one epoch of each, as asked`);
      assert.match(stdout, new RegExp(`^  ${id}\\s`, 'm'), `a table row for ${id}`);
      if (torch) {
        positiveFinite(c.torchSecondsPerEpoch, `${id} PyTorch`);
        assert.ok(Math.abs(c.ratio - c.oursSecondsPerEpoch / c.torchSecondsPerEpoch) < 1e-12, `${id}: ratio = ours / PyTorch`);
        assert.deepEqual(c.all.torch, [c.torchSecondsPerEpoch], `${id}: one PyTorch epoch`);
      } else {
        assert.equal(c.torchSecondsPerEpoch, null);
        assert.equal(c.ratio, null);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
