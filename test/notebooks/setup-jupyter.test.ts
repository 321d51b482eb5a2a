/**
 * scripts/setup-jupyter.sh, the way a user meets it: a python that cannot make a venv, a pip that
 * cannot reach any index (both tries fail fast, with pip's errors and the command to run), and a
 * .venv/ already as pinned (nothing asked of pip).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const dirs: string[] = [];

/** A folder holding only the script and its pins, as a project clone would. */
function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-setup-jupyter-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'scripts'));
  for (const f of ['setup-jupyter.sh', 'jupyter-requirements.txt']) fs.copyFileSync(path.join(root, 'scripts', f), path.join(dir, 'scripts', f));
  return dir;
}

/** The environment without any pip configuration of this machine's, plus `extra`. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, PIP_CONFIG_FILE: os.devNull, ...extra };
  for (const k of Object.keys(e)) if (k.startsWith('PIP_') && !(k in extra) && k !== 'PIP_CONFIG_FILE') delete e[k];
  return e;
}

describe('setup-jupyter.sh', () => {
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('says what to install when the python cannot create a venv', () => {
    const dir = project();
    const r = spawnSync('bash', [path.join(dir, 'scripts', 'setup-jupyter.sh')], { encoding: 'utf8', env: env({ VG_VENV_PYTHON: 'false' }) });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /`false -m venv \.venv` failed/);
    assert.match(r.stderr, /apt-get install python3-venv/);
    assert.match(r.stderr, /VG_VENV_PYTHON=/);
    assert.ok(!fs.existsSync(path.join(dir, '.venv')), 'a half-made .venv/ left behind');
  });

  it('fails fast where pip reaches no index, with pip\'s errors and the command to run', () => {
    const dir = project();
    const t0 = Date.now();
    const r = spawnSync('bash', [path.join(dir, 'scripts', 'setup-jupyter.sh')], {
      encoding: 'utf8', timeout: 120_000, env: env({ PIP_INDEX_URL: `file://${path.join(dir, 'no-index')}`, PIP_NO_CACHE_DIR: '1' }),
    });
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /pip failed on its quick try; trying once more with retries/);
    assert.match(r.stderr, /pip could not install Jupyter into \.venv\/\. Its errors:\n {4}ERROR: /);
    assert.match(r.stderr, /\.venv\/bin\/pip install -r scripts\/jupyter-requirements\.txt/);
    assert.ok(fs.existsSync(path.join(dir, '.venv', 'pip-install.log')), 'pip\'s log is kept');
    assert.ok(seconds < 60, `took ${seconds.toFixed(0)} s`);
  });

  it('asks pip nothing when every pin is installed', { skip: fs.existsSync(path.join(root, '.venv', 'bin', 'python')) ? false : 'no .venv/ here' }, () => {
    const r = spawnSync('bash', [path.join(root, 'scripts', 'setup-jupyter.sh')], { encoding: 'utf8', env: env({ PIP_INDEX_URL: 'file:///nonexistent' }) });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Jupyter in \.venv\/ is as pinned in scripts\/jupyter-requirements\.txt/);
    assert.match(r.stdout, /JupyterLab 4\.\d+\.\d+, Notebook 7\.\d+\.\d+/);
  });
});
