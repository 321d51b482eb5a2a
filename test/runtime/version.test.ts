import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { libVersion, sourceHash } from '../../lib/runtime/version';
import { PROJECT_ROOT, makeTmpDir } from '../helpers';

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

test('libVersion is the library as the process loaded it; currentLibVersion follows the files', () => {
  // In a copy of the project, so that the edit touches nobody else's lib/.
  const root = makeTmpDir('vg-version-');
  try {
    fs.cpSync(path.join(PROJECT_ROOT, 'lib'), path.join(root, 'lib'), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_ROOT, 'package.json'), path.join(root, 'package.json'));
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'));
    const script = `
      const fs = require('fs');
      const v = require('./lib/runtime/version');
      const loaded = v.libVersion();
      const before = v.currentLibVersion();
      fs.appendFileSync('lib/network/activations.ts', '// edited\\n');
      console.log(JSON.stringify({ loaded, before, after: v.currentLibVersion(), still: v.libVersion() }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const { loaded, before, after, still } = JSON.parse(r.stdout) as Record<string, string>;
    assert.equal(before, loaded);
    assert.notEqual(after, loaded, 'the edit is another version');
    assert.equal(still, loaded, 'the process still runs the library it loaded');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
