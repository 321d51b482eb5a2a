/**
 * The benchmark command end to end, with tiny settings: it runs, its JSON holds positive finite
 * figures, and it reports PyTorch consistently (a ratio against each build exactly when Pythons with
 * torch exist). The search for builds and the JSON of two builds are also checked with fake Pythons,
 * shell scripts that answer bench's Python scripts with fixed figures, so they run where no PyTorch is.
 */
import { execFile, spawnSync } from 'child_process';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'node:test';
import { promisify } from 'util';
import { findDataDir } from '../../lib/dataset/fashionmnist';
import { projectRoot } from '../../lib/runtime/paths';
import { TorchNotFound, findTorchBuilds } from '../../bench/torch';

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

/** How many distinct PyTorch builds the bench's default search should find: its candidates, told apart by their torch. */
function torchBuilds(): number {
  const files = new Set<string>();
  for (const py of ['python3', '/usr/bin/python3', path.join(root, '.venv-torch', 'bin', 'python')]) {
    const r = spawnSync(py, ['-c', 'import os, torch; print(os.path.realpath(torch.__file__))'], { encoding: 'utf8' });
    if (r.status === 0) files.add(r.stdout.trim());
  }
  return files.size;
}
const torchAvailable = (): boolean => torchBuilds() > 0;

/** The bench with the default search for PyTorch, whatever the caller's environment names. */
function bench(args: string[], env: NodeJS.ProcessEnv = {}, timeout = 600_000): Promise<{ stdout: string; stderr: string }> {
  const { VG_TORCH_PYTHON: _, ...base } = process.env;
  // node itself, not npx: a timeout then stops the bench, not only a wrapper around it
  return run(process.execPath, ['--import', 'tsx', 'bench/bench.ts', ...args], { cwd: root, timeout, maxBuffer: 16 << 20, env: { ...base, ...env } });
}
// The machine may be shared: epochs of every config, ours and each build's, take minutes when it is busy.
const LONG = 1_200_000;

interface FakeBuild {
  version: string;
  installer: string;
  torchFile: string;
  /** What its torch_step.py prints as ms/step, and its torch_epoch.py as seconds per epoch. */
  msPerStep: number;
  secondsPerEpoch: number;
  /** Its torch_build.py fails as a Python without torch does. */
  noTorch?: boolean;
}

/** A fake Python at `file`: a shell script answering bench's three Python scripts, told apart by name. */
function fakePython(file: string, b: FakeBuild): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const build = JSON.stringify({ version: b.version, blas: 'FakeBLAS', installer: b.installer, torchFile: b.torchFile, python: file });
  const step = JSON.stringify({ msPerStep: b.msPerStep, msPerStepAll: [b.msPerStep], threads: 1, torch: b.version, data: 'fake' });
  const epoch = JSON.stringify({ secondsPerEpoch: b.secondsPerEpoch });
  fs.writeFileSync(file, `#!/bin/sh
case "$1" in
  *torch_build.py) ${b.noTorch ? `echo "ModuleNotFoundError: No module named 'torch'" >&2; exit 1` : `echo '${build}'`} ;;
  *torch_step.py) echo '${step}' ;;
  *torch_epoch.py) echo '${epoch}' ;;
  *) echo "fake python: unexpected $*" >&2; exit 3 ;;
esac
`, { mode: 0o755 });
  return file;
}

function withTmp<T>(prefix: string, body: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return Promise.resolve().then(() => body(dir)).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
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
  const keys = json.torchSearch.builds.map((b: Json) => b.key);
  assert.deepEqual(Object.keys(json.torchBuilds), keys, 'one run per build found, in order');
  for (const key of keys) {
    const r = json.torchBuilds[key];
    assert.equal(r.error, undefined, `the PyTorch reference ${key} failed: ${r.error}`);
    positiveFinite(r.msPerStep, `${key}.msPerStep`);
    // an MKL build's BLAS threads are threads of its own pool
    assert.equal(r.threads, r.blas === 'MKL' ? Math.max(json.threads, json.blasThreads) : json.threads, `${key} runs with as many threads as tfjs`);
    assert.ok(Math.abs(r.ratio.statsOff - json.statsOff.msPerStep / r.msPerStep) < 1e-9, `${key}: ratio off = ours / it`);
    assert.ok(Math.abs(r.ratio.statsOn - json.statsOn.msPerStep / r.msPerStep) < 1e-9, `${key}: ratio on = ours / it`);
  }
  if (expectTorch) {
    assert.deepEqual(json.torch, json.torchBuilds[keys[0]], 'torch is the first build found');
    assert.deepEqual(json.ratio, json.torch.ratio, 'ratio is the first build\'s');
    positiveFinite(json.ratio?.statsOff, 'ratio.statsOff');
    positiveFinite(json.ratio?.statsOn, 'ratio.statsOn');
  } else {
    assert.equal(json.ratio, undefined, 'no ratio without torch');
  }
}

