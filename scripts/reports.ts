/**
 * The main job: executes every notebook (or those named: `npm run reports -- 02 05`) with the tslab
 * kernel into reports/NN-*.html (and a signed, executed copy in reports/executed/), rewriting
 * reports/index.html after each, over every notebook's latest report. Preset from VG_PRESET (default
 * 'default'); another preset's reports go to reports/<preset>/. The environment is checked before anything runs (exit 2). A report is replaced only by
 * a complete one: a failing cell, a dead kernel or a stop (Ctrl-C, SIGTERM, SIGHUP: 128 + its number)
 * leaves the earlier report in place and the partial one beside it as NN-*.failed.html, named in the
 * index and on stderr with its notebook and cell.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../lib/runtime/backend';
import { writeFileAtomic, writeJsonAtomic } from '../lib/runtime/files';
import { StopListener, exitStatus, listenForStop } from '../lib/runtime/signals';
import { workerCount } from '../lib/runtime/workers';
import { findDataDir } from '../lib/training/data';
import { readSummaries } from '../lib/presentation/notebook';
import { reportsDir } from '../lib/runtime/paths';
import { PRESET_NAMES, envSeed, getPreset } from '../lib/training/presets';
import { NotebookReport, indexHtml } from '../lib/presentation/indexpage';
import { minuteStamp } from '../lib/presentation/html';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { findPython } = require('./find-python.js') as { findPython: () => string };

const root = path.resolve(__dirname, '..');
// Tests point this at notebooks of their own (which reach lib/ through a `lib` symlink).
const notebooksDir = process.env.VG_NOTEBOOKS_DIR ? path.resolve(process.env.VG_NOTEBOOKS_DIR) : path.join(root, 'notebooks');
const kernelDir = path.join(root, '.jupyter', 'share', 'jupyter');

function notebookTitle(file: string): string {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Array<{ cell_type: string; source: string[] | string }> };
  const first = nb.cells.find((c) => c.cell_type === 'markdown');
  const text = first ? (Array.isArray(first.source) ? first.source.join('') : first.source) : '';
  return text.split('\n')[0].replace(/^#\s*/, '') || path.basename(file);
}

/** What the job knows of a notebook's report, kept in <reports>/status/<notebook>.json. */
interface ReportStatus {
  /** The last run that completed: its report is <notebook>.html. */
  good?: { date: string; seconds: number };
  /** The latest run, when it did not complete: its partial report is <notebook>.failed.html. */
  failure?: { date: string; message: string };
}

const statusFile = (outDir: string, name: string) => path.join(outDir, 'status', `${name}.json`);

function readStatus(outDir: string, name: string): ReportStatus {
  try {
    return JSON.parse(fs.readFileSync(statusFile(outDir, name), 'utf8')) as ReportStatus;
  } catch {
    // No status (never run here, or written by an older job): a report on disk is taken as good.
    const html = path.join(outDir, `${name}.html`);
    return fs.existsSync(html) ? { good: { date: minuteStamp(fs.statSync(html).mtime.toISOString()), seconds: 0 } } : {};
  }
}

/** The other presets' index pages, relative to this preset's (none when VG_REPORTS_DIR names the folder). */
function otherIndexes(preset: string, outDir: string): Array<{ preset: string; href: string }> {
  if (process.env.VG_REPORTS_DIR) return [];
  return PRESET_NAMES.filter((p) => p !== preset)
    .map((p) => ({ preset: p, file: path.join(reportsDir(p), 'index.html') }))
    .filter((o) => fs.existsSync(o.file))
    .map((o) => ({ preset: o.preset, href: path.relative(outDir, o.file) }));
}

/** A preset's index over every notebook, from the reports and statuses beside it, whichever job made them. */
function writeIndex(outDir: string, notebooks: string[], meta: { preset: string; backend: string; seconds: number }): void {
  const summaries = readSummaries(path.join(outDir, 'summary'));
  const reports: NotebookReport[] = notebooks.map((file) => {
    const name = file.replace(/\.ipynb$/, '');
    const st = readStatus(outDir, name);
    const hasGood = st.good !== undefined && fs.existsSync(path.join(outDir, `${name}.html`));
    const failedHref = `${name}.failed.html`;
    const hasFailed = st.failure !== undefined && fs.existsSync(path.join(outDir, failedHref));
    return {
      notebook: name,
      title: notebookTitle(path.join(notebooksDir, file)),
      ...(hasGood ? { href: `${name}.html` } : hasFailed ? { href: failedHref } : {}),
      ok: hasGood,
      seconds: st.good?.seconds ?? 0,
      ...(st.good ? { date: st.good.date } : {}),
      ...(st.failure ? { failure: { ...st.failure, href: failedHref } } : {}),
      runs: hasGood ? summaries.find((x) => x.notebook === name)?.runs ?? [] : [],
    };
  });
  const date = minuteStamp(new Date().toISOString());
  const others = otherIndexes(meta.preset, outDir);
  writeFileAtomic(path.join(outDir, 'index.html'), indexHtml(reports, { ...meta, date, others }, require.resolve('plotly.js-dist-min')));
}

