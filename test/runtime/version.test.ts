import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { libVersion, sourceHash } from '../../lib/runtime/version';
import { makeTmpDir } from '../helpers';

test('sourceHash changes with any edit, rename or new .ts file, and ignores other files', () => {
  const dir = makeTmpDir('vg-src-');
  try {
    fs.mkdirSync(path.join(dir, 'network'));
    fs.writeFileSync(path.join(dir, 'network', 'a.ts'), 'export const a = 1;\n');
    const first = sourceHash(dir);
    assert.match(first, /^[0-9a-f]{16}$/);
    fs.writeFileSync(path.join(dir, 'notes.md'), 'not a source');
    assert.equal(sourceHash(dir), first);
    fs.writeFileSync(path.join(dir, 'network', 'a.ts'), 'export const a = 2;\n');
    const edited = sourceHash(dir);
    assert.notEqual(edited, first);
    fs.renameSync(path.join(dir, 'network', 'a.ts'), path.join(dir, 'network', 'b.ts'));
    assert.notEqual(sourceHash(dir), edited);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(libVersion(), libVersion());
});