const skip = hasData() ? false : 'FashionMNIST is not installed';

test('bench --reps 1 --steps 2 --json prints a table and consistent JSON, against every build the search finds', { skip, timeout: 600_000 }, async () => {
  const builds = torchBuilds();
  const { stdout } = await bench(['--reps', '1', '--steps', '2', '--json']);
  const start = stdout.indexOf('\n{\n');
  assert.ok(start >= 0, `no JSON object in the output:\n${stdout}`);
  const table = stdout.slice(0, start);
  const json = JSON.parse(stdout.slice(start + 1)) as Json;
  checkResult(json, builds > 0);
  assert.equal(json.torchSearch.builds.length, builds, 'every Python of the search with a torch of its own');
  assert.match(table, new RegExp(`backend ${json.backend} \\| stats off: [\\d.]+ ms/step`));
  assert.match(table, /peak RSS [\d.]+ MiB/);
  assert.equal(table.match(/ratio off [\d.]+, on [\d.]+/g)?.length ?? 0, builds, 'a ratio per build');
  if (!fs.existsSync(path.join(root, '.venv-torch'))) assert.match(table, /\.venv-torch: not there \(bash bench\/install-torch\.sh creates it\)/);
  if (builds === 0) assert.match(table, /PyTorch: not found/);
});

test('bench --torch-python A,B: ratios against each build, the first one in the older fields', { skip, timeout: 600_000 }, () =>
  withTmp('vg-bench-fake-', async (dir) => {
    const a = fakePython(path.join(dir, 'a', 'python'), { version: '9.1.0', installer: 'debian', torchFile: '/fake/a/torch/__init__.py', msPerStep: 5, secondsPerEpoch: 1 });
    // B named by its venv folder, as a user names .venv-torch
    fakePython(path.join(dir, 'venv-b', 'bin', 'python'), { version: '9.2.0+cpu', installer: 'pip', torchFile: '/fake/b/torch/__init__.py', msPerStep: 4, secondsPerEpoch: 1 });
    const { stdout } = await bench(['--reps', '1', '--steps', '2', '--warmup', '1', '--torch-python', `${a},${path.join(dir, 'venv-b')}`, '--json']);
    const start = stdout.indexOf('\n{\n');
    const table = stdout.slice(0, start);
    const json = JSON.parse(stdout.slice(start + 1)) as Json;
    checkResult(json, true);
    assert.deepEqual(json.torchSearch.builds.map((b: Json) => [b.key, b.label, b.python]), [
      ['debian', 'PyTorch 9.1.0 (Debian, FakeBLAS)', a],
      ['pip', 'PyTorch 9.2.0+cpu (pip, FakeBLAS)', path.join(dir, 'venv-b', 'bin', 'python')],
    ]);
    assert.deepEqual(json.torchSearch.missing, [], 'named Pythons replace the search');
    assert.equal(json.torch.msPerStep, 5);
    assert.ok(Math.abs(json.ratio.statsOn - json.statsOn.msPerStep / 5) < 1e-9, 'the older ratio is against the first build');
    assert.ok(Math.abs(json.torchBuilds.pip.ratio.statsOn - json.statsOn.msPerStep / 4) < 1e-9);
    assert.match(table, /^ {2}debian 9\.1\.0 FakeBLAS, 1t +5\.0 /m);
    assert.match(table, /^ {2}pip 9\.2\.0\+cpu FakeBLAS, 1t +4\.0 /m);
    assert.match(table, /^ours \/ PyTorch 9\.1\.0 \(Debian, FakeBLAS\): [\d.]+x with stats off/m);
    assert.match(table, /^ours \/ PyTorch 9\.2\.0\+cpu \(pip, FakeBLAS\): [\d.]+x with stats off/m);
  }));

