/**
 * The CLI the way a user meets faults: started as the README says (`npm run --silent experiment`), or
 * with `npx tsx`, in its own process group like a terminal's foreground job; real signals (Ctrl-C to
 * the whole group, `kill` to npm alone, a closed terminal), real files and folders, a real pipe.
 */
import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { PROJECT_ROOT, REAL_DATA_DIR, REAL_FILES, hasRealData, makeTmpDir, until } from '../helpers';

const tmp = makeTmpDir('vg-cli-faults-');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const real = { skip: hasRealData ? false : `${REAL_DATA_DIR} is absent` };

/** Steps long enough (8192 images) that a signal arrives in the middle of one. */
const LONG_STEPS = ['baseline', '--epochs', '40', '--batch-size', '8192', '--limit', '20000'];

interface Launched {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** Resolves once stdout matches. */
  waitFor: (pattern: RegExp) => Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const k of ['VG_PRESET', 'VG_BACKEND', 'VG_SEED', 'VG_SEEDS', 'VG_DATA_DIR', 'INIT_CWD']) if (!(k in extra)) delete env[k];
  return env;
}

/** Starts `command args` as the leader of a new process group, as a shell starts a foreground job. */
function launch(command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Launched {
  const child = spawn(command, args, { cwd: options.cwd ?? PROJECT_ROOT, env: cleanEnv(options.env), detached: true });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stdout?.on('data', (d) => {
    stdout += d;
    for (const w of waiters.splice(0)) (w.pattern.test(stdout) ? w.resolve : () => waiters.push(w))();
  });
  child.stderr?.on('data', (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    out: () => stdout,
    err: () => stderr,
    waitFor: (pattern) => new Promise((resolve) => (pattern.test(stdout) ? resolve() : waiters.push({ pattern, resolve }))),
    exit,
  };
}

const npmRun = (args: string[], options?: { cwd?: string; env?: Record<string, string> }) =>
  launch('npm', ['run', '--silent', 'experiment', '--', ...args], options);

/** Processes still in the group led by `pid` (none may outlive the job). */
function groupMembers(pid: number): string[] {
  const ps = execFileSync('ps', ['-eo', 'pgid=,stat=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => {
    const [pgid, stat] = l.trim().split(/\s+/);
    return Number(pgid) === pid && !stat.startsWith('Z');
  });
}

/**
 * The job ended as a shell reports `code`: npm and npx, once their child has exited, end by re-raising
 * the signal they got, which a shell shows as 128 + its number just like an exit code.
 */
async function stoppedWithEpochsSaved(run: Launched, file: string, code: number, pattern: RegExp): Promise<void> {
  const ended = await run.exit;
  const shown = ended.code ?? 128 + os.constants.signals[ended.signal as NodeJS.Signals];
  assert.equal(shown, code, run.err());
  await groupGone(run.child.pid as number);
  assert.match(run.err(), pattern);
  const h = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(h.stopped.reason, 'interrupted', 'the file is the final one, not a checkpoint');
  assert.ok(h.epochs.length >= 2, `${h.epochs.length} epochs saved, 2 had finished`);
  assert.match(h.stopped.message, new RegExp(`the ${h.epochs.length} completed epoch`));
}

/**
 * Waits for every process of the group to end. npm dies of a SIGHUP at once (it has no handler), so its
 * child finishes the step and writes the file after npm is gone: it must do so within seconds, not train on.
 */
async function groupGone(pid: number): Promise<void> {
  await until(() => groupMembers(pid).length === 0, 10);
  assert.deepEqual(groupMembers(pid), [], 'a process outlived the job by 10 s');
}

describe('signals through the documented command', () => {
  test('Ctrl-C (SIGINT to the whole group) saves the finished epochs, says so, exits 130', real, async () => {
    const file = path.join(tmp, 'ctrl-c.json');
    const run = npmRun([...LONG_STEPS, '--json', file]);
    await run.waitFor(/epoch 2\/40/);
    process.kill(-(run.child.pid as number), 'SIGINT');
    await stoppedWithEpochsSaved(run, file, 130, /interrupted \(Ctrl-C\): stopping after the current step and writing the finished epochs to /);
  });

  test('SIGTERM to npm alone stops the training too (no orphan), exits 143', real, async () => {
    const file = path.join(tmp, 'term.json');
    const run = npmRun([...LONG_STEPS, '--json', file]);
    await run.waitFor(/epoch 2\/40/);
    run.child.kill('SIGTERM');
    await stoppedWithEpochsSaved(run, file, 143, /received SIGTERM/);
  });

  test('a closed terminal (SIGHUP to the group) exits 129 with the epochs saved', real, async () => {
    const file = path.join(tmp, 'hup.json');
    const run = npmRun([...LONG_STEPS, '--json', file]);
    await run.waitFor(/epoch 2\/40/);
    process.kill(-(run.child.pid as number), 'SIGHUP');
    await stoppedWithEpochsSaved(run, file, 129, /received SIGHUP/);
  });

  test('Ctrl-C through `npx tsx` (whose wrapper kills a busy child) still saves and says so', real, async () => {
    const file = path.join(tmp, 'npx.json');
    const run = launch('npx', ['tsx', 'lib/cli/experiment.ts', ...LONG_STEPS, '--json', file]);
    await run.waitFor(/epoch 2\/40/);
    process.kill(-(run.child.pid as number), 'SIGINT');
    await stoppedWithEpochsSaved(run, file, 130, /interrupted \(Ctrl-C\)/);
  });

  test('Ctrl-C with --seeds: every worker answers with its finished epochs', real, async () => {
    const file = path.join(tmp, 'seeds.json');
    const run = npmRun([...LONG_STEPS, '--seeds', '0,1', '--json', file]);
    await run.waitFor(/\[seed 1\] epoch 2\/40/);
    await run.waitFor(/\[seed 0\] epoch 2\/40/);
    process.kill(-(run.child.pid as number), 'SIGINT');
    const ended = await run.exit;
    assert.ok(ended.code === 130 || ended.signal === 'SIGINT', run.err());
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(j.runs.map((h: { seed: number }) => h.seed), [0, 1]);
    for (const h of j.runs) {
      assert.equal(h.stopped.reason, 'interrupted');
      assert.ok(h.epochs.length >= 2, `seed ${h.seed}: ${h.epochs.length} epochs`);
    }
    await groupGone(run.child.pid as number);
  });

  test('a process killed outright (SIGKILL) leaves the epochs finished before, marked unfinished', real, async () => {
    const file = path.join(tmp, 'killed.json');
    const run = npmRun([...LONG_STEPS, '--json', file]);
    await run.waitFor(/epoch 2\/40/);
    process.kill(-(run.child.pid as number), 'SIGKILL');
    await run.exit;
    const h = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(h.stopped.reason, 'unfinished');
    assert.ok(h.epochs.length >= 2, `${h.epochs.length} epochs`);
  });
});

describe('output targets, pipes, environment and data folders', () => {
  /** Runs the CLI to the end and returns its exit code and output. */
  async function finished(args: string[], options?: { cwd?: string; env?: Record<string, string> }) {
    const run = npmRun(args, options);
    const { code } = await run.exit;
    return { code, stdout: run.out(), stderr: run.err() };
  }
  const small = ['baseline', '--epochs', '1', '--limit', '600'];

  test('a --json target that cannot be written exits 2 before training, saying why', real, async () => {
    const aFile = path.join(tmp, 'a-file.json');
    fs.writeFileSync(aFile, '{}');
    const cases: Array<[string, RegExp]> = [
      [tmp, /is a directory; give a file name for the --json file, e\.g\. .*run\.json/],
      ['', /--json needs a FILE/],
      [path.join(aFile, 'x.json'), /a-file\.json is a file, not a folder/],
      ['/proc/vg-nope.json', /cannot write the --json file \/proc\/vg-nope\.json/],
    ];
    for (const [target, pattern] of cases) {
      const r = await finished([...small, '--json', target]);
      assert.equal(r.code, 2, `--json "${target}": ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.doesNotMatch(r.stdout, /epoch 1/, 'trained before refusing');
    }
  });

  test('a full disk (/dev/full) at the end: the run is written to the temp folder instead, exit 1', real, async () => {
    const r = await finished([...small, '--json', '/dev/full']);
    assert.equal(r.code, 1, r.stderr);
    const m = /could not write \/dev\/full \(the disk is full\); the run was written to (\S+) instead/.exec(r.stderr);
    assert.ok(m, r.stderr);
    const h = JSON.parse(fs.readFileSync(m[1], 'utf8'));
    fs.rmSync(m[1]);
    assert.equal(h.epochs.length, 1);
  });

  test('output piped into `head -1`: no error dump, the JSON is still written, exit 0', real, async () => {
    const file = path.join(tmp, 'piped.json');
    const r = spawn('bash', ['-c', `set -o pipefail; npm run --silent experiment -- baseline --epochs 2 --limit 2000 --json ${file} | head -1`], { cwd: PROJECT_ROOT, env: cleanEnv() });
    let stderr = '';
    r.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => r.on('exit', resolve));
    assert.equal(code, 0, stderr.slice(0, 500));
    assert.ok(stderr.length < 500, `stderr has ${stderr.length} characters`);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).epochs.length, 2);
  });

  test('a relative --json path is relative to the folder the command was typed in', real, async () => {
    const sub = fs.mkdtempSync(path.join(PROJECT_ROOT, 'test', 'tmp-cwd-'));
    try {
      const r = await finished([...small, '--json', 'rel.json'], { cwd: sub });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(fs.existsSync(path.join(sub, 'rel.json')), 'not written beside the user');
      assert.ok(!fs.existsSync(path.join(PROJECT_ROOT, 'rel.json')), 'written into the project root');
    } finally {
      fs.rmSync(sub, { recursive: true, force: true });
    }
  });

  test('VG_SEED is the default seed, and a bad one exits 2 before any work', real, async () => {
    const file = path.join(tmp, 'seed3.json');
    const good = await finished([...small, '--json', file], { env: { VG_SEED: '3' } });
    assert.equal(good.code, 0, good.stderr);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).seed, 3);
    const bad = await finished(small, { env: { VG_SEED: 'abc' } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /VG_SEED must be a whole number ≥ 0, got "abc"/);
  });

  test('VG_DATA_DIR is the only folder used: an empty, missing or partial one is an error naming it', real, async () => {
    const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
    const partial = fs.mkdtempSync(path.join(tmp, 'partial-'));
    fs.copyFileSync(path.join(REAL_DATA_DIR, REAL_FILES[0]), path.join(partial, REAL_FILES[0]));
    const cases: Array<[string, RegExp]> = [
      [empty, /: missing train-images/],
      [path.join(tmp, 'nowhere'), /: no such folder/],
      [partial, /: missing train-labels-idx1-ubyte\.gz, t10k/],
    ];
    for (const [dir, pattern] of cases) {
      const r = await finished(small, { env: { VG_DATA_DIR: dir } });
      assert.equal(r.code, 1, `${dir}: ${r.stderr}`);
      assert.match(r.stderr, /FashionMNIST not found/);
      assert.match(r.stderr, pattern);
      assert.match(r.stderr, /VG_DATA_DIR=".*" names the only folder used/);
      assert.ok(r.stderr.length < 2000, 'a message, not a dump');
    }
  });

  test('uncompressed IDX files and a relative VG_DATA_DIR are found, and the folder used is printed and recorded', real, async () => {
    const plain = path.join(tmp, 'plain-idx');
    fs.mkdirSync(plain);
    for (const f of REAL_FILES) fs.writeFileSync(path.join(plain, f.replace(/\.gz$/, '')), zlib.gunzipSync(fs.readFileSync(path.join(REAL_DATA_DIR, f))));
    const file = path.join(tmp, 'plain.json');
    const sub = fs.mkdtempSync(path.join(PROJECT_ROOT, 'test', 'tmp-cwd-'));
    let r;
    try {
      r = await finished([...small, '--json', file], { cwd: sub, env: { VG_DATA_DIR: path.relative(sub, plain) } });
    } finally {
      fs.rmSync(sub, { recursive: true, force: true });
    }
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^data: ${plain.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).dataDir, plain);
  });

  test('a diverged run exits 3 with the epochs before it written', real, async () => {
    const file = path.join(tmp, 'diverged.json');
    const r = await finished(['relu', '--lr', '100', '--init', 'normal:1', '--epochs', '3', '--limit', '2000', '--json', file]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /training stopped: the loss \(or a weight\) became NaN/);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).stopped.reason, 'non-finite-loss');
  });
});
