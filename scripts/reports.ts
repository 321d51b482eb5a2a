/**
 * The main job: executes every notebook with the tslab kernel into reports/NN-*.html (and a signed,
 * executed copy in reports/executed/), then writes reports/index.html. Preset from VG_PRESET
 * (default 'default'). A failing cell fails the job, naming notebook, cell and error; the reports
 * already written stay.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../lib/runtime/backend';
import { writeFileAtomic } from '../lib/runtime/files';
import { readSummaries } from '../lib/presentation/notebook';
import { reportsDir } from '../lib/runtime/paths';
import { getPreset } from '../lib/training/presets';
import { NotebookReport, indexHtml } from '../lib/presentation/indexpage';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { findPython } = require('./find-python.js') as { findPython: () => string };

const root = path.resolve(__dirname, '..');
const outDir = reportsDir();
// Tests point this at notebooks of their own (which reach lib/ through a `lib` symlink).
const notebooksDir = process.env.VG_NOTEBOOKS_DIR ? path.resolve(process.env.VG_NOTEBOOKS_DIR) : path.join(root, 'notebooks');
const kernelDir = path.join(root, '.jupyter', 'share', 'jupyter');

function notebookTitle(file: string): string {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Array<{ cell_type: string; source: string[] | string }> };
  const first = nb.cells.find((c) => c.cell_type === 'markdown');
  const text = first ? (Array.isArray(first.source) ? first.source.join('') : first.source) : '';
  return text.split('\n')[0].replace(/^#\s*/, '') || path.basename(file);
}

async function main(): Promise<number> {
  const preset = getPreset();
  if (!fs.existsSync(path.join(kernelDir, 'kernels', 'tslab', 'kernel.json'))) {
    throw new Error('the tslab kernel is not registered: run `bash scripts/setup.sh` first');
  }
  const python = findPython();
  const backend = await initBackend();
  const only = process.argv.slice(2);
  const notebooks = fs.readdirSync(notebooksDir)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f) && (only.length === 0 || only.some((o) => f.startsWith(o))))
    .sort();
  if (notebooks.length === 0) throw new Error(`no notebook matches ${only.join(', ')}`);
  const started = Date.now();
  const written: NotebookReport[] = [];
  const failures: string[] = [];
  console.log(`reports: ${notebooks.length} notebooks, preset ${preset.name}, backend ${backend}`);
  for (const [i, file] of notebooks.entries()) {
    const name = file.replace(/\.ipynb$/, '');
    fs.rmSync(path.join(outDir, 'summary', `${name}.json`), { force: true });
    process.stdout.write(`[${i + 1}/${notebooks.length}] ${name} … `);
    const t0 = Date.now();
    const r = spawnSync(
      python,
      [path.join(__dirname, 'execute_notebook.py'), path.join(notebooksDir, file),
        path.join(outDir, 'executed', file), path.join(outDir, `${name}.html`)],
      { env: { ...process.env, JUPYTER_PATH: kernelDir, VG_PRESET: preset.name }, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] },
    );
    const seconds = (Date.now() - t0) / 1000;
    const ok = r.status === 0;
    console.log(ok ? `done in ${seconds.toFixed(0)} s` : `FAILED after ${seconds.toFixed(0)} s`);
    if (!ok) {
      const why = (r.stderr || r.error?.message || `exit code ${r.status}`).trim();
      console.error(why);
      failures.push(why.split('\n').slice(0, 3).join('\n'));
    }
    const summary = readSummaries().find((s) => s.notebook === name);
    written.push({ notebook: name, title: notebookTitle(path.join(notebooksDir, file)), href: `${name}.html`, ok, seconds, runs: summary?.runs ?? [] });
  }
  const seconds = (Date.now() - started) / 1000;
  writeFileAtomic(
    path.join(outDir, 'index.html'),
    indexHtml(written, { preset: preset.name, backend, seconds, date: new Date().toISOString().slice(0, 16).replace('T', ' ') }, require.resolve('plotly.js-dist')),
  );
  console.log(`reports: wrote ${path.relative(process.cwd(), outDir) || '.'}/index.html and ${notebooks.length - failures.length} of ${notebooks.length} reports in ${(seconds / 60).toFixed(1)} min`);
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