test('the search for builds: named Pythons in order, a venv folder for its python, one entry per torch, keys by installer', async () =>
  withTmp('vg-bench-search-', (dir) => {
    const fake = (name: string, installer: string, torchFile: string) =>
      fakePython(path.join(dir, name), { version: '9.0.0', installer, torchFile, msPerStep: 1, secondsPerEpoch: 1 });
    const a = fake('a', 'pip', '/fake/a');
    fake('venv-b/bin/python', 'pip', '/fake/b');
    const aAgain = fake('a-link', 'pip', '/fake/a');
    const c = fake('c', 'conda', '/fake/c');
    const search = findTorchBuilds({ named: [a, path.join(dir, 'venv-b'), aAgain, c].join(',') });
    assert.deepEqual(search.builds.map((b) => [b.key, b.python]), [['pip', a], ['pip-2', path.join(dir, 'venv-b', 'bin', 'python')], ['conda', c]],
      'the same torch twice counts once; a second pip build gets its own key');
  }));

test('the search: a named venv that does not exist, or a Python without torch, stops with what to do', async () =>
  withTmp('vg-bench-search-', (dir) => {
    const missing = path.join(dir, 'no-such-venv');
    assert.throws(() => findTorchBuilds({ named: missing }), (e: Error) => {
      assert.ok(e instanceof TorchNotFound);
      assert.equal(e.message, `--torch-python ${missing}: no such file or directory (${missing}); ` +
        'name a Python or venv whose "import torch" works, or create the project\'s venv with bash bench/install-torch.sh');
      return true;
    });
    const bare = fakePython(path.join(dir, 'bare'), { version: '', installer: '', torchFile: '', msPerStep: 1, secondsPerEpoch: 1, noTorch: true });
    assert.throws(() => findTorchBuilds({ named: bare }), (e: Error) => e instanceof TorchNotFound &&
      e.message.startsWith(`--torch-python ${bare}: ${bare} gives no PyTorch: No module named 'torch'; name a Python or venv`));
  }));

test('the default search notes the project venv that is not there, with the command that creates it', () => {
  const search = findTorchBuilds({ named: '', venv: path.join(os.tmpdir(), 'vg-no-such-venv') });
  assert.ok(search.missing.includes('.venv-torch: not there (bash bench/install-torch.sh creates it)'), search.missing.join('; '));
});

