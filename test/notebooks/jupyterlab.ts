/**
 * Driving the project's JupyterLab 4 / Notebook 7 the way a learner does: the server started with
 * `npm run lab` / `npm run notebook` on a folder of its own, headless Chromium clicking the menus. The
 * app is exposed in the page (`--expose-app-in-browser`, as JupyterLab's own UI tests do) only to read
 * the notebook's state: cells, outputs, trust and the kernel's status.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';

export const root = path.resolve(__dirname, '..', '..');
export const CHROMIUM = '/usr/bin/chromium';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The figures a notebook draws: one per `vg.plot…(` call in its code cells, whether `vg.showFigure` shows it
 * or `vg.showFolded` puts it behind a fold (folded figures are drawn too, closed).
 */
export const figureCalls = (file: string) =>
  (JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Array<{ cell_type: string; source: string[] | string }> }).cells
    .filter((c) => c.cell_type === 'code')
    .reduce((n, c) => n + ((Array.isArray(c.source) ? c.source.join('') : c.source).match(/vg\.plot\w+\(/g) ?? []).length, 0);

/** A server on a folder of its own, with its own Jupyter config, data, settings and workspaces. */
export interface Server {
  base: string;
  token: string;
  /** What `npm run lab` printed as the URL to open. */
  printedUrl: string;
  dir: string;
  stop(): Promise<void>;
}

/** A temporary folder with the notebooks copied in and a `lib` link, as the project's notebooks/ has. */
export function notebookFolder(name: string, notebooks: string[]): string {
  fs.mkdirSync(path.join(root, '.cache'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, '.cache', `${name}-`));
  fs.symlinkSync(path.join(root, 'lib'), path.join(dir, 'lib'));
  for (const nb of notebooks) fs.copyFileSync(path.join(root, 'notebooks', nb), path.join(dir, nb));
  return dir;
}

export async function startServer(app: 'lab' | 'notebook', dir: string): Promise<Server> {
  const port = await freePort();
  const token = `vg-${app}-test`;
  const state = path.join(dir, '.jupyter-state');
  // no "get notified about Jupyter news?" toast over the figures in the screenshots
  const settings = path.join(state, 'settings', '@jupyterlab', 'apputils-extension');
  fs.mkdirSync(settings, { recursive: true });
  fs.writeFileSync(path.join(settings, 'notification.jupyterlab-settings'), JSON.stringify({ fetchNews: 'false' }));
  const child: ChildProcess = spawn('npm', ['run', '--silent', app, '--', dir, '--no-browser', '--expose-app-in-browser'], {
    cwd: root,
    detached: true, // its own process group, so that stop() ends npm, Jupyter and the kernels together
    env: {
      ...process.env, VG_PORT: String(port), VG_TOKEN: token,
      // smoke-sized runs; the run store and the notebook's summary in the test's folder
      VG_PRESET: 'smoke', VG_STORE_DIR: path.join(dir, 'store'), VG_REPORTS_DIR: path.join(dir, 'reports'),
      JUPYTER_CONFIG_DIR: path.join(state, 'config'), JUPYTER_DATA_DIR: path.join(state, 'data'),
      JUPYTERLAB_SETTINGS_DIR: path.join(state, 'settings'), JUPYTERLAB_WORKSPACES_DIR: path.join(state, 'workspaces'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const started = Date.now();
  while (!/\?token=\S+/.test(out.split('Open:')[1] ?? '')) {
    if (child.exitCode !== null) throw new Error(`npm run ${app} exited with ${child.exitCode}:\n${out}`);
    if (Date.now() - started > 90_000) throw new Error(`npm run ${app} printed no URL in 90 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const printedUrl = (out.split('Open:')[1].match(/http\S+\?token=\S+/) as RegExpMatchArray)[0];
  return {
    base: `http://127.0.0.1:${port}`,
    token,
    printedUrl,
    dir,
    async stop() {
      if (child.exitCode === null) {
        try {
          process.kill(-(child.pid as number), 'SIGTERM');
        } catch {
          // already gone
        }
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens a notebook, alone in its page, and waits until its kernel is idle. */
export async function openNotebook(browser: Browser, server: Server, app: 'lab' | 'notebook', name: string, width = 1400): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 1000 } });
  // tsx compiles the functions this file hands to page.evaluate with a `__name` helper of its own
  await page.addInitScript('window.__name = function (f) { return f; };');
  // `reset`: a fresh workspace, so no tab restored from an earlier page shares the document with this one
  const url = app === 'lab' ? `${server.base}/lab/tree/${name}?reset&token=${server.token}` : `${server.base}/notebooks/${name}?token=${server.token}`;
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => {
    const panel = (window as any).jupyterapp?.shell?.currentWidget;
    return panel?.context?.isReady && panel.sessionContext?.session?.kernel?.status === 'idle';
  }, null, { timeout: 120_000, polling: 250 });
  return page;
}

export interface CellState {
  type: string;
  source: string;
  executionCount: number | null;
  trusted: boolean;
  outputs: Array<{ output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown> }>;
}

export const cells = (page: Page): Promise<CellState[]> => page.evaluate(() => {
  const model = (window as any).jupyterapp.shell.currentWidget.content.model;
  const all: CellState[] = [];
  for (let i = 0; i < model.cells.length; i++) {
    const c = model.cells.get(i);
    all.push({
      type: c.type, source: c.sharedModel.getSource(), executionCount: c.type === 'code' ? c.executionCount ?? null : null,
      trusted: !!c.trusted, outputs: c.type === 'code' ? c.outputs.toJSON() : [],
    });
  }
  return all;
});

export const kernelStatus = (page: Page): Promise<string> =>
  page.evaluate(() => (window as any).jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status ?? 'none');

/** Clicks a top menu, then one of its items, by the labels a learner reads ("Run", "Run All Cells"). */
export async function menu(page: Page, top: string, item: string): Promise<void> {
  await page.locator('.lm-MenuBar-item', { hasText: new RegExp(`^${top}$`) }).click();
  await page.locator('.lm-Menu .lm-Menu-item[data-type=command]:not(.lm-mod-disabled)', {
    has: page.locator('.lm-Menu-itemLabel', { hasText: new RegExp(`^${item.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }),
  }).first().click();
}

/** Waits until the kernel has been idle for 2 s. */
export async function waitForIdle(page: Page, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let idleSince = 0;
  while (Date.now() < deadline) {
    if ((await kernelStatus(page)) === 'idle') {
      idleSince ||= Date.now();
      if (Date.now() - idleSince > 2000) return;
    } else {
      idleSince = 0;
    }
    await page.waitForTimeout(300);
  }
  throw new Error(`the kernel was still busy after ${seconds} s`);
}

/** Waits until every code cell has run (an execution count) and then the kernel has stayed idle for 2 s. */
export async function waitForAllRun(page: Page, seconds: number): Promise<CellState[]> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await cells(page)).filter((c) => c.type === 'code').every((c) => c.executionCount !== null)) {
    if (Date.now() > deadline) throw new Error(`cells still running after ${seconds} s`);
    await page.waitForTimeout(500);
  }
  await waitForIdle(page, Math.max(1, (deadline - Date.now()) / 1000));
  return cells(page);
}

export interface Drawn {
  /** ids of the figures Plotly drew (an svg inside the figure's div). */
  figures: string[];
  /** untrusted hints seen. */
  hints: number;
}

/**
 * Scrolls through the whole notebook, top to bottom, collecting what was drawn: JupyterLab attaches or
 * renders only the cells near the viewport, so a count without scrolling misses figures.
 */
export async function scrollThrough(page: Page, visit?: (page: Page) => Promise<void>): Promise<Drawn> {
  const figures = new Set<string>();
  const hints = new Set<string>();
  await page.evaluate(() => {
    const scroller = document.querySelector('.jp-WindowedPanel-outer') as HTMLElement;
    scroller.scrollTop = 0;
  });
  for (let step = 0; step < 400; step++) {
    // JupyterLab renders a cell's outputs as it nears the viewport: wait (up to 5 s) until each figure
    // in view is drawn, or says why it is not (the untrusted hint)
    await page.waitForTimeout(200);
    await page.waitForFunction(() => [...document.querySelectorAll('div.vg-figure')].every((d) => {
      const r = d.getBoundingClientRect();
      return r.bottom < 0 || r.top > window.innerHeight || d.querySelector('svg.main-svg, p.vg-untrusted');
    }), null, { timeout: 5000, polling: 100 }).catch(() => undefined);
    const seen = await page.evaluate(() => ({
      figures: [...document.querySelectorAll('div.vg-figure')].filter((d) => d.querySelector('svg.main-svg')).map((d) => d.id),
      // a hint is known by its cell's place and its own place in that cell
      hints: [...document.querySelectorAll('p.vg-untrusted')].map((p) => {
        const cell = p.closest('.jp-Cell') as HTMLElement;
        const place = [...document.querySelectorAll('.jp-Notebook .jp-Cell')].indexOf(cell);
        return `${place}:${[...cell.querySelectorAll('p.vg-untrusted')].indexOf(p)}`;
      }),
    }));
    seen.figures.forEach((f) => figures.add(f));
    seen.hints.forEach((h) => hints.add(h));
    if (visit) await visit(page);
    const atEnd = await page.evaluate(() => {
      const s = document.querySelector('.jp-WindowedPanel-outer') as HTMLElement;
      if (s.scrollTop + s.clientHeight >= s.scrollHeight - 2) return true;
      s.scrollTop += Math.round(s.clientHeight * 0.6);
      return false;
    });
    if (atEnd) break;
  }
  return { figures: [...figures], hints: hints.size };
}

/** Scrolls the `n`th element matching `selector` into view and takes a screenshot of the window. */
export async function screenshotAt(page: Page, selector: string, n: number, file: string): Promise<void> {
  await page.evaluate(({ sel, i }) => document.querySelectorAll(sel)[i]?.scrollIntoView({ block: 'center' }), { sel: selector, i: n });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: file });
}
