/**
 * The library's layers: every import in lib/ points down (cli and presentation → theory → runs →
 * training → spec → network and dataset → runtime), never up or sideways between two folders of one
 * rank, and no file imports itself back through others. test/ mirrors lib/: each concept's tests sit
 * in the folder (and subfolder) of its file.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from './helpers';

const LIB = path.join(PROJECT_ROOT, 'lib');
/** Rank of each layer; a file may import files of a lower rank, or of its own folder. */
const RANK: Record<string, number> = { runtime: 0, network: 1, dataset: 1, spec: 2, training: 3, runs: 4, theory: 5, presentation: 6, cli: 6 };

function libFiles(): string[] {
  return fs.readdirSync(LIB, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

/** Relative imports in `src`, the text of lib file `file` (import … from, require, dynamic import), as lib paths. */
function importsIn(file: string, src: string): string[] {
  const found = [...src.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]);
  return found.map((spec) => {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    return target.endsWith('.ts') ? target : `${target}.ts`;
  });
}

const importsOf = (file: string) => importsIn(file, fs.readFileSync(path.join(LIB, file), 'utf8'));
const layerOf = (file: string) => (file.includes('/') ? file.split('/')[0] : '');

describe('lib/ layers', () => {
  test('every file lives in a layer folder (only index.ts at the top)', () => {
    const loose = libFiles().filter((f) => !(layerOf(f) in RANK) && f !== 'index.ts');
    assert.deepEqual(loose, [], `files outside the layer folders (${Object.keys(RANK).join(', ')}): ${loose.join(', ')}`);
  });

  test('imports point downward only', () => {
    const bad: string[] = [];
    for (const file of libFiles().filter((f) => f !== 'index.ts')) {
      for (const target of importsOf(file)) {
        assert.ok(fs.existsSync(path.join(LIB, target)), `${file} imports ${target}, which does not exist`);
        const from = layerOf(file);
        const to = layerOf(target);
        if (from === to) continue;
        if (!(to in RANK) || RANK[to] >= RANK[from]) bad.push(`${file} → ${target}`);
      }
    }
    assert.deepEqual(bad, [], `imports that point up or sideways:\n${bad.join('\n')}`);
  });

  test('no import cycles', () => {
    const graph = new Map(libFiles().map((f) => [f, importsOf(f)]));
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, trail: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') assert.fail(`import cycle: ${[...trail.slice(trail.indexOf(f)), f].join(' → ')}`);
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) visit(t, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
  });

  test('the scanner finds every form of import', () => {
    // Guards the regex above: an upward import written any of these ways would be seen.
    const src = "import type { RunSpec } from '../spec/spec';\nimport './side';\n" +
      "const a = require('../runtime/files');\nconst b = import('../presentation/plots');\n";
    assert.deepEqual(importsIn('network/x.ts', src), ['spec/spec.ts', 'network/side.ts', 'runtime/files.ts', 'presentation/plots.ts']);
  });
});

describe('test/ mirrors lib/', () => {
  test('every test file of a layer folder tests a lib file of that folder (x.test.ts or x.<aspect>.test.ts for x.ts), subfolders included', () => {
    const testRoot = path.join(PROJECT_ROOT, 'test');
    const strays: string[] = [];
    for (const layer of Object.keys(RANK)) {
      const dir = path.join(testRoot, layer);
      if (!fs.existsSync(dir)) continue;
      // test/runtime/kernels/x.test.ts tests lib/runtime/kernels/x.ts, as test/runtime/x.test.ts tests lib/runtime/x.ts.
      for (const f of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.test.ts'))) {
        const rel = f.split(path.sep).join('/');
        const name = path.posix.basename(rel).split('.')[0];
        if (!fs.existsSync(path.join(LIB, layer, path.posix.dirname(rel), `${name}.ts`))) strays.push(`test/${layer}/${rel}`);
      }
    }
    assert.deepEqual(strays, [], `tests with no lib file of the same name in the same folder: ${strays.join(', ')}`);
  });
});