test('bench --json FILE --profile writes the JSON and lists the top kernels', { skip, timeout: 600_000 }, async () => {
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

test('bench --blas-threads 2 gives the BLAS two threads on both sides (OpenBLAS its own pool, an MKL build the pool of PyTorch) and says so', { skip, timeout: 600_000 }, async () => {
  const expectTorch = torchAvailable();
  const { stdout } = await bench(['--reps', '1', '--steps', '2', '--warmup', '1', '--blas-threads', '2', '--json']);
  const start = stdout.indexOf('\n{\n');
  const json = JSON.parse(stdout.slice(start + 1)) as Json;
  checkResult(json, expectTorch);
  assert.equal(json.blasThreads, 2);
  assert.match(stdout.slice(0, start), /OpenBLAS 2 threads/);
  for (const b of json.torchSearch.builds as Json[]) {
    // OpenBLAS's own pool takes the second thread; an MKL build's products run in PyTorch's pool, which takes it
    const row = b.blas === 'MKL' ? `${b.key} \\S+ MKL, 2t ` : `${b.key} \\S+ \\S+, 1t \\+2 BLAS `;
    assert.match(stdout.slice(0, start), new RegExp(`^  ${row}`, 'm'));
  }
});

test('bench --torch-python names a missing venv (or VG_TORCH_PYTHON does): exit 1 before anything is measured, and what to do', { timeout: 60_000 }, async () => {
  for (const [args, env, by] of [[['--torch-python', '/no/such/venv'], {}, '--torch-python'], [[], { VG_TORCH_PYTHON: '/no/such/venv' }, 'VG_TORCH_PYTHON']] as const) {
    await assert.rejects(bench([...args], env), (e: { code?: number; stdout?: string; stderr?: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr ?? '', new RegExp(`^bench: ${by} /no/such/venv: no such file or directory \\(/no/such/venv/?\\S*\\); .*bash bench/install-torch\\.sh`, 'm'));
      assert.equal(e.stdout, '', 'nothing measured');
      return true;
    });
  }
});

test('bench --torch-python without a value is a usage error', { timeout: 60_000 }, async () => {
  await assert.rejects(bench(['--torch-python']), (e: { code?: number; stderr?: string }) => {
    assert.equal(e.code, 2);
    assert.match(e.stderr ?? '', /--torch-python needs a value/);
    assert.match(e.stderr ?? '', /--torch-python PATH\[,PATH…\]/);
    return true;
  });
});

test('bench rejects a bad argument with exit code 2 and the usage', { timeout: 60_000 }, async () => {
  await assert.rejects(bench(['--reps', '0']), (e: { code?: number; stderr?: string }) => {
    assert.equal(e.code, 2);
    assert.match(e.stderr ?? '', /--reps must be a whole number ≥ 1, got "0"/);
    assert.match(e.stderr ?? '', /usage: npm run --silent bench/);
    return true;
  });
});

test('bench --both-cores --json FILE: the baseline in one process, two at once and with two BLAS threads, each PyTorch build beside', { skip, timeout: LONG }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-bench-cores-'));
  try {
    const file = path.join(dir, 'cores.json');
    const { stdout } = await bench(['--both-cores', '--reps', '1', '--json', file], {}, LONG);
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    assert.equal(json.epochs, 1);
    const builds = json.torchSearch.builds as Json[];
    assert.equal(builds.length, torchBuilds());
    assert.deepEqual(Object.keys(json.torchBuilds), builds.map((b) => b.key));
    assert.deepEqual(json.errors, {});
    const sides: Array<[string, Json[]]> = [['ours', json.ours], ...builds.map((b): [string, Json[]] => [b.key, json.torchBuilds[b.key]])];
    for (const [side, ways] of sides) {
      assert.deepEqual(ways.map((w: Json) => [w.processes, w.blasThreads]), [[1, 1], [2, 1], [1, 2]], side);
      for (const w of ways) {
        positiveFinite(w.secondsPerEpoch, `${side} ${w.processes}p ${w.blasThreads}t`);
        assert.ok(Math.abs(w.epochsPerMinute - (60 * w.processes) / w.secondsPerEpoch) < 1e-9, 'epochs per minute over the machine');
      }
    }
    assert.deepEqual(json.torch, builds.length ? json.torchBuilds[builds[0].key] : null, 'torch: the first build\'s ways');
    assert.match(stdout, /^ours on both cores at best: \d process(es)?, \d BLAS threads?, [\d.]+ epochs\/min$/m);
    for (const b of builds) assert.ok(stdout.includes(`${b.label} on both cores at best: `), `a best line for ${b.key}`);
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

test('bench --all --json FILE times one epoch of every experiment, with PyTorch exactly when it is installed', { skip, timeout: LONG }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-bench-all-'));
  try {
    const file = path.join(dir, 'all.json');
    const { stdout } = await bench(['--all', '--reps', '1', '--json', file], {}, LONG);
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    const ids = ['baseline', 'weight-std-1', 'weight-std-10', 'relu', 'adam', 'batchnorm', 'custom-norm', 'skip', 'layerwise', 'grad-norm'];
    assert.deepEqual(Object.keys(json.configs), ids);
    const torch = torchAvailable();
    const keys = (json.torchSearch.builds as Json[]).map((b) => b.key);
    assert.equal(keys.length, torchBuilds());
    for (const key of keys) assert.match(stdout, new RegExp(`^  config .*${key} s +ratio +off ratio`, 'm'), `columns for ${key}`);
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
        assert.deepEqual(Object.keys(c.torchBuilds), keys, `${id}: every build`);
        assert.equal(c.torchSecondsPerEpoch, c.torchBuilds[keys[0]].secondsPerEpoch, `${id}: the older fields are the first build's`);
        for (const key of keys) {
          const t = c.torchBuilds[key];
          assert.equal(t.error, undefined, `${id}, ${key}: ${t.error}`);
          positiveFinite(t.secondsPerEpoch, `${id} ${key}`);
          assert.ok(Math.abs(t.ratio - c.oursSecondsPerEpoch / t.secondsPerEpoch) < 1e-12, `${id}, ${key}: ratio = ours / it`);
          assert.ok(Math.abs(t.ratioStatsOff - c.oursSecondsPerEpochStatsOff / t.secondsPerEpoch) < 1e-12, `${id}, ${key}: off ratio`);
        }
      } else {
        assert.deepEqual(c.torchBuilds, {});
        assert.equal(c.torchSecondsPerEpoch, null);
        assert.equal(c.ratio, null);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
