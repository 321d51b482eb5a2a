import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot, reportsDir } from '../../lib/runtime/paths';
import { PROJECT_ROOT } from '../helpers';

describe('projectRoot', () => {
  test('is the folder holding package.json and lib/', () => {
    assert.equal(projectRoot(), fs.realpathSync(PROJECT_ROOT));
    assert.ok(fs.existsSync(path.join(projectRoot(), 'lib', 'runtime', 'paths.ts')), 'lib/runtime/paths.ts is under the root');
  });
});

describe('reportsDir', () => {
  test('reports/ for the default preset, reports/<preset>/ for another; VG_REPORTS_DIR is the folder itself', () => {
    const saved = process.env.VG_REPORTS_DIR;
    try {
      delete process.env.VG_REPORTS_DIR;
      assert.equal(reportsDir('default'), path.join(projectRoot(), 'reports'));
      assert.equal(reportsDir('study'), path.join(projectRoot(), 'reports', 'study'));
      process.env.VG_REPORTS_DIR = 'some/where';
      assert.equal(reportsDir('study'), path.resolve('some/where'));
      assert.equal(reportsDir('default'), path.resolve('some/where'));
    } finally {
      if (saved === undefined) delete process.env.VG_REPORTS_DIR;
      else process.env.VG_REPORTS_DIR = saved;
    }
  });
});