/** Runs one notebook in its own python process; SIGINT/SIGTERM/SIGHUP are passed on to it. */
function executeNotebook(python: string, args: string[], env: NodeJS.ProcessEnv, stop: StopListener): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(python, args, { env, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const forward = setInterval(() => {
      const s = stop.signal();
      if (s && child.exitCode === null) child.kill(s);
    }, 200);
    child.on('exit', (code, signal) => {
      clearInterval(forward);
      resolve({ code: exitStatus(code, signal), stderr });
    });
  });
}

async function main(): Promise<number> {
  // Everything the notebooks will read from the environment, checked before any report is touched.
  let preset: ReturnType<typeof getPreset>;
  let outDir: string;
  try {
    preset = getPreset();
    envSeed();
    workerCount(1);
    findDataDir();
    outDir = reportsDir(preset.name);
  } catch (e) {
    console.error(`reports: ${(e as Error).message}\nNothing was run; the reports already on disk are as they were.`);
    return 2;
  }
  if (!fs.existsSync(path.join(kernelDir, 'kernels', 'tslab', 'kernel.json'))) {
    throw new Error('the tslab kernel is not registered: run `bash scripts/setup.sh` first');
  }
  const python = findPython();
  const backend = await initBackend();
  const only = process.argv.slice(2);
  const all = fs.readdirSync(notebooksDir).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();
  const notebooks = all.filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));
  if (notebooks.length === 0) throw new Error(`no notebook matches ${only.join(', ')}`);
  const stop = listenForStop({
    onStop: (s) => console.error(`\nreports: ${s} received: stopping the current notebook (its partial report is kept); the index will describe the reports on disk`),
  });
  // The executed copies import './lib/index' as the notebooks do: a link beside them lets them run again.
  const executedDir = path.join(outDir, 'executed');
  fs.mkdirSync(executedDir, { recursive: true });
  if (!fs.existsSync(path.join(executedDir, 'lib'))) fs.symlinkSync(path.relative(executedDir, path.join(root, 'lib')), path.join(executedDir, 'lib'));
  const started = Date.now();
  const meta = () => ({ preset: preset.name, backend, seconds: (Date.now() - started) / 1000 });
  const failures: string[] = [];
  console.log(`reports: ${notebooks.length} notebooks, preset ${preset.name}, backend ${backend}`);
  for (const [i, file] of notebooks.entries()) {
    if (stop.stopping()) break;
    const name = file.replace(/\.ipynb$/, '');
    process.stdout.write(`[${i + 1}/${notebooks.length}] ${name} … `);
    const t0 = Date.now();
    const previous = readStatus(outDir, name);
    // The notebook rewrites its summary as it runs; an incomplete run must not leave its summary beside the old report.
    const summaryFile = path.join(outDir, 'summary', `${name}.json`);
    const previousSummary = fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, 'utf8') : undefined;
    const r = await executeNotebook(
      python,
      [path.join(__dirname, 'execute_notebook.py'), path.join(notebooksDir, file), path.join(outDir, 'executed', file), path.join(outDir, `${name}.html`)],
      { ...process.env, JUPYTER_PATH: kernelDir, VG_PRESET: preset.name },
      stop,
    );
    const seconds = (Date.now() - t0) / 1000;
    const date = minuteStamp(new Date().toISOString());
    const ok = r.code === 0;
    console.log(ok ? `done in ${seconds.toFixed(0)} s` : `FAILED after ${seconds.toFixed(0)} s`);
    let status: ReportStatus;
    if (ok) {
      status = { good: { date, seconds } };
    } else {
      const why = r.stderr.trim() || `exit code ${r.code}`;
      console.error(why);
      failures.push(why.split('\n').slice(0, 3).join('\n'));
      const first = why.split('\n')[0].replace(/^.*?\.ipynb: /, '');
      status = { ...(previous.good ? { good: previous.good } : {}), failure: { date, message: first } };
      if (previousSummary !== undefined) writeFileAtomic(summaryFile, previousSummary);
      else fs.rmSync(summaryFile, { force: true });
    }
    writeJsonAtomic(statusFile(outDir, name), status);
    writeIndex(outDir, all, meta());
  }
  const done = notebooks.length - failures.length;
  console.log(`reports: wrote ${path.relative(process.cwd(), outDir) || '.'}/index.html and ${done} of ${notebooks.length} reports in ${(meta().seconds / 60).toFixed(1)} min`);
  if (stop.stopping()) return stop.exitCode();
  if (failures.length) {
    console.error(`reports: ${failures.length} notebook(s) failed:\n${failures.join('\n')}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`reports: ${e.message}`);
    process.exit(1);
  },
);
