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
