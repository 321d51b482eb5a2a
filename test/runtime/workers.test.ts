import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as os from 'os';
import { workerCount } from '../../lib/runtime/workers';

test('workerCount: as asked, else VG_WORKERS, else twice the cores; never more than the jobs; a bad VG_WORKERS is an error', () => {
  const saved = process.env.VG_WORKERS;
  try {
    delete process.env.VG_WORKERS;
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    assert.equal(workerCount(100), 2 * cores);
    assert.equal(workerCount(1), 1);
    assert.equal(workerCount(0), 1, 'at least one');
    assert.equal(workerCount(5, 3), 3);
    process.env.VG_WORKERS = '2';
    assert.equal(workerCount(5), 2);
    assert.equal(workerCount(5, 4), 4, 'an explicit count wins');
    process.env.VG_WORKERS = 'two';
    assert.throws(() => workerCount(5), /VG_WORKERS must be a whole number ≥ 1, got "two"/);
  } finally {
    if (saved === undefined) delete process.env.VG_WORKERS;
    else process.env.VG_WORKERS = saved;
  }
});

test('a worker whose parent dies mid-job ends quietly: no EPIPE thrown at it, no process left', { timeout: 120000 }, async () => {
  const { spawn } = await import('child_process');
  const fs = await import('fs');
  const path = await import('path');
  const root = path.resolve(__dirname, '..', '..');
  fs.mkdirSync(path.join(root, '.cache'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, '.cache', 'workers-test-'));
  const lib = path.join(root, 'lib', 'runtime', 'workers');
  const rel = path.relative(root, dir);
  try {
    // The worker reports progress as fast as it can, as a training run's steps do; the parent is killed outright.
    fs.writeFileSync(path.join(dir, 'worker.ts'), `import * as fs from 'fs';
import { serveJobs } from ${JSON.stringify(lib)};
fs.writeFileSync(${JSON.stringify(path.join(dir, 'pid'))}, String(process.pid));
serveJobs<number, number, number>(async (job, report) => {
  for (let i = 0; i < 1e6; i++) { report(i); if (i % 50 === 0) await new Promise((r) => setImmediate(r)); }
  return job;
});
`);
    fs.writeFileSync(path.join(dir, 'parent.ts'), `import { runJobs } from ${JSON.stringify(lib)};
let n = 0;
runJobs<number, number, number>(${JSON.stringify(`${rel}/worker.ts`)}, [1], { size: 1, onProgress: () => { if (++n === 100) console.log('progress'); } });
`);
    for (let round = 0; round < 3; round++) {
      fs.rmSync(path.join(dir, 'pid'), { force: true });
      const parent = spawn(process.execPath, ['--import', 'tsx', path.join(dir, 'parent.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      parent.stdout.on('data', (d) => (out += d));
      parent.stderr.on('data', (d) => (err += d));
      const closed = new Promise((resolve) => parent.stderr.on('close', resolve));
      for (let k = 0; k < 300 && !out.includes('progress'); k++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(out.includes('progress'), `the worker reported progress (stderr: ${err.slice(-500)})`);
      const worker = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
      parent.kill('SIGKILL');
      // the pipe closes once the worker, which shares it, has ended too
      await closed;
      // ended: gone, or a zombie its new parent has not reaped yet (state Z)
      const running = () => { try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${worker}/stat`, 'utf8')); } catch { return false; } };
      for (let k = 0; k < 50 && running(); k++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(running(), false, 'the worker ended');
      assert.doesNotMatch(err, /EPIPE|Error/, `round ${round}: the worker's stderr`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
