import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../lib/runtime/backend';
import { resolveSpec } from '../../lib/spec/experiments';
import { runSeeds } from '../../lib/runs/parallel';
import { runKey } from '../../lib/runs/store';
import { PROJECT_ROOT, REAL_DATA_DIR, hasRealData, makeTmpDir, useTempStore } from '../helpers';

describe('runKey', () => {
  const spec = resolveSpec('relu', { preset: 'smoke' });
  test('the same for the same numbers whatever the wording; different for seed, data, backend, library or any number', () => {
    const key = runKey(spec, 'wasm', 'data-a');
    assert.match(key, /^[0-9a-f]{16}$/);
    assert.equal(runKey({ ...spec, label: 'renamed', changes: ['x'] }, 'wasm', 'data-a'), key);
    const others = [
      runKey({ ...spec, seed: spec.seed + 1 }, 'wasm', 'data-a'),
      runKey(spec, 'wasm', 'data-b'),
      runKey(spec, 'cpu', 'data-a'),
      runKey({ ...spec, limit: 1000 }, 'wasm', 'data-a'),
      runKey({ ...spec, optimizer: { ...spec.optimizer, lr: 0.5 } }, 'wasm', 'data-a'),
      runKey(spec, 'wasm', 'data-a', 'another-library'),
    ];
    assert.equal(new Set([key, ...others]).size, 7);
  });
});

