/**
 * Kernel > Interrupt while `vg.run` trains, as Jupyter sends it (SIGINT to the kernel's process group,
 * worker processes included): the training stops within a step, the cell completes with what was
 * finished and says so, no worker is left behind, and tslab's own interrupt works again afterwards.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { hasRealData } from '../helpers';

const root = path.resolve(__dirname, '..', '..');
const kernelDir = path.join(root, '.jupyter', 'share', 'jupyter');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-interrupt-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { findPython } = require('../../scripts/find-python.js') as { findPython: () => string };

describe('Kernel > Interrupt during vg.run', { skip: hasRealData ? false : 'FashionMNIST is absent' }, () => {
  it('stops the run within a step, keeps its finished epochs in the cell\'s result, leaves no worker', () => {
    const out = path.join(tmp, 'result.json');
    const r = spawnSync(findPython(), [path.join(__dirname, 'interrupt_kernel.py'), path.join(root, 'notebooks'), out], {
      env: { ...process.env, VG_PRESET: 'smoke', VG_SEEDS: '2', VG_STORE_DIR: path.join(tmp, 'store'), VG_REPORTS_DIR: path.join(tmp, 'reports'), JUPYTER_PATH: kernelDir },
      encoding: 'utf8',
      timeout: 10 * 60 * 1000,
    });
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    const res = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, { status: string; text: string; seconds: number }>;
    assert.equal(res.setup.status, 'ok', res.setup.text);
    // 300 epochs would take about a minute; interrupted after 8 s, the cell ends within a few more
    assert.equal(res.long.status, 'ok', `the cell failed instead of completing: ${res.long.text.slice(-500)}`);
    assert.ok(res.long.seconds < 20, `the cell took ${res.long.seconds.toFixed(1)} s: the training went on`);
    assert.match(res.long.text, /Interrupted: baseline \(sigmoid\) stopped after the current step with the epochs it had finished \(seed 0: \d+, seed 1: \d+\)/);
    assert.doesNotMatch(res.long.text, /Interrupted asynchronously/);
    const kept = JSON.parse(res.kept.text) as { epochs: number; stopped: string };
    assert.equal(kept.stopped, 'interrupted');
    assert.ok(kept.epochs > 0 && kept.epochs < 300, `${kept.epochs} epochs in the result`);
    assert.equal(res.idle.status, 'error', 'an interrupt outside vg.run is tslab\'s again');
    // This project's workers: another clone's jobs on the same machine are not this run's.
    const workers = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(path.join(root, 'lib', 'training', 'worker.ts')));
    assert.deepEqual(workers, [], 'a worker process outlived the interrupted run');
  });
});
