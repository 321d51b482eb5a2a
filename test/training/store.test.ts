import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { resolveSpec } from '../../lib/training/experiments';
import { runKey } from '../../lib/training/store';
import { PROJECT_ROOT, REAL_DATA_DIR, hasRealData, makeTmpDir } from '../helpers';

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
      const { runSeeds } = require('./lib/training/parallel');
      const { resolveSpec } = require('./lib/training/experiments');
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
