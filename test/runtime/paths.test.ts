import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot } from '../../lib/runtime/paths';
import { PROJECT_ROOT } from '../helpers';

describe('projectRoot', () => {
  test('is the folder holding package.json and lib/', () => {
    assert.equal(projectRoot(), fs.realpathSync(PROJECT_ROOT));
    assert.ok(fs.existsSync(path.join(projectRoot(), 'lib', 'runtime', 'paths.ts')), 'lib/runtime/paths.ts is under the root');
  });
});
