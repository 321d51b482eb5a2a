/**
 * Stripping outputs before a commit, the documented ways: `npm run strip-outputs -- FILE` on a notebook
 * saved after running, and the git filter (the script with --stdin) on what `git add` stages.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const committed = path.join(root, 'notebooks', '02-better-activation.ipynb');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-strip-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The committed notebook as Jupyter saves it after a run: outputs, counts, timing metadata, a signature. */
function afterRunning(): string {
  const nb = JSON.parse(fs.readFileSync(committed, 'utf8'));
  let n = 0;
  for (const c of nb.cells) {
    if (c.cell_type !== 'code') continue;
    c.execution_count = ++n;
    c.metadata = { ...c.metadata, execution: { 'shell.execute_reply': '2026-01-01T00:00:00Z' } };
    c.outputs = [{ output_type: 'display_data', data: { 'text/html': '<script>' + 'x'.repeat(100_000) + '</script>', 'text/plain': 'fig' }, metadata: {} }];
  }
  nb.metadata.signature = 'sha256:0123';
  return JSON.stringify(nb, null, 1) + '\n';
}

describe('strip-outputs', () => {
  it('`npm run strip-outputs -- FILE` gives back the notebook exactly as committed', () => {
    const file = path.join(tmp, 'saved.ipynb');
    fs.writeFileSync(file, afterRunning());
    const out = execFileSync('npm', ['run', '--silent', 'strip-outputs', '--', file], { cwd: root, encoding: 'utf8' });
    assert.match(out, /stripped .*saved\.ipynb \(\d\.\d MB → \d+ KB\)/);
    assert.equal(fs.readFileSync(file, 'utf8'), fs.readFileSync(committed, 'utf8'));
  });

  it('as a git clean filter, a notebook saved after running is staged without outputs', () => {
    const repo = path.join(tmp, 'repo');
    fs.mkdirSync(path.join(repo, 'notebooks'), { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
    git('init', '-q');
    fs.copyFileSync(path.join(root, '.gitattributes'), path.join(repo, '.gitattributes'));
    git('config', 'filter.strip-notebook-outputs.clean', `node --import ${path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')} ${path.join(root, 'scripts', 'strip-outputs.ts')} --stdin`);
    fs.writeFileSync(path.join(repo, 'notebooks', '02-better-activation.ipynb'), afterRunning());
    git('add', 'notebooks/02-better-activation.ipynb');
    assert.equal(git('show', ':notebooks/02-better-activation.ipynb'), fs.readFileSync(committed, 'utf8'));
  });

  it('a file that is not a notebook is an error naming it, exit 1', () => {
    const file = path.join(tmp, 'broken.ipynb');
    fs.writeFileSync(file, '{ half a notebook');
    const r = spawnSync('npm', ['run', '--silent', 'strip-outputs', '--', file], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /strip-outputs: .*broken\.ipynb: not a notebook/);
  });
});
