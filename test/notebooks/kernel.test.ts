/**
 * The kernel `scripts/setup.sh` registers keeps every output of a cell that sends many of them.
 * tslab alone loses them after the 513th message in a row (zeromq's "Socket is busy writing"): the
 * cell's remaining outputs, its error and its "idle" status, so Jupyter shows it running forever.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const kernelDir = path.join(root, '.jupyter', 'share', 'jupyter');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-kernel-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { findPython } = require('../../scripts/find-python.js') as { findPython: () => string };

interface CellResult {
  display_data: number;
  stream: number;
  idle: boolean;
  status: string | null;
}

const COUNT = 1000;

function runCells(jupyterPath: string, name: string, seconds: number): Record<'many' | 'after', CellResult> {
  const out = path.join(tmp, `${name}.json`);
  const r = spawnSync(findPython(), [path.join(__dirname, 'kernel_messages.py'), 'tslab', String(COUNT), String(seconds), out], {
    cwd: tmp,
    env: { ...process.env, JUPYTER_PATH: jupyterPath },
    encoding: 'utf8',
    timeout: 3 * 60 * 1000,
  });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  return JSON.parse(fs.readFileSync(out, 'utf8')) as Record<'many' | 'after', CellResult>;
}

describe('tslab kernel > a cell with many outputs', () => {
  it('is registered as scripts/tslab-kernel.js', () => {
    const spec = JSON.parse(fs.readFileSync(path.join(kernelDir, 'kernels', 'tslab', 'kernel.json'), 'utf8')) as { argv: string[] };
    assert.equal(spec.argv[0], path.join(root, 'scripts', 'tslab-kernel.js'));
  });

  it(`delivers all ${COUNT} displays and ${COUNT} prints, then goes idle; the next cell runs`, () => {
    const res = runCells(kernelDir, 'ours', 60);
    assert.deepEqual(res.many, { display_data: COUNT, stream: COUNT, idle: true, status: 'ok' });
    assert.deepEqual(res.after, { display_data: 0, stream: 1, idle: true, status: 'ok' });
  });

  it('loses them with tslab as published (the defect the launcher works around)', () => {
    const plain = path.join(tmp, 'plain');
    fs.mkdirSync(path.join(plain, 'kernels', 'tslab'), { recursive: true });
    const spec = { argv: [path.join(root, 'node_modules', '.bin', 'tslab'), 'kernel', '--config-path', '{connection_file}'], display_name: 'TypeScript (tslab as published)', language: 'typescript' };
    fs.writeFileSync(path.join(plain, 'kernels', 'tslab', 'kernel.json'), JSON.stringify(spec));
    const res = runCells(plain, 'plain', 10);
    // If this fails, a newer tslab or zeromq sends in turn itself and scripts/tslab-kernel.js can go.
    assert.ok(res.many.display_data < COUNT && !res.many.idle, `tslab delivered ${res.many.display_data} of ${COUNT} displays, idle: ${res.many.idle}`);
  });
});
