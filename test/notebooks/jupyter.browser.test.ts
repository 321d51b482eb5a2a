/**
 * A notebook the way a learner meets it: Debian's classic `jupyter notebook` server, started here on
 * 127.0.0.1 with a token, driven by headless Chromium. Run all cells (smoke preset): every `showFigure`
 * call renders a Plotly figure, no error; Kernel > Interrupt during a training cell ends it with the
 * epochs done; a run read from the run store says so; save and reopen: trusted, figures drawn again;
 * an untrusted copy shows, without scripts, how to trust it, where each figure would be.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { hasRealData } from '../helpers';

const root = path.resolve(__dirname, '..', '..');
const TOKEN = 'vg-browser-test';
const NOTEBOOK = '02-better-activation.ipynb';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const showFigureCalls = (file: string) =>
  (JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Array<{ cell_type: string; source: string[] | string }> }).cells
    .filter((c) => c.cell_type === 'code')
    .reduce((n, c) => n + ((Array.isArray(c.source) ? c.source.join('') : c.source).match(/vg\.showFigure\(/g) ?? []).length, 0);

describe('a real Jupyter Notebook server in a real browser', { skip: hasRealData ? false : 'FashionMNIST is absent' }, () => {
  let dir = '';
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let base = '';

  before(async () => {
    fs.mkdirSync(path.join(root, '.cache'), { recursive: true });
    dir = fs.mkdtempSync(path.join(root, '.cache', 'browser-'));
    fs.symlinkSync(path.join(root, 'lib'), path.join(dir, 'lib'));
    fs.copyFileSync(path.join(root, 'notebooks', NOTEBOOK), path.join(dir, NOTEBOOK));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn('jupyter', ['notebook', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, `--NotebookApp.token=${TOKEN}`,
      '--allow-root', `--notebook-dir=${dir}`], {
      // the notebook's summary goes to the test's folder, not the project's reports/
      env: { ...process.env, VG_PRESET: 'smoke', VG_STORE_DIR: path.join(dir, 'store'), VG_REPORTS_DIR: path.join(dir, 'reports'),
        JUPYTER_PATH: path.join(root, '.jupyter', 'share', 'jupyter'),
        JUPYTER_DATA_DIR: path.join(dir, 'jupyter-data') },
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${base}/api/status?token=${TOKEN}`)).ok) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  });

  after(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string): Promise<Page> {
    const page = await (browser as Browser).newPage({ viewport: { width: 1300, height: 1000 } });
    await page.goto(`${base}/notebooks/${name}?token=${TOKEN}`, { waitUntil: 'load' });
    await page.waitForFunction(() => (window as any).Jupyter?.notebook?._fully_loaded, null, { timeout: 60_000 });
    return page;
  }
  const idle = (page: Page, seconds: number) => page.waitForFunction(
    () => (window as any).Jupyter.notebook.kernel?.is_connected() && !(window as any).Jupyter.notebook.kernel_busy && document.querySelectorAll('.running').length === 0,
    null, { timeout: seconds * 1000, polling: 500 });
  const counts = (page: Page) => page.evaluate(() => ({
    plots: document.querySelectorAll('.js-plotly-plot').length,
    hints: document.querySelectorAll('p.vg-untrusted').length,
    errors: [...document.querySelectorAll('.output_error, .output_stderr')].map((e) => (e as HTMLElement).innerText.slice(0, 300)),
    trusted: (window as any).Jupyter.notebook.trusted as boolean,
  }));

  it('runs every cell, renders one figure per showFigure call, saves, reopens trusted with the figures', async () => {
    const expected = showFigureCalls(path.join(dir, NOTEBOOK));
    assert.ok(expected >= 8, `${expected} showFigure calls`);
    const page = await open(NOTEBOOK);
    await page.waitForFunction(() => (window as any).Jupyter.notebook.kernel?.is_connected(), null, { timeout: 60_000 });
    await page.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
    await page.waitForTimeout(2000);
    await idle(page, 600);
    await page.waitForTimeout(2000);
    const ran = await counts(page);
    assert.deepEqual(ran.errors, []);
    assert.equal(ran.plots, expected, 'figures rendered while running');
    assert.equal(ran.hints, 0, 'an untrusted hint left in a trusted session');
    assert.ok(fs.existsSync(path.join(dir, 'reports', 'summary', '02-better-activation.json')), 'the run summary, in VG_REPORTS_DIR');
    await page.evaluate(() => (window as any).Jupyter.notebook.save_notebook());
    await page.waitForTimeout(2000);
    await page.close();
    const again = await open(NOTEBOOK);
    await again.waitForTimeout(3000);
    const reopened = await counts(again);
    assert.equal(reopened.trusted, true, 'the notebook saved by its own session opens trusted');
    assert.equal(reopened.plots, expected, 'figures drawn again from the saved outputs');
    await again.close();
  });

  it('an untrusted copy says, without scripts, how to trust it, where each figure would be', async () => {
    const saved = JSON.parse(fs.readFileSync(path.join(dir, NOTEBOOK), 'utf8'));
    saved.metadata.copied_elsewhere = true; // changed content: the signature no longer matches
    fs.writeFileSync(path.join(dir, 'untrusted-copy.ipynb'), JSON.stringify(saved));
    const page = await open('untrusted-copy.ipynb');
    await page.waitForTimeout(3000);
    const c = await counts(page);
    assert.equal(c.trusted, false);
    assert.equal(c.plots, 0);
    assert.equal(c.hints, showFigureCalls(path.join(dir, NOTEBOOK)) + 1, 'a hint per figure and one under the setup cell');
    const hint = await page.locator('p.vg-untrusted').first().innerText();
    assert.match(hint, /not trusted.*jupyter trust NOTEBOOK\.ipynb/s);
    // Untrusted, Jupyter skips markdown outputs and shows their text/plain: the markdown source itself.
    const text = await page.evaluate(() => [...document.querySelectorAll('.output_text')].map((e) => (e as HTMLElement).innerText).join('\n'));
    assert.match(text, /The gradient that flows \(RMS dL\/dh\).*10⁻/, 'the conclusions, their powers of ten readable');
    assert.doesNotMatch(text, /<su[pb]>/, 'raw HTML tags in an untrusted output');
    await page.close();
  });

  it('a run read from the run store says so when its cell runs again', async () => {
    const page = await open(NOTEBOOK);
    await page.waitForFunction(() => (window as any).Jupyter.notebook.kernel?.is_connected(), null, { timeout: 60_000 });
    const index = await page.evaluate(() => (window as any).Jupyter.notebook.get_cells().findIndex((c: any) => /vg\.run\('baseline'\)/.test(c.get_text())));
    assert.ok(index > 0, 'the baseline cell');
    await page.evaluate((i) => (window as any).Jupyter.notebook.get_cell(i).execute(), index);
    await page.waitForTimeout(1000);
    await idle(page, 120);
    const out = await page.evaluate((i) => ((window as any).Jupyter.notebook.get_cell(i).output_area.element[0] as HTMLElement).innerText, index);
    assert.match(out, /baseline \(sigmoid\): from the run store, trained \d{4}-\d\d-\d\d \d\d:\d\d/, 'the progress row');
    assert.match(out, /baseline \(sigmoid\): the run from the run store, trained /, 'the line under it');
    await page.close();
  });

  it('Kernel > Interrupt during a training cell ends it with the epochs done', async () => {
    const page = await open(NOTEBOOK);
    await page.waitForFunction(() => (window as any).Jupyter.notebook.kernel?.is_connected(), null, { timeout: 60_000 });
    await page.evaluate(() => {
      const nb = (window as any).Jupyter.notebook;
      nb.select(0);
      nb.execute_cell();
      const cell = nb.insert_cell_at_bottom('code');
      cell.set_text("const long = await vg.run({ from: 'relu', schedule: { epochs: 500 } });");
      cell.execute();
    });
    await page.waitForTimeout(15_000);
    await page.evaluate(() => (window as any).Jupyter.notebook.kernel.interrupt());
    await idle(page, 60);
    const last = await page.evaluate(() => {
      const cells = (window as any).Jupyter.notebook.get_cells();
      return (cells[cells.length - 1].output_area.element[0] as HTMLElement).innerText;
    });
    assert.match(last, /Interrupted: ReLU stopped after the current step with the epochs it had finished \(seed 0: \d+\)/);
    assert.doesNotMatch(last, /Interrupted asynchronously/);
    await page.close();
  });
});
