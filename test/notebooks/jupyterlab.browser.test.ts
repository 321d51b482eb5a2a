/**
 * A notebook the way a learner meets it: `npm run lab` (JupyterLab 4 from the project's .venv/) on
 * 127.0.0.1 with a token, headless Chromium clicking the menus, smoke preset. Run All Cells: every
 * `showFigure` draws (scrolled through: JupyterLab renders only the cells near the viewport), no error;
 * a training cell run again reads the run store and says so; Kernel > Interrupt during a run ends the
 * cell with the finished epochs; save, close, reopen: trusted, every figure drawn again; an untrusted
 * copy shows the trust hint; the dark theme keeps figures and tables legible; at 900 px no legend
 * overlaps a title or tick labels. Then `npm run notebook` (Notebook 7): run all, count the figures.
 * Debian's Notebook 6.4 is no longer tested: the project now installs one Jupyter stack (.venv/), the
 * one learners install today.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { hasRealData } from '../helpers';
import {
  CHROMIUM, CellState, Server, cells, launchBrowser, menu, notebookFolder, openNotebook, screenshotAt, scrollThrough, figureCalls,
  startServer, waitForAllRun, waitForIdle,
} from './jupyterlab';

const NOTEBOOK = '02-better-activation.ipynb';
const skip = !hasRealData ? 'FashionMNIST is absent' : !fs.existsSync(CHROMIUM) ? 'Chromium is not installed' : false;
const shots = path.join(__dirname, '..', '..', 'test-artifacts', 'jupyterlab');

const errorsOf = (state: CellState[]) => state.flatMap((c, i) => c.outputs
  .filter((o) => o.output_type === 'error' || (o.output_type === 'stream' && o.name === 'stderr'))
  .map((o) => `cell ${i}: ${Array.isArray(o.text) ? o.text.join('') : o.text ?? JSON.stringify(o).slice(0, 300)}`));
const outputText = (c: CellState) => c.outputs.map((o) => {
  const plain = o.data?.['text/plain'] ?? o.text ?? '';
  return Array.isArray(plain) ? plain.join('') : String(plain);
}).join('\n');

/** WCAG contrast ratio of two CSS colours (rgb[a] strings). */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) as string[]).slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('JupyterLab 4 and Notebook 7 in a real browser', { skip }, () => {
  let lab: Server | undefined;
  let browser: Browser | undefined;
  let dir = '';
  const expected = figureCalls(path.join(__dirname, '..', '..', 'notebooks', NOTEBOOK));

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    dir = notebookFolder('jupyterlab', [NOTEBOOK]);
    lab = await startServer('lab', dir);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await lab?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('`npm run lab` prints the URL to open, token included, and it serves JupyterLab', async () => {
    const s = lab as Server;
    assert.match(s.printedUrl, new RegExp(`^${s.base}/lab\\?token=${s.token}$`));
    const r = await fetch(s.printedUrl);
    assert.equal(r.status, 200);
    assert.match(await r.text(), /JupyterLab/);
    const specs = await (await fetch(`${s.base}/api/kernelspecs?token=${s.token}`)).json() as { kernelspecs: Record<string, unknown> };
    assert.ok('tslab' in specs.kernelspecs, 'the project\'s TypeScript kernel is offered');
  });

  it('Run > Run All Cells: every figure drawn, no error; save, close, reopen: trusted, drawn again', async () => {
    assert.ok(expected >= 8, `${expected} figures`);
    const page = await openNotebook(browser as Browser, lab as Server, 'lab', NOTEBOOK);
    await menu(page, 'Run', 'Run All Cells');
    const ran = await waitForAllRun(page, 600);
    assert.deepEqual(errorsOf(ran), []);
    const drawn = await scrollThrough(page);
    assert.equal(drawn.figures.length, expected, 'figures drawn while running');
    assert.equal(drawn.hints, 0, 'an untrusted hint left in a trusted session');
    assert.ok(fs.existsSync(path.join(dir, 'reports', 'summary', '02-better-activation.json')), 'the run summary, in VG_REPORTS_DIR');
    await screenshotAt(page, 'div.vg-figure', 0, path.join(shots, 'lab-02-figure1.png'));
    await menu(page, 'File', 'Save Notebook');
    await page.waitForFunction(() => !(window as any).jupyterapp.shell.currentWidget.context.model.dirty, null, { timeout: 30_000 });
    await menu(page, 'File', 'Close Tab');
    await page.close();

    const again = await openNotebook(browser as Browser, lab as Server, 'lab', NOTEBOOK);
    const reopened = await cells(again);
    assert.ok(reopened.filter((c) => c.type === 'code').every((c) => c.trusted), 'the notebook saved by its own session opens trusted');
    const redrawn = await scrollThrough(again);
    assert.equal(redrawn.figures.length, expected, 'figures drawn again from the saved outputs');
    await again.close();
  });

  it('a training cell run again reads the run store and says so', async () => {
    const page = await openNotebook(browser as Browser, lab as Server, 'lab', NOTEBOOK);
    const state = await cells(page);
    const setup = state.findIndex((c) => c.type === 'code');
    const index = state.findIndex((c) => /vg\.run\('baseline'\)/.test(c.source));
    assert.ok(index > setup, 'the baseline cell');
    for (const i of [setup, index]) {
      await page.evaluate((n) => (window as any).jupyterapp.shell.currentWidget.content.activeCellIndex = n, i);
      await menu(page, 'Run', 'Run Selected Cell and Do not Advance');
      await waitForIdle(page, 120);
    }
    const out = outputText((await cells(page))[index]);
    assert.match(out, /baseline \(sigmoid\): from the run store, trained \d{4}-\d\d-\d\d \d\d:\d\d/, 'the progress row');
    assert.match(out, /baseline \(sigmoid\): the run from the run store, trained /, 'the line under it');
    await page.close();
  });

  it('Kernel > Interrupt during a training cell ends it with the finished epochs', async () => {
    const page = await openNotebook(browser as Browser, lab as Server, 'lab', NOTEBOOK);
    const setup = (await cells(page)).findIndex((c) => c.type === 'code');
    await page.evaluate((i) => (window as any).jupyterapp.shell.currentWidget.content.activeCellIndex = i, setup);
    await menu(page, 'Run', 'Run Selected Cell and Do not Advance');
    await waitForIdle(page, 120);
    const n = (await cells(page)).length;
    await page.evaluate((last) => {
      const nb = (window as any).jupyterapp.shell.currentWidget.content;
      nb.activeCellIndex = last;
    }, n - 1);
    await page.keyboard.press('Escape'); // command mode: B inserts a cell below
    await page.keyboard.press('b');
    await page.waitForFunction((count) => (window as any).jupyterapp.shell.currentWidget.content.model.cells.length === count + 1, n);
    await page.evaluate(() => {
      const nb = (window as any).jupyterapp.shell.currentWidget.content;
      nb.activeCell.model.sharedModel.setSource("const long = await vg.run({ from: 'relu', schedule: { epochs: 500 } });");
    });
    await menu(page, 'Run', 'Run Selected Cell and Do not Advance');
    await page.waitForTimeout(15_000);
    await menu(page, 'Kernel', 'Interrupt Kernel');
    await waitForIdle(page, 90);
    const all = await cells(page);
    const out = outputText(all[all.length - 1]);
    assert.match(out, /Interrupted: ReLU stopped after the current step with the epochs it had finished \(seed 0: \d+\)/);
    await page.close();
  });

  it('an untrusted copy shows the hint that says how to trust it, where each figure would be', async () => {
    const saved = JSON.parse(fs.readFileSync(path.join(dir, NOTEBOOK), 'utf8'));
    saved.metadata.copied_elsewhere = true; // changed content: the signature no longer matches
    fs.writeFileSync(path.join(dir, 'untrusted-copy.ipynb'), JSON.stringify(saved));
    const page = await openNotebook(browser as Browser, lab as Server, 'lab', 'untrusted-copy.ipynb');
    const state = await cells(page);
    // Jupyter trusts a cell of an unsigned notebook whose outputs are all safe (text, images); not one with HTML.
    const withHtml = state.filter((c) => c.outputs.some((o) => o.data?.['text/html'] !== undefined));
    assert.ok(withHtml.length > expected / 2, `${withHtml.length} cells with HTML outputs`);
    assert.deepEqual(withHtml.map((c) => c.trusted), withHtml.map(() => false), 'JupyterLab does not trust the copy\'s HTML');
    const drawn = await scrollThrough(page);
    assert.equal(drawn.figures.length, 0, 'no figure drawn without trust');
    assert.equal(drawn.hints, expected + 1, 'a hint per figure and one under the setup cell');
    const hint = (await page.locator('p.vg-untrusted').first().textContent()) ?? '';
    assert.match(hint, /not trusted.*Trust Notebook.*jupyter trust/s);
    await screenshotAt(page, 'p.vg-untrusted', 1, path.join(shots, 'lab-untrusted.png'));
    await page.close();
  });

  async function figureAndTableContrast(page: Page): Promise<Array<{ what: string; ratio: number }>> {
    const found: Array<{ what: string; fg: string; bg: string }> = [];
    await scrollThrough(page, async (p) => {
      found.push(...await p.evaluate(() => {
        const effectiveBg = (el: Element | null): string => {
          for (let e = el; e; e = e.parentElement) {
            const bg = getComputedStyle(e).backgroundColor;
            if (bg && !/rgba\(.*,\s*0\)$/.test(bg) && bg !== 'transparent') return bg;
          }
          return getComputedStyle(document.body).backgroundColor;
        };
        const probe = document.body.appendChild(document.createElement('span'));
        const rgb = (c: string) => {
          probe.style.color = '';
          probe.style.color = c;
          return getComputedStyle(probe).color;
        };
        const res: Array<{ what: string; fg: string; bg: string }> = [];
        for (const gd of document.querySelectorAll('div.vg-figure.js-plotly-plot') as NodeListOf<any>) {
          const fl = gd._fullLayout;
          if (!fl) continue;
          const paper = /rgba\(.*,\s*0\)$/.test(fl.paper_bgcolor) ? effectiveBg(gd) : fl.paper_bgcolor;
          const tick = gd.querySelector('.xtick text');
          res.push({ what: `figure ${gd.id} text`, fg: rgb(tick ? getComputedStyle(tick).fill : fl.font.color), bg: rgb(paper) });
        }
        for (const td of document.querySelectorAll('.jp-OutputArea-output td, .jp-OutputArea-output th, .jp-RenderedMarkdown p')) {
          if (!(td as HTMLElement).innerText.trim()) continue;
          res.push({ what: `${td.tagName.toLowerCase()} "${(td as HTMLElement).innerText.slice(0, 30)}"`, fg: rgb(getComputedStyle(td).color), bg: rgb(effectiveBg(td)) });
        }
        probe.remove();
        return res;
      }));
    });
    return found.map((f) => ({ what: f.what, ratio: contrast(f.fg, f.bg) }));
  }

  it('the dark theme keeps figures and tables legible (contrast 4.5:1 or more)', async () => {
    const page = await openNotebook(browser as Browser, lab as Server, 'lab', NOTEBOOK);
    await page.evaluate(() => (window as any).jupyterapp.commands.execute('apputils:change-theme', { theme: 'JupyterLab Dark' }));
    await page.waitForFunction(() => document.body.dataset.jpThemeLight === 'false', null, { timeout: 30_000 });
    await page.waitForTimeout(1000);
    try {
      const checked = await figureAndTableContrast(page);
      assert.ok(new Set(checked.filter((c) => c.what.startsWith('figure')).map((c) => c.what)).size >= expected, 'every figure checked');
      assert.ok(checked.some((c) => /^t[dh] /.test(c.what)), 'tables checked');
      const illegible = new Set(checked.filter((c) => c.ratio < 4.5).map((c) => `${c.what}: ${c.ratio.toFixed(1)}:1`));
      assert.deepEqual([...illegible], []);
      await screenshotAt(page, 'div.vg-figure', 1, path.join(shots, 'lab-dark-figure.png'));
      await screenshotAt(page, '.jp-OutputArea-output table', 0, path.join(shots, 'lab-dark-table.png'));
    } finally {
      await page.evaluate(() => (window as any).jupyterapp.commands.execute('apputils:change-theme', { theme: 'JupyterLab Light' }));
      await page.waitForFunction(() => document.body.dataset.jpThemeLight === 'true', null, { timeout: 30_000 });
      await page.close();
    }
  });

  it('at 900 px wide, no legend overlaps a title, an axis title or tick labels, and no panel title another', async () => {
    const page = await openNotebook(browser as Browser, lab as Server, 'lab', NOTEBOOK, 900);
    const overlaps = new Set<string>();
    const figures = new Set<string>();
    await scrollThrough(page, async (p) => {
      const found = await p.evaluate(() => {
        const box = (e: Element) => e.getBoundingClientRect();
        const meet = (a: DOMRect, b: DOMRect) => a.width > 0 && b.width > 0 && a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
        const res: { figures: string[]; overlaps: string[] } = { figures: [], overlaps: [] };
        for (const gd of document.querySelectorAll('div.vg-figure.js-plotly-plot')) {
          if (!gd.querySelector('svg.main-svg')) continue;
          res.figures.push(gd.id);
          const title = (gd as any)._fullLayout?.title?.text ?? gd.id;
          const name = String(title).replace(/<[^>]+>/g, '').slice(0, 60);
          // panel titles (annotations) against each other and against the figure's title
          const notes = [...gd.querySelectorAll('g.annotation')];
          const heading = gd.querySelector('.g-gtitle text');
          notes.forEach((a, i) => {
            for (const b of [...notes.slice(i + 1), ...(heading ? [heading] : [])]) {
              if (meet(box(a), box(b))) res.overlaps.push(`"${name}": "${(a.textContent ?? '').slice(0, 30)}" over "${(b.textContent ?? '').slice(0, 30)}"`);
            }
          });
          const legend = gd.querySelector('g.legend');
          if (!legend) continue;
          const lb = box(legend.querySelector('rect.bg') ?? legend);
          const others = [...gd.querySelectorAll('.g-gtitle text, .g-xtitle text, .g-x2title text, .g-ytitle text, .xtick text, .x2tick text, .colorbar')];
          for (const o of others) if (meet(lb, box(o))) res.overlaps.push(`"${name}": legend over ${o.getAttribute('class') ?? o.tagName} "${(o.textContent ?? '').slice(0, 30)}"`);
        }
        return res;
      });
      found.figures.forEach((f) => figures.add(f));
      found.overlaps.forEach((o) => overlaps.add(o));
    });
    await screenshotAt(page, 'div.vg-figure', 0, path.join(shots, 'lab-900-figure1.png'));
    await screenshotAt(page, 'div.vg-figure', 3, path.join(shots, 'lab-900-figure4.png'));
    assert.equal(figures.size, expected, 'every figure looked at');
    assert.deepEqual([...overlaps], []);
    await page.close();
  });

  it('`npm run notebook` (Notebook 7): Run All Cells draws every figure', async () => {
    const nbDir = notebookFolder('notebook7', [NOTEBOOK]);
    const server = await startServer('notebook', nbDir);
    try {
      assert.match(server.printedUrl, new RegExp(`^${server.base}/tree\\?token=${server.token}$`));
      const page = await openNotebook(browser as Browser, server, 'notebook', NOTEBOOK);
      await menu(page, 'Run', 'Run All Cells');
      const ran = await waitForAllRun(page, 600);
      assert.deepEqual(errorsOf(ran), []);
      const drawn = await scrollThrough(page);
      assert.equal(drawn.figures.length, expected);
      await screenshotAt(page, 'div.vg-figure', 0, path.join(shots, 'notebook7-02.png'));
      await page.close();
    } finally {
      await server.stop();
      fs.rmSync(nbDir, { recursive: true, force: true });
    }
  });
});
