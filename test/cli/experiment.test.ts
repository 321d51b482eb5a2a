import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BACKEND_ORDER, initBackend } from '../../lib/runtime/backend';
import { USAGE, UsageError, epochLine, parseCli } from '../../lib/cli/experiment';
import { EXPERIMENT_IDS } from '../../lib/spec/experiments';
import { PRESET_NAMES } from '../../lib/spec/presets';
import { LAYER_METRICS } from '../../lib/training/stats';
import { PROJECT_ROOT, REAL_DATA_DIR, fakeLayer, hasRealData, makeTmpDir } from '../helpers';

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
    usageError(['baseline', '--epochs', '2', '--epochs', '3'], /--epochs is given twice/);
    usageError(['baseline', '--epochs'], /--epochs needs a value/);
  });

  test('rejects an unknown preset, listing the presets', () => {
    usageError(['baseline', '--preset', 'huge'], new RegExp(`--preset must be one of ${PRESET_NAMES.join(', ')}, got "huge"`));
  });

  test('accepts good arguments and resolves them into one spec', () => {
    const a = parseCli(['relu', '--epochs', '3', '--seed', '7', '--limit', '600', '--lr', '0.5', '--batch-size', '64', '--preset', 'smoke', '--json', 'x.json', '--no-stats']);
    assert.equal(a.json, path.join(process.env.INIT_CWD ?? process.cwd(), 'x.json'), 'relative to where the command was typed');
    assert.equal(a.stats, false);
    assert.deepEqual(a.spec, {
      experiment: 'relu', label: 'ReLU, SGD lr 0.5, batch 64', changes: ['SGD lr 0.5', 'batch 64'],
      model: { depth: 7, width: 128, activation: 'relu', init: { kind: 'normal', std: 0.05 }, normalization: 'none', skip: 'none', gradNorm: false },
      optimizer: { kind: 'sgd', lr: 0.5 }, schedule: { kind: 'plain', epochs: 3 }, batchSize: 64, limit: 600, seed: 7,
    });
    assert.equal(parseCli(['baseline']).stats, true);
    assert.equal(parseCli(['layerwise', '--stage-epochs', '2', '--preset', 'smoke']).spec.schedule.kind, 'layerwise');
    usageError(['--help'], /^$/); // help: an empty message, the usage is printed and the exit code is 0
    for (const id of EXPERIMENT_IDS) assert.ok(USAGE.includes(id), 'USAGE.includes(id)');
  });

  test('model and optimizer flags override the named experiment', () => {
    const a = parseCli(['relu', '--init', 'he', '--depth', '12']).spec;
    assert.deepEqual(a.model.init, { kind: 'he' });
    assert.equal(a.model.depth, 12);
    assert.equal(a.label, 'ReLU, He init, depth 12');
    const b = parseCli(['baseline', '--activation', 'tanh', '--init', 'normal:0.1', '--width', '64', '--normalization', 'batchnorm',
      '--skip', 'residual', '--grad-norm', 'on', '--optimizer', 'adam', '--label', 'everything at once']).spec;
    assert.deepEqual(b.model, { depth: 7, width: 64, activation: 'tanh', init: { kind: 'normal', std: 0.1 }, normalization: 'batchnorm', skip: 'residual', gradNorm: true });
    assert.deepEqual(b.optimizer, { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    assert.equal(b.label, 'everything at once');
    assert.equal(parseCli(['grad-norm', '--grad-norm', 'off']).spec.model.gradNorm, false);
    assert.deepEqual(parseCli(['batchnorm', '--optimizer', 'sgd', '--lr', '0.1']).spec.optimizer, { kind: 'sgd', lr: 0.1 });
  });

  test('bad model flags and flags that do not fit the experiment exit with what is accepted', () => {
    usageError(['relu', '--init', 'kaiming'], /--init must be one of torch-default, glorot, he or normal:STD \(e\.g\. normal:0\.05\), got "kaiming"/);
    usageError(['relu', '--init', 'normal:-2'], /normal:STD, STD must be a number > 0, got "-2"/);
    usageError(['relu', '--init', 'normal'], /--init must be one of/);
    usageError(['relu', '--activation', 'swish'], /--activation must be one of sigmoid, relu, tanh, got "swish"/);
    usageError(['relu', '--optimizer', 'rmsprop'], /--optimizer must be one of sgd, adam/);
    usageError(['relu', '--grad-norm', 'yes'], /--grad-norm must be one of on, off/);
    usageError(['relu', '--depth', '0'], /--depth must be a whole number ≥ 1/);
    // the spec's own checks, naming the flag that set the field
    usageError(['skip', '--depth', '5'], /model\.skip \(--skip\): "study" joins layers 1→3 and 4→7, so it needs depth ≥ 7, got 5/);
    usageError(['layerwise', '--depth', '9'], /schedule\.blocks: .* must list the hidden layers 1 to 9/);
    usageError(['layerwise', '--epochs', '2'], /layerwise trains in stages: give --stage-epochs N/);
    usageError(['relu', '--stage-epochs', '2'], /--stage-epochs is for layer-wise training; relu takes --epochs N/);
  });

  test('a network too large for the wasm heap is refused, naming the flags, the estimate and the limit', () => {
    const tooLarge = (n: string) => new RegExp(`^model\\.width \\(--width\\), model\\.depth \\(--depth\\), batchSize \\(--batch-size\\): ${n} need about [\\d.]+ GiB of memory, more than the 4\\.0 GiB the wasm backend's heap can hold`);
    usageError(['baseline', '--width', '100000', '--depth', '2'], tooLarge('2 hidden layers of 100000 units .* on batches of 512'));
    usageError(['baseline', '--width', '8192', '--depth', '20'], tooLarge('20 hidden layers of 8192 units .* on batches of 512'));
    usageError(['baseline', '--batch-size', '400000'], tooLarge('7 hidden layers of 128 units .* on batches of 400000'));
    assert.equal(parseCli(['baseline', '--width', '1024', '--depth', '20']).spec.model.width, 1024);
  });

  test('--seeds takes distinct whole numbers, not with --seed; --workers only with --seeds', () => {
    const a = parseCli(['relu', '--seeds', '4, 2,9', '--workers', '2']);
    assert.deepEqual(a.seeds, [4, 2, 9]);
    assert.equal(a.spec.seed, 4, 'the spec carries the first seed');
    assert.equal(a.workers, 2);
    assert.equal(parseCli(['relu']).seeds, undefined, 'one seed unless asked');
    usageError(['relu', '--seeds', '1,x'], /--seeds takes whole numbers ≥ 0 separated by commas, e\.g\. 1,2,3; got "1,x"/);
    usageError(['relu', '--seeds', '1,-2'], /--seeds takes whole numbers/);
    usageError(['relu', '--seeds', '3,3'], /--seeds lists a seed twice: "3,3"/);
    usageError(['relu', '--seeds', '1,2', '--seed', '1'], /give --seed N or --seeds LIST, not both/);
    usageError(['relu', '--workers', '2'], /--workers is for several seeds: give --seeds LIST too/);
    usageError(['relu', '--seeds', '1,2', '--workers', '0'], /--workers/);
  });

  test('epochLine formats a record', () => {
    const line = epochLine({
      epoch: 2, trainLoss: 1.23456, trainAcc: 0.5, valLoss: 2, valAcc: 0.25, seconds: 1.5, stage: 3,
      layers: [
        fakeLayer('hidden1', { activationGradRms: 1.2e-9 }),
        fakeLayer('hidden2', { activationGradRms: 1.2e-7 }),
        fakeLayer('hidden3', { activationGradRms: null }),
        fakeLayer('output', { activationGradRms: 3e-2 }),
      ],
    }, 7);
    assert.match(line, /^epoch 2\/7 \(stage 3\)/);
    assert.match(line, /train loss 1\.2346/);
    // the deepest hidden layer with a gradient (hidden3 is not in use), log10(1.2e-9 / 1.2e-7) = -2
    assert.match(line, /RMS dL\/dh hidden1 1\.2e-9 … hidden2 1\.2e-7 \(log10 ratio -2\.00\)  1\.5 s$/);
    const off = epochLine({ epoch: 1, trainLoss: 1, trainAcc: 0.5, valLoss: 2, valAcc: 0.25, seconds: 1.5, layers: [] }, 7);
    assert.match(off, /acc 0\.250  1\.5 s$/, 'statistics off: no gradient');
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

  test('too large a network exits 2 at once, before building it', async () => {
    for (const size of [['--width', '100000', '--depth', '2'], ['--width', '8192', '--depth', '20']]) {
      const started = Date.now();
      const r = await cli(['baseline', ...size]);
      const seconds = (Date.now() - started) / 1000;
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--width\), model\.depth \(--depth\), batchSize \(--batch-size\): .* more than the 4\.0 GiB the wasm backend's heap can hold/);
      // It used to fail after building and training for 43 s (8192 x 20, 4.6 GB resident).
      assert.ok(seconds < 30, `took ${seconds} s`);
      assert.equal(r.stdout, '', 'no work started');
    }
  });


  test('baseline --epochs 1 --limit 600 --json writes the full history', real, async () => {
    const out = path.join(tmp, 'out.json');
    const r = await cli(['baseline', '--epochs', '1', '--limit', '600', '--json', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^at initialisation  RMS dL\/dh hidden1 \S+ … hidden7 \S+ \(log10 ratio -\d\.\d\d\)$/m, 'the untrained network first');
    assert.match(r.stdout, /epoch 1\/1 .*train loss/);
    assert.match(r.stdout, new RegExp(`wrote ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    const h = JSON.parse(fs.readFileSync(out, 'utf8'));
    for (const key of ['experiment', 'seed', 'backend', 'config', 'epochs']) assert.ok(key in h, `no ${key}`);
    assert.equal(h.experiment, 'baseline');
    assert.equal(h.seed, 0);
    assert.ok((BACKEND_ORDER as readonly string[]).includes(h.backend), '(BACKEND_ORDER as readonly string[]).includes(h.backend)');
    assert.equal(h.config.limit, 600);
    assert.deepEqual(h.config.schedule, { kind: 'plain', epochs: 1 });
    assert.equal(h.label, 'baseline (sigmoid)');
    assert.deepEqual(h.layerNames, ['hidden1', 'hidden2', 'hidden3', 'hidden4', 'hidden5', 'hidden6', 'hidden7', 'output']);
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

  test("run from another folder through the project's tsx, with seeds in workers and a --json path relative to that folder", real, async () => {
    const elsewhere = makeTmpDir('vg-cli-cwd-');
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.INIT_CWD; // set by npm: the folder `npm test` started in, which --json paths are relative to
    try {
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'),
          [path.join(PROJECT_ROOT, 'lib', 'cli', 'experiment.ts'), 'baseline', '--preset', 'smoke', '--limit', '200', '--epochs', '1', '--seeds', '0,1', '--json', 'out.json'],
          { cwd: elsewhere, env, timeout: 120_000 },
          (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
      });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /Cannot find package/);
      const j = JSON.parse(fs.readFileSync(path.join(elsewhere, 'out.json'), 'utf8'));
      assert.deepEqual(j.runs.map((h: { seed: number; epochs: unknown[] }) => [h.seed, h.epochs.length]), [[0, 1], [1, 1]]);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('relu --seeds 1,2,3 writes three runs with distinct seeds and a summary over them', real, async () => {
    const out = path.join(tmp, 'seeds.json');
    const r = await cli(['relu', '--seeds', '1,2,3', '--epochs', '1', '--limit', '600', '--json', out]);
    assert.equal(r.code, 0, r.stderr);
    for (const seed of [1, 2, 3]) assert.match(r.stdout, new RegExp(`^\\[seed ${seed}\\] epoch 1/1 `, 'm'));
    assert.match(r.stdout, /ReLU: 3 seeds \(1, 2, 3\) on the \w+ backend in [\d.]+ s; final val acc/);
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.deepEqual(j.runs.map((h: { seed: number }) => h.seed), [1, 2, 3]);
    assert.deepEqual(j.summary.seeds, [1, 2, 3]);
    const accs = j.runs.map((h: { epochs: Array<{ valAcc: number }> }) => h.epochs[0].valAcc);
    const v = j.summary.epochs[0].valAcc;
    assert.equal(v.n, 3);
    assert.ok(Math.abs(v.mean - (accs[0] + accs[1] + accs[2]) / 3) < 1e-12, 'the summary is the mean of the runs');
    assert.equal(v.min, Math.min(...accs));
    assert.equal(j.summary.atInit.layers.length, 8, 'per layer at initialisation too');
    assert.equal(j.summary.epochs[0].layers[0].activationGradRms.n, 3);
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

  test('relu --init he --depth 12 writes 13 layers, the output last, and a label saying so', real, async () => {
    const out = path.join(tmp, 'relu-he-12.json');
    const r = await cli(['relu', '--init', 'he', '--depth', '12', '--epochs', '1', '--limit', '2000', '--json', out]);
    assert.equal(r.code, 0, r.stderr);
    const h = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(h.layerNames.length, 13);
    assert.equal(h.layerNames[12], 'output');
    assert.deepEqual(h.epochs[0].layers.map((l: { name: string }) => l.name), h.layerNames);
    assert.equal(h.label, 'ReLU, He init, depth 12');
    assert.deepEqual(h.config.model.init, { kind: 'he' });
    assert.equal(h.config.model.depth, 12);
    assert.match(r.stdout, /^ReLU, He init, depth 12: 1 epochs on the/m);
  });

  test('layerwise --stage-epochs 1 gives 7 epochs, each with its stage', real, async () => {
    const out = path.join(tmp, 'layerwise.json');
    const r = await cli(['layerwise', '--stage-epochs', '1', '--limit', '600', '--json', out]);
    assert.equal(r.code, 0, r.stderr);
    const h = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(h.experiment, 'layerwise');
    assert.deepEqual(h.epochs.map((e: { epoch: number }) => e.epoch), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(h.epochs.map((e: { stage: number }) => e.stage), [1, 2, 3, 4, 5, 6, 7]);
    assert.match(r.stdout, /epoch 7\/7 \(stage 7\)/);
  });
});
