/**
 * The main job: executes every notebook (or those named: `npm run reports -- 02 05`) with the tslab
 * kernel into reports/NN-*.html (and a signed, executed copy in reports/executed/), rewriting
 * reports/index.html after each, over every notebook's latest report. Preset from VG_PRESET (default
 * 'default'); another preset's reports go to reports/<preset>/. The environment, and that the reports
 * folder can be written and has room, are checked before anything runs (exit 2). A report is replaced
 * only by a complete one: a failing cell, a dead kernel or a stop (Ctrl-C, SIGTERM, SIGHUP: 128 + its
 * number) leaves the earlier report in place and the partial one beside it as NN-*.failed.html, named in
 * the index and on stderr with its notebook and cell. A kernel that fails to start (no cell ran) is
 * started once more, and the output says so.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../lib/runtime/backend';
import { writeFileAtomic, writeJsonAtomic } from '../lib/runtime/files';
import { StopListener, exitStatus, listenForStop } from '../lib/runtime/signals';
import { workerCount } from '../lib/runtime/workers';
import { findDataDir } from '../lib/dataset/fashionmnist';
import { readSummaries } from '../lib/presentation/notebook';
import { reportsDir } from '../lib/runtime/paths';
import { PRESET_NAMES, envSeed, getPreset } from '../lib/spec/presets';
import { NotebookReport, indexHtml } from '../lib/presentation/indexpage';
import { StudyRuns, studyRuns } from '../lib/runs/study';
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
function writeIndex(outDir: string, notebooks: string[], meta: { preset: string; backend: string; seconds: number }, study: StudyRuns): void {
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
  writeFileAtomic(path.join(outDir, 'index.html'), indexHtml(reports, { ...meta, date, others }, require.resolve('plotly.js-dist-min'), study));
}

/**
 * Why a notebook's run failed: execute_notebook.py's own lines, which begin with the notebook's path
 * (the kernel's log, on the same stderr, may come first). The first is the reason the index gives.
 */
function failureReason(stderr: string, notebook: string, code: number): { reason: string; summary: string } {
  const lines = stderr.trim().split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${notebook}: `));
  if (at >= 0) return { reason: lines[at].slice(notebook.length + 2), summary: lines.slice(at, at + 3).join('\n') };
  // Not execute_notebook.py's message (python itself failed): a traceback's last line says what went wrong.
  const last = lines.filter((l) => l.trim()).pop() ?? `exit code ${code}`;
  return { reason: last, summary: `${notebook}: ${last}` };
}

/** execute_notebook.py's exit status when the kernel did not start and no cell ran. */
const KERNEL_DID_NOT_START = 3;

const MB = 1024 * 1024;

/**
 * Why the reports cannot be written to `outDir` (and its executed/, status/ and summary/ folders),
 * found before an hour of notebooks runs rather than after: each folder must take a probe file, and
 * the disk must have room for `notebooks`' reports (each as large as its last one, or as two copies of
 * the Plotly bundle that every report and executed notebook inlines) written beside the old ones.
 */
function reportsFolderProblem(outDir: string, notebooks: string[]): { problem: string; remedy: string } | undefined {
  const now = process.env.VG_REPORTS_DIR ? ` (it is ${process.env.VG_REPORTS_DIR})` : '';
  for (const dir of [outDir, ...['executed', 'status', 'summary'].map((d) => path.join(outDir, d))]) {
    const probe = path.join(dir, `.write-probe-${process.pid}`);
    let made = false;
    try {
      fs.mkdirSync(dir, { recursive: true });
      made = true;
      fs.writeFileSync(probe, 'the reports job checks it can write here\n');
    } catch (e) {
      return {
        problem: `cannot write ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        remedy: `Make it writable, or point VG_REPORTS_DIR at a folder you can write${now}`,
      };
    } finally {
      // A full disk can leave the probe created but empty.
      if (made) fs.rmSync(probe, { force: true });
    }
  }
  const bundle = fs.statSync(require.resolve('plotly.js-dist-min')).size;
  const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  const need = notebooks.reduce((n, file) => {
    const last = size(path.join(outDir, file.replace(/\.ipynb$/, '.html'))) + size(path.join(outDir, 'executed', file));
    return n + Math.max(last, 2 * bundle);
  }, bundle);
  const { bavail, bsize } = fs.statfsSync(outDir);
  const free = bavail * bsize;
  if (free >= need) return undefined;
  return {
    problem: `${outDir} has ${(free / MB).toFixed(1)} MB free; ${notebooks.length} report(s) need about ${(need / MB).toFixed(0)} MB`,
    remedy: `Free some space, or point VG_REPORTS_DIR at a folder on a disk with room${now}`,
  };
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
  const folder = reportsFolderProblem(outDir, notebooks);
  if (folder) {
    console.error(`reports: ${folder.problem}.\n${folder.remedy}. Nothing was run; the reports already on disk are as they were.`);
    return 2;
  }
  const stop = listenForStop({
    onStop: (s) => console.error(`\nreports: ${s} received: stopping the current notebook (its partial report is kept); the index will describe the reports on disk`),
  });
  // The executed copies import './lib/index' as the notebooks do: a link beside them lets them run again.
  const executedDir = path.join(outDir, 'executed');
  fs.mkdirSync(executedDir, { recursive: true });
  if (!fs.existsSync(path.join(executedDir, 'lib'))) fs.symlinkSync(path.relative(executedDir, path.join(root, 'lib')), path.join(executedDir, 'lib'));
  const started = Date.now();
  const meta = () => ({ preset: preset.name, backend, seconds: (Date.now() - started) / 1000 });
  const study = await studyRuns();
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
    const notebook = path.join(notebooksDir, file);
    const run = () => executeNotebook(
      python,
      [path.join(__dirname, 'execute_notebook.py'), notebook, path.join(outDir, 'executed', file), path.join(outDir, `${name}.html`)],
      { ...process.env, JUPYTER_PATH: kernelDir, VG_PRESET: preset.name },
      stop,
    );
    let r = await run();
    if (r.code === KERNEL_DID_NOT_START && !stop.stopping()) {
      // Nothing ran, so nothing is lost by starting again; a second failure is reported as any other.
      process.stderr.write(r.stderr);
      process.stdout.write(`${failureReason(r.stderr, notebook, r.code).reason}: starting it once more … `);
      r = await run();
    }
    const seconds = (Date.now() - t0) / 1000;
    const date = minuteStamp(new Date().toISOString());
    const ok = r.code === 0;
    console.log(ok ? `done in ${seconds.toFixed(0)} s` : `FAILED after ${seconds.toFixed(0)} s`);
    let status: ReportStatus;
    if (ok) {
      status = { good: { date, seconds } };
    } else {
      console.error(r.stderr.trim() || `exit code ${r.code}`);
      const { reason, summary } = failureReason(r.stderr, notebook, r.code);
      failures.push(summary);
      status = { ...(previous.good ? { good: previous.good } : {}), failure: { date, message: reason } };
      if (previousSummary !== undefined) writeFileAtomic(summaryFile, previousSummary);
      else fs.rmSync(summaryFile, { force: true });
    }
    writeJsonAtomic(statusFile(outDir, name), status);
    writeIndex(outDir, all, meta(), study);
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
