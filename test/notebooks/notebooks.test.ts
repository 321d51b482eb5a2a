/**
 * The product as people get it: every notebook executed through real Jupyter with the tslab kernel
 * (smoke preset), the HTML reports opened offline in headless Chromium with their Plotly figures
 * counted, a failing cell reported by notebook, cell and error, and notebooks kept thin.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { findPython, findJupyter } = require('../../scripts/find-python.js') as { findPython: () => string; findJupyter: () => string };
const notebooksDir = path.join(root, 'notebooks');
const artifacts = path.join(root, 'test-artifacts');
const notebooks = fs.readdirSync(notebooksDir).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();

interface Cell { cell_type: string; source: string[] | string; outputs?: Array<Record<string, unknown>> }
const readNotebook = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Cell[]; metadata: Record<string, unknown> };
const text = (s: string[] | string) => (Array.isArray(s) ? s.join('') : s);
const codeCells = (file: string) => readNotebook(file).cells.filter((c) => c.cell_type === 'code').map((c) => text(c.source));

function runReports(outDir: string, env: Record<string, string> = {}, only: string[] = []) {
  return spawnSync('npx', ['tsx', 'scripts/reports.ts', ...only], {
    cwd: root,
    encoding: 'utf8',
    // a store of its own: the job trains every run, whatever an earlier job left in .cache/runs
    env: { ...process.env, VG_PRESET: 'smoke', VG_REPORTS_DIR: outDir, VG_STORE_DIR: path.join(outDir, 'store'), ...env },
    timeout: 15 * 60 * 1000,
  });
}

describe('notebooks as committed', () => {
  it('are eight (the problem, then seven remedies), nbformat 4 on the tslab kernel, without outputs', () => {
    assert.equal(notebooks.length, 8);
    for (const f of notebooks) {
      const nb = readNotebook(path.join(notebooksDir, f));
      assert.equal((nb.metadata.kernelspec as { name: string }).name, 'tslab', f);
      for (const c of nb.cells) assert.deepEqual(c.outputs ?? [], [], `${f} has outputs committed`);
    }
  });

  it('open with the same setup cell', () => {
    const first = notebooks.map((f) => codeCells(path.join(notebooksDir, f))[0]);
    assert.match(first[0], /await vg\.setup\(\)/);
    for (const c of first) assert.equal(c, first[0]);
  });

  it('keep computation in lib/: short cells, no tensor code, loops or function definitions', () => {
    for (const f of notebooks) {
      codeCells(path.join(notebooksDir, f)).forEach((src, i) => {
        const where = `${f} code cell ${i + 1}`;
        assert.ok(src.split('\n').length <= 6, `${where} is longer than 6 lines`);
        assert.doesNotMatch(src, /\btf\.|\bfor\s*\(|\bwhile\s*\(|\bfunction\b|=>/, `${where} holds logic that belongs in lib/`);
      });
    }
  });

  it('are each described in the README, with how to open them in JupyterLab and trust them', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const f of notebooks) assert.ok(readme.includes(f.replace('.ipynb', '')), `README does not describe ${f}`);
    assert.match(readme, /npm run lab/);
    assert.match(readme, /npm run notebook/);
    assert.match(readme, /Trust Notebook/);
    assert.match(readme, /jupyter trust/);
  });
});

describe('the reports job (smoke preset)', () => {
  // Inside the project, as reports/ is by default (tslab resolves modules from there).
  fs.mkdirSync(path.join(root, '.cache'), { recursive: true });
  const out = fs.mkdtempSync(path.join(root, '.cache', 'vg-reports-'));
  let job: ReturnType<typeof runReports>;
  before(() => {
    job = runReports(out);
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('executes every notebook end to end without errors', () => {
    assert.equal(job.status, 0, `reports job failed:\n${job.stdout}\n${job.stderr}`);
    for (const f of notebooks) {
      const nb = readNotebook(path.join(out, 'executed', f));
      const cells = nb.cells.filter((c) => c.cell_type === 'code');
      assert.ok((cells[0].outputs ?? []).length > 0, `${f}: the setup cell shows nothing`);
      cells.forEach((c, i) => {
        for (const o of c.outputs ?? []) {
          assert.notEqual(o.output_type, 'error', `${f} cell ${i + 1}`);
          assert.ok(!(o.output_type === 'stream' && o.name === 'stderr'), `${f} cell ${i + 1} wrote to stderr: ${text(o.text as string[])}`);
        }
      });
    }
  });

  it('writes the eight HTML files and signed executed notebooks', () => {
    for (const f of notebooks) assert.ok(fs.existsSync(path.join(out, f.replace('.ipynb', '.html'))), f);
    assert.ok(fs.existsSync(path.join(out, 'index.html')));
    const check = spawnSync(findPython(), ['-c',
      'import sys, nbformat; from nbformat.sign import NotebookNotary; n = NotebookNotary();' +
      'sys.exit(0 if all(n.check_signature(nbformat.read(f, 4)) for f in sys.argv[1:]) else 1)',
      ...notebooks.map((f) => path.join(out, 'executed', f))], { encoding: 'utf8' });
    assert.equal(check.status, 0, `executed notebooks are not trusted: ${check.stderr}`);
  });

  it('keeps every report and executed notebook under 6 MB', () => {
    for (const f of notebooks) {
      for (const file of [path.join(out, f.replace('.ipynb', '.html')), path.join(out, 'executed', f)]) {
        const mb = fs.statSync(file).size / 1e6;
        assert.ok(mb < 6, `${path.relative(out, file)} is ${mb.toFixed(1)} MB`);
      }
    }
  });

  it('converts with `jupyter nbconvert --to html --execute`, as the README shows', () => {
    const file = notebooks[0];
    const r = spawnSync(findJupyter(), ['nbconvert', '--to', 'html', '--execute', path.join('notebooks', file), '--output-dir', path.join(out, 'nbconvert')], {
      cwd: root, encoding: 'utf8', timeout: 5 * 60 * 1000,
      env: { ...process.env, VG_PRESET: 'smoke', VG_STORE_DIR: path.join(out, 'store'), JUPYTER_PATH: path.join(root, '.jupyter', 'share', 'jupyter') },
    });
    assert.equal(r.status, 0, r.stderr);
    const html = fs.readFileSync(path.join(out, 'nbconvert', file.replace('.ipynb', '.html')), 'utf8');
    // every vg.plot… call draws a figure, shown or behind a fold
    const calls = codeCells(path.join(notebooksDir, file)).join('\n').match(/vg\.plot\w+\(/g)?.length ?? 0;
    assert.ok(calls > 0);
    assert.equal(html.match(/class="vg-figure"/g)?.length, calls, 'one figure per plot call');
  });

  it('lets an executed copy be run again where it lies (its lib link resolves)', () => {
    assert.ok(fs.existsSync(path.join(out, 'executed', 'lib', 'index.ts')), 'no executed/lib link');
    const again = path.join(out, 'again');
    const r = spawnSync(findPython(), [path.join(root, 'scripts', 'execute_notebook.py'), path.join(out, 'executed', notebooks[0]),
      path.join(again, notebooks[0]), path.join(again, 'again.html')], {
      encoding: 'utf8', env: { ...process.env, VG_PRESET: 'smoke', JUPYTER_PATH: path.join(root, '.jupyter', 'share', 'jupyter') }, timeout: 5 * 60 * 1000,
    });
    assert.equal(r.status, 0, r.stderr);
  });

  it("links each report's mentions of another notebook to that notebook's report", () => {
    for (const f of notebooks.filter((n) => !n.startsWith('00-'))) {
      const html = fs.readFileSync(path.join(out, f.replace('.ipynb', '.html')), 'utf8');
      assert.match(html, /href="00-the-problem\.html"/, `${f}: the recap links the opening notebook's report`);
      assert.doesNotMatch(html, /href="\d\d-[^"]*\.ipynb"/, `${f}: a link still points at a notebook file`);
      for (const [, target] of html.matchAll(/href="(\d\d-[^"]*\.html)"/g)) {
        assert.ok(fs.existsSync(path.join(out, target)), `${f} links ${target}, which the job did not write`);
      }
    }
  });

  it('renders every Plotly figure offline in headless Chromium', async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    assert.ok(fs.existsSync('/usr/bin/chromium'), 'Chromium is missing: run `bash scripts/setup.sh` as root (or `sudo apt-get install chromium`)');
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const pages = [...notebooks.map((f) => f.replace('.ipynb', '.html')), 'index.html'];
      for (const file of pages) {
        const context = await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } });
        const external: string[] = [];
        await context.route('**/*', (route) => {
          if (route.request().url().startsWith('file:')) return route.continue();
          external.push(route.request().url());
          return route.abort();
        });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`file://${path.join(out, file)}`);
        const expected = file === 'index.html'
          ? 1
          : codeCells(path.join(notebooksDir, file.replace('.html', '.ipynb'))).reduce((n, c) => n + (c.match(/showFigure\(/g) ?? []).length, 0);
        await page.waitForFunction((n) => Array.from(document.querySelectorAll('.js-plotly-plot')).filter((p) => p.querySelector('.main-svg')).length >= n,
          expected, { timeout: 30000 }).catch(() => undefined);
        const rendered = await page.locator('.js-plotly-plot:has(.main-svg)').count();
        assert.ok(rendered >= expected, `${file}: ${rendered} of ${expected} figures rendered`);
        assert.deepEqual(errors, [], `${file}: script errors`);
        assert.deepEqual(external, [], `${file}: asked the network for something`);
        if (file.startsWith('02-')) {
          fs.mkdirSync(artifacts, { recursive: true });
          await page.screenshot({ path: path.join(artifacts, 'report-02-better-activation.png'), fullPage: true });
        }
        await context.close();
      }
    } finally {
      await browser.close();
    }
    assert.ok(fs.statSync(path.join(artifacts, 'report-02-better-activation.png')).size > 10000);
  });
});