/** A copy of the project (its lib/, package.json, the installed packages) to edit lib/ in. */
function copyProject(): string {
  const root = makeTmpDir('vg-libedit-');
  fs.cpSync(path.join(PROJECT_ROOT, 'lib'), path.join(root, 'lib'), { recursive: true });
  fs.copyFileSync(path.join(PROJECT_ROOT, 'package.json'), path.join(root, 'package.json'));
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

describe('the run store after an edit to lib/ in an open session', { skip: hasRealData ? false : `${REAL_DATA_DIR} is absent` }, () => {
  test("runs trained by an edited lib/ are stored under the edited library's version, never served to the unedited one", () => {
    const root = copyProject();
    const store = path.join(root, 'store');
    // One process plays the notebook's kernel: it loads lib/, trains the baseline, then the learner
    // edits ReLU (its output x3) and trains ReLU's seeds in workers, reverts the edit, trains again.
    const script = `
      const fs = require('fs');
      const { runSeeds } = require('./lib/runs/parallel');
      const { resolveSpec } = require('./lib/spec/experiments');
      const file = 'lib/network/activations.ts';
      const text = fs.readFileSync(file, 'utf8');
      const edit = () => fs.writeFileSync(file, text.replace('value: tf.relu(z as tf.Tensor)', 'value: tf.mul(tf.relu(z as tf.Tensor), 3)'));
      const spec = (id) => resolveSpec({ from: id, schedule: { epochs: 1 }, limit: 200 }, { preset: 'smoke' });
      const relu = async (workers) => {
        const stored = [];
        const set = await runSeeds(spec('relu'), [0, 1], { workers, onStored: (i) => stored.push(i) });
        return { stored, valLoss: set.runs.map((h) => h.epochs[0].valLoss) };
      };
      const entries = () => fs.readdirSync(process.env.VG_STORE_DIR).filter((f) => f.startsWith('relu-')).length;
      (async () => {
        if (!text.includes('value: tf.relu(z as tf.Tensor)')) throw new Error('ReLU is no longer written as this test edits it');
        await runSeeds(spec('baseline'), [0], { workers: 1 });
        edit();
        const edited = await relu(2);
        fs.writeFileSync(file, text);
        const reverted = await relu(2);
        edit();
        const editedAgain = await relu(2);
        const before = entries();
        const here = await relu(1);
        console.log(JSON.stringify({ edited, reverted, editedAgain, here, storedHere: entries() - before }));
      })();`;
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: root, encoding: 'utf8', timeout: 240_000, env: { ...process.env, VG_STORE_DIR: store },
      });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<'edited' | 'reverted' | 'editedAgain' | 'here', { stored: number[]; valLoss: number[] }> & { storedHere: number };
      assert.deepEqual(out.edited.stored, [], 'nothing stored yet for ReLU');
      assert.deepEqual(out.reverted.stored, [], 'after the revert, the edited runs are not served');
      assert.notDeepEqual(out.reverted.valLoss, out.edited.valLoss, 'the reverted library trains its own runs');
      assert.deepEqual(out.editedAgain.stored, [0, 1], 'the edited runs are kept under the edited library');
      assert.deepEqual(out.editedAgain.valLoss, out.edited.valLoss);
      assert.match(r.stderr, /lib\/ has changed since this process loaded it: ReLU is read from the run store and trained in worker processes with lib\/ as it is now/);
      // Asked to train here, the process runs the library it loaded, whatever the files say now: not stored.
      assert.deepEqual(out.here.stored, []);
      assert.deepEqual(out.here.valLoss, out.reverted.valLoss, 'this process still runs the unedited library');
      assert.equal(out.storedHere, 0);
      assert.match(r.stderr, /ReLU is trained in this process with the library it loaded, and not stored/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('a store entry is checked against its key before use', { skip: hasRealData ? false : `${REAL_DATA_DIR} is absent` }, () => {
  const store = useTempStore();
  before(() => initBackend());
  const baseline = resolveSpec({ from: 'baseline', schedule: { epochs: 2 }, limit: 200 }, { preset: 'smoke' });
  const relu = resolveSpec({ from: 'relu', schedule: { epochs: 2 }, limit: 200 }, { preset: 'smoke' });
  const entry = (experiment: string) => {
    const found = fs.readdirSync(store.dir).filter((f) => f.startsWith(`${experiment}-seed0-`) && f.endsWith('.json'));
    assert.equal(found.length, 1, `one entry of ${experiment}`);
    return path.join(store.dir, found[0]);
  };
  type Stored = { history: { epochs: Array<Record<string, unknown>> } };
  const edit = (file: string, change: (e: Stored) => void) => {
    const e = JSON.parse(fs.readFileSync(file, 'utf8')) as Stored;
    change(e);
    fs.writeFileSync(file, JSON.stringify(e));
  };
  /** Runs `spec` (seed 0, here), capturing stderr: whether it came from the store, and what was said. */
  const runCapturing = async (spec: typeof baseline) => {
    const messages: string[] = [];
    const original = console.error;
    console.error = (m: string) => messages.push(m);
    try {
      const set = await runSeeds(spec, [0], { workers: 1 });
      return { fromStore: set.storedAt[0] !== null, stderr: messages.join('\n'), history: set.runs[0] };
    } finally {
      console.error = original;
    }
  };
  /** The tampered entry is named on stderr with why, set aside, trained again and stored whole. */
  const assertSetAside = async (file: string, why: RegExp) => {
    const again = await runCapturing(baseline);
    assert.equal(again.fromStore, false, 'trained again');
    assert.match(again.stderr, new RegExp(`run store: ${file.replace(/[.]/g, '[.]')} is corrupt \\(not the run it is filed as: .*training the run again \\(the file is kept as ${path.basename(file)}[.]corrupt\\)`));
    assert.match(again.stderr, why);
    assert.ok(fs.existsSync(`${file}.corrupt`), 'set aside');
    fs.rmSync(`${file}.corrupt`);
    assert.equal((await runCapturing(baseline)).fromStore, true, 'the run trained again is stored whole');
  };

  test('an entry as stored is used', async () => {
    assert.equal((await runCapturing(baseline)).fromStore, false);
    assert.equal((await runCapturing(relu)).fromStore, false);
    const served = await runCapturing(baseline);
    assert.equal(served.fromStore, true);
    assert.equal(served.stderr, '');
  });

  test('epochs cut and the accuracy raised: set aside', async () => {
    const file = entry('baseline');
    edit(file, (e) => {
      e.history.epochs = e.history.epochs.slice(0, 1);
      e.history.epochs[0].valAcc = 0.99;
    });
    await assertSetAside(file, /it has 1 epochs, the spec trains 2/);
  });

  test('only an accuracy changed: set aside (the digest)', async () => {
    const file = entry('baseline');
    edit(file, (e) => (e.history.epochs[1].valAcc = 0.99));
    await assertSetAside(file, /its numbers are not those it was stored with/);
  });

  test("ReLU's file under the baseline's name: set aside", async () => {
    const file = entry('baseline');
    fs.copyFileSync(entry('relu'), file);
    await assertSetAside(file, /it was stored under the key/);
  });

  test("ReLU's run under the baseline's key: set aside", async () => {
    const file = entry('baseline');
    const key = (JSON.parse(fs.readFileSync(file, 'utf8')) as { key: string }).key;
    const theirs = JSON.parse(fs.readFileSync(entry('relu'), 'utf8')) as { key: string };
    fs.writeFileSync(file, JSON.stringify({ ...theirs, key }));
    await assertSetAside(file, /it holds "relu" seed 0 on "wasm", not "baseline" seed 0 on "wasm"/);
  });

  test('an epoch without its layers: set aside', async () => {
    const file = entry('baseline');
    edit(file, (e) => delete e.history.epochs[1].layers);
    await assertSetAside(file, /epoch 2: layers is undefined, not a list/);
  });

  test('a record of the wrong shape: set aside', async () => {
    const file = entry('baseline');
    edit(file, (e) => ((e.history.epochs[0].layers as Array<Record<string, unknown>>)[2].saturation = 'high'));
    await assertSetAside(file, /epoch 1: hidden3.saturation is "high", not a number/);
  });
});

describe('a full disk while storing a run', { skip: hasRealData ? false : `${REAL_DATA_DIR} is absent` }, () => {
  test('warns, naming the store and VG_STORE_DIR, and returns the runs it trained', async (t) => {
    const dir = makeTmpDir('vg-full-');
    // A 64 KiB file system, nearly filled: the run store's folder on a full disk.
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
    if (mount.status !== 0) {
      fs.rmSync(dir, { recursive: true, force: true });
      t.skip(`cannot mount a small tmpfs here (${(mount.stderr || mount.error?.message || '').trim()}); it needs root`);
      return;
    }
    const saved = process.env.VG_STORE_DIR;
    const messages: string[] = [];
    const original = console.error;
    try {
      fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(60 * 1024));
      process.env.VG_STORE_DIR = dir;
      await initBackend();
      console.error = (m: string) => messages.push(m);
      const spec = resolveSpec({ from: 'baseline', schedule: { epochs: 2 }, limit: 200 }, { preset: 'smoke' });
      const set = await runSeeds(spec, [0, 1], { workers: 1 });
      assert.deepEqual(set.runs.map((h) => [h.seed, h.epochs.length]), [[0, 2], [1, 2]], 'both runs, whole');
      assert.deepEqual(messages, [
        `run store: could not store ${spec.label} (seeds 0, 1) in ${dir}: the disk is full. The runs were not stored: they are in the result, ` +
          'and the next run trains them again. Make room there, or set VG_STORE_DIR to another folder.',
      ]);
      assert.deepEqual(fs.readdirSync(dir), ['filler'], 'no half-written file left');
    } finally {
      console.error = original;
      if (saved === undefined) delete process.env.VG_STORE_DIR;
      else process.env.VG_STORE_DIR = saved;
      spawnSync('umount', [dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
