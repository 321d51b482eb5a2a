import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BACKEND_ORDER, initBackend } from '../../lib/runtime/backend';
import { USAGE, UsageError, epochLine, parseCli } from '../../lib/cli/experiment';
import { EXPERIMENT_IDS } from '../../lib/training/experiments';
import { PRESET_NAMES } from '../../lib/training/presets';
import { LAYER_METRICS } from '../../lib/training/stats';
import { PROJECT_ROOT, REAL_DATA_DIR, hasRealData, makeTmpDir } from '../helpers';

before(async () => {
  await initBackend();
});

const tmp = makeTmpDir('vg-cli-');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs `npx tsx lib/cli/experiment.ts ...args` from the project folder. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env };
  delete base.VG_PRESET;
  delete base.VG_BACKEND;
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'lib/cli/experiment.ts', ...args], { cwd: PROJECT_ROOT, env: { ...base, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function usageError(argv: string[], pattern: RegExp): void {
  assert.throws(
    () => parseCli(argv),
    (e: unknown) => {
      assert.ok(e instanceof UsageError, `${argv.join(' ')}: not a UsageError: ${e}`);
      assert.match(e.message, pattern, `${argv.join(' ')}`);
      return true;
    },
  );
}

describe('parseCli', () => {
  test('rejects an unknown experiment, listing the known ones', () => {
    assert.throws(() => parseCli(['nope']), (e: unknown) => {
      assert.ok(e instanceof UsageError, 'e instanceof UsageError');
      assert.match(e.message, /unknown experiment "nope"/);
      for (const id of EXPERIMENT_IDS) assert.ok(e.message.includes(id), `the message does not name ${id}`);
      return true;
    });
    usageError([], /experiment/);
    usageError(['baseline', 'relu'], /one experiment id/);
  });

  test('rejects bad numbers, saying what is accepted', () => {
    usageError(['baseline', '--epochs', '0'], /--epochs must be a whole number ≥ 1, got "0"/);
    usageError(['baseline', '--epochs', '2.5'], /--epochs must be a whole number ≥ 1/);
    usageError(['baseline', '--epochs', '-3'], /--epochs must be a whole number ≥ 1/);
    usageError(['baseline', '--seed', 'abc'], /--seed must be a whole number ≥ 0, got "abc"/);
    usageError(['baseline', '--lr', '0'], /--lr must be a number > 0/);
    usageError(['baseline', '--lr', '-1'], /--lr must be a number > 0/);
    usageError(['baseline', '--lr=-1'], /--lr must be a number > 0/);
    usageError(['baseline', '--lr', 'fast'], /--lr must be a number > 0/);
    usageError(['baseline', '--limit', '10'], /--limit must be a whole number ≥ 20/);
    usageError(['baseline', '--batch-size', '0'], /--batch-size must be a whole number ≥ 1/);
    usageError(['baseline', '--frobnicate'], /frobnicate/);
  });

  test('rejects an unknown preset, listing the presets', () => {
    usageError(['baseline', '--preset', 'huge'], new RegExp(`unknown preset "huge".*${PRESET_NAMES.join(', ')}`));
  });

  test('accepts good arguments', () => {
    const a = parseCli(['relu', '--epochs', '3', '--seed', '7', '--limit', '600', '--lr', '0.5', '--batch-size', '64', '--preset', 'smoke', '--json', 'x.json', '--no-stats']);
    assert.deepEqual(a, {
      id: 'relu',
      json: 'x.json',
      run: { epochs: 3, seed: 7, limit: 600, batchSize: 64, preset: 'smoke', lr: 0.5, stats: false },
    });
    assert.equal(parseCli(['baseline']).run.stats, true);
    usageError(['--help'], /^$/); // help: an empty message, the usage is printed and the exit code is 0
    for (const id of EXPERIMENT_IDS) assert.ok(USAGE.includes(id), 'USAGE.includes(id)');
  });

  test('epochLine formats a record', () => {
    const line = epochLine({
      epoch: 2, trainLoss: 1.23456, trainAcc: 0.5, valLoss: 2, valAcc: 0.25, seconds: 1.5, stage: 3,
      layers: [
        { name: 'hidden1', weightGradMeanAbs: 1.2e-9 } as never,
        { name: 'output', weightGradMeanAbs: 3e-2 } as never,
      ],
    }, 7);
    assert.match(line, /^epoch 2\/7 \(stage 3\)/);
    assert.match(line, /train loss 1\.2346/);
    assert.match(line, /hidden1 1\.2e-9 … output 3\.0e-2/);
  });
});

describe('the CLI as a child process', () => {
  test('an unknown id exits 2 with the list of ids on stderr, before any work', async () => {
    // a bogus VG_BACKEND would make any real work fail with exit 1: exit 2 shows it stopped before
    const r = await cli(['nope'], { VG_BACKEND: 'bogus' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown experiment "nope"/);
    for (const id of EXPERIMENT_IDS) assert.ok(r.stderr.includes(id), `stderr does not name ${id}`);
    assert.doesNotMatch(r.stderr, /VG_BACKEND/);
    assert.equal(r.stdout, '');
  });

  const real = { skip: hasRealData ? false : `${REAL_DATA_DIR} is absent` };

  test('baseline --epochs 1 --limit 600 --json writes the full history', real, async () => {
    const out = path.join(tmp, 'out.json');
    const r = await cli(['baseline', '--epochs', '1', '--limit', '600', '--json', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /epoch 1\/1 .*train loss/);
    assert.match(r.stdout, new RegExp(`wrote ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    const h = JSON.parse(fs.readFileSync(out, 'utf8'));
    for (const key of ['experiment', 'seed', 'backend', 'config', 'epochs']) assert.ok(key in h, `no ${key}`);
    assert.equal(h.experiment, 'baseline');
    assert.equal(h.seed, 0);
    assert.ok((BACKEND_ORDER as readonly string[]).includes(h.backend), '(BACKEND_ORDER as readonly string[]).includes(h.backend)');
    assert.equal(h.config.limit, 600);
    assert.equal(h.config.epochs, 1);
    assert.equal(h.epochs.length, 1);
    const e = h.epochs[0];
    for (const key of ['epoch', 'trainLoss', 'trainAcc', 'valLoss', 'valAcc', 'seconds']) {
      assert.ok(typeof e[key] === 'number' && Number.isFinite(e[key]), `epoch.${key} = ${e[key]}`);
    }
    assert.deepEqual(e.layers.map((l: { name: string }) => l.name), ['hidden1', 'hidden2', 'hidden3', 'hidden4', 'hidden5', 'hidden6', 'hidden7', 'output']);
    for (const l of e.layers) {
      for (const key of ['name', 'weightGradMeanAbs', 'weightGradNorm', 'activationGradMeanAbs', 'activationMean', 'activationStd', 'saturation', 'updateRatio']) {
        assert.ok(key in l, `layer ${l.name} has no ${key}`);
      }
      for (const key of LAYER_METRICS) assert.ok(key in l, 'key in l');
      assert.ok(Number.isFinite(l.weightGradMeanAbs) && l.weightGradMeanAbs > 0, `${l.name}.weightGradMeanAbs`);
    }
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')), [], 'a temporary file was left behind');
  });

  test('Ctrl-C saves the completed epochs and exits 130', real, async () => {
    const out = path.join(tmp, 'interrupted.json');
    const child = spawn(process.execPath, ['--import', 'tsx', 'lib/cli/experiment.ts', 'baseline', '--epochs', '100', '--limit', '3000', '--json', out], { cwd: PROJECT_ROOT });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (/epoch 1\/100/.test(stdout)) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted/);
    const h = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(h.stopped.reason, 'interrupted');
    assert.ok(h.epochs.length >= 1 && h.epochs.length < 100, `${h.epochs.length} epochs kept`);
  });

  test('layerwise --epochs 1 gives 7 epochs, each with its stage', real, async () => {
    const out = path.join(tmp, 'layerwise.json');
    const r = await cli(['layerwise', '--epochs', '1', '--limit', '600', '--json', out]);
    assert.equal(r.code, 0, r.stderr);
    const h = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(h.experiment, 'layerwise');
    assert.deepEqual(h.epochs.map((e: { epoch: number }) => e.epoch), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(h.epochs.map((e: { stage: number }) => e.stage), [1, 2, 3, 4, 5, 6, 7]);
    assert.match(r.stdout, /epoch 7\/7 \(stage 7\)/);
  });
});