describe('a failing cell', () => {
  it('with several seeds (VG_SEEDS=2), draws bands and counts the seeds in the verdicts', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-seeds-'));
    try {
      const job = runReports(out, { VG_SEEDS: '2' }, ['02']);
      assert.equal(job.status, 0, job.stdout + job.stderr);
      const html = fs.readFileSync(path.join(out, '02-better-activation.html'), 'utf8');
      assert.match(html, /geometric mean over 2 seeds, band: min–max/);
      assert.match(html, /ReLU, seed 1: epoch 2\/2/, 'a progress row per seed');
      assert.match(html, /in both seeds|[12] of 2 seeds/, 'verdicts count the seeds');
      assert.match(html, /baseline \(sigmoid\): 2 seeds from the run store|Over 2 seeds \(0, 1\)/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('fails the job naming notebook, cell and error, and keeps the reports written', () => {
    // Inside the project, so that tslab resolves node_modules from the notebooks' folder.
    fs.mkdirSync(path.join(root, '.cache'), { recursive: true });
    const dir = fs.mkdtempSync(path.join(root, '.cache', 'failing-notebooks-'));
    const out = path.join(dir, 'out');
    try {
      fs.symlinkSync(path.join(root, 'lib'), path.join(dir, 'lib'));
      const nb = readNotebook(path.join(notebooksDir, notebooks[0]));
      const setup = nb.cells.find((c) => c.cell_type === 'code')!;
      const cell = (source: string): Cell => ({ cell_type: 'code', source: [source], outputs: [] });
      const write = (name: string, cells: Cell[]) =>
        fs.writeFileSync(path.join(dir, name), JSON.stringify({ ...nb, cells: cells.map((c, i) => ({ ...c, id: `c${i}`, metadata: {}, execution_count: null })) }));
      write('01-fine.ipynb', [setup, cell("vg.showMarkdown('all good');")]);
      write('02-broken.ipynb', [setup, cell("const h = await vg.run('no-such-remedy');")]);
      const job = runReports(out, { VG_NOTEBOOKS_DIR: dir });
      assert.equal(job.status, 1, job.stdout + job.stderr);
      assert.match(job.stderr, /02-broken\.ipynb: code cell 2 failed \(const h = await vg\.run\('no-such-remedy'\);\)/);
      assert.match(job.stderr, /unknown experiment "no-such-remedy"/);
      assert.ok(fs.existsSync(path.join(out, '01-fine.html')), 'the report written before the failure is gone');
      assert.ok(fs.existsSync(path.join(out, '02-broken.failed.html')), 'the partly executed report was not kept');
      assert.ok(!fs.existsSync(path.join(out, '02-broken.html')), 'a failed run is not a report');
      assert.ok(fs.existsSync(path.join(out, 'index.html')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
