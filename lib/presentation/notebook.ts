/**
 * The few steps every notebook takes, so that notebook cells stay one line of story each:
 * `setup()` in the first cell, `run(id)` to train with a live progress bar, `saveSummary()` for the
 * reports' index page.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BackendName, initBackend } from '../runtime/backend';
import { editedFormulaFiles } from '../runtime/kernels/elementwise';
import { judgeRuns } from './conclusions';
import { RunSetSummary } from './summary';
import { JudgedRunSet } from './verdicts';
import { StudyRuns } from '../runs/study';
import { FashionMNIST, loadFashionMNIST } from '../dataset/fashionmnist';
import { loadPlotly, progressBar, showHtml } from './display';
import { escapeHtml, minuteStamp } from './html';
import { frameHtml, resultsFrame } from './tables';
import { EXPERIMENT_IDS, resolveSpec } from '../spec/experiments';
import { runSeeds } from '../runs/parallel';
import { RunSet, Runs, seedList, seedRuns } from '../runs/seeds';
import { isBaseline } from './plots';
import { checkInput } from '../spec/check';
import { RunSpecInput } from '../spec/spec';
import { writeJsonAtomic } from '../runtime/files';
import { takeOverInterrupt } from '../runtime/signals';
import { reportsDir } from '../runtime/paths';
import { Preset, PresetName, envSeed, getPreset } from '../spec/presets';

export interface NotebookContext {
  backend: BackendName;
  preset: Preset & { name: PresetName };
  seed: number;
  data: FashionMNIST;
}

let context: NotebookContext | undefined;

/**
 * Starts the backend, loads Plotly into the notebook and the data (once per kernel), and shows what
 * this run uses: backend, preset (`VG_PRESET`), seed (`VG_SEED`).
 */
export async function setup(): Promise<NotebookContext> {
  const backend = await initBackend();
  const preset = getPreset();
  const seed = envSeed();
  loadPlotly();
  if (!context || context.seed !== seed || context.preset.name !== preset.name) {
    context = { backend, preset, seed, data: loadFashionMNIST({ limit: preset.limit, seed }) };
  }
  const { data } = context;
  const edited = editedFormulaFiles();
  showHtml(
    `<p><b>backend</b> ${backend} · <b>preset</b> ${preset.name} (${preset.epochs} epochs per run, ` +
      `${preset.stageEpochs} per layer-wise stage) · <b>seed</b> ${seed} · <b>data</b> ${data.train.n} train / ${data.val.n} validation images from ${data.source}` +
      (edited.length ? ` · <b>edited</b> ${edited.join(', ')}: the formulas there run as the tfjs ops you wrote (slower than the fused kernels they replace)` : '') +
      '</p>',
  );
  return context;
}

function requireContext(): NotebookContext {
  if (!context) throw new Error('run the setup cell first: `const ctx = await vg.setup();`');
  return context;
}

/**
 * Trains a run on the notebook's preset over its seeds (`preset.seeds` of them, from `VG_SEED`), in
 * parallel worker processes, drawing live progress for each seed: a named experiment, `vg.run('relu')`,
 * or a spec derived from one, e.g.
 * `vg.run({ from: 'relu', label: 'ReLU, He init', model: { init: { kind: 'he' } } })` (see `RunSpecInput`).
 * Seeds already in the run store (`.cache/runs/`, same spec, data, backend and lib/ sources) are read
 * from it, and the cell says so. Kernel > Interrupt stops the training after the current step and
 * returns the epochs finished so far (the cell says so).
 */
export async function run(input: string | RunSpecInput, options: { seeds?: number; workers?: number } = {}): Promise<RunSet> {
  checkInput(input, EXPERIMENT_IDS); // what the call is given is said first, before the setup cell's absence
  const ctx = requireContext();
  const spec = resolveSpec(input, { preset: ctx.preset.name, seed: ctx.seed });
  const seeds = seedList(spec.seed, options.seeds ?? ctx.preset.seeds);
  const bars = progressBar(spec.label, 500, seeds);
  // Not while the cell's synchronous part runs: tslab runs it with vm's breakOnSigint, whose watchdog
  // puts back its own idea of the SIGINT handler when it ends, and the kernel would die of the signal.
  await new Promise((resolve) => setImmediate(resolve));
  const interrupt = takeOverInterrupt();
  let set: RunSet;
  try {
    set = await runSeeds(spec, seeds, {
      data: ctx.data,
      workers: options.workers,
      onProgress: (i, p) => bars(p, i),
      onStored: (i, at) => bars.stored(i, at),
      shouldStop: interrupt.stopping,
    });
  } finally {
    interrupt.restore();
  }
  if (interrupt.stopping()) {
    const kept = set.runs.map((h) => `seed ${h.seed}: ${h.epochs.length}`).join(', ');
    showHtml(`<p><b>Interrupted</b>: ${escapeHtml(spec.label)} stopped after the current step with the epochs it had finished ` +
      `(${kept || 'none'}); they are in the result, not in the run store. Run the cell again to train it fully.</p>`);
  }
  const dates = set.storedAt.filter((d): d is string => d !== null).sort();
  if (dates.length > 0) {
    const when = minuteStamp(dates[0]);
    showHtml(`<p>${escapeHtml(spec.label)}: ${dates.length === seeds.length ? (seeds.length > 1 ? `${seeds.length} seeds` : 'the run') : `${dates.length} of ${seeds.length} seeds`} ` +
      `from the run store, trained ${when}${minuteStamp(dates[dates.length - 1]) !== when ? ' and later' : ''}</p>`);
  }
  return set;
}

/**
 * Writes a notebook's run summaries, with each run's study-length twin and verdict (`study` from
 * `studyRuns()`), for its preset's index page (<reports>/summary/<notebook>.json).
 */
export function saveSummary(notebook: string, runs: Runs[], study?: StudyRuns): void {
  const preset = context?.preset.name ?? getPreset().name;
  const baseline = runs.find((r) => isBaseline(seedRuns(r)[0]));
  writeJsonAtomic(path.join(reportsDir(preset), 'summary', `${notebook}.json`), { notebook, runs: runs.map((r) => judgeRuns(r, study, baseline)) });
}

/** Reads the summaries written by `saveSummary` (by default the preset of `VG_PRESET`), in notebook order. */
export function readSummaries(dir = path.join(reportsDir(getPreset().name), 'summary')): Array<{ notebook: string; runs: Array<RunSetSummary & Partial<JudgedRunSet>> }> {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { notebook: string; runs: Array<RunSetSummary & Partial<JudgedRunSet>> });
}

/** Shows the results table (danfojs DataFrame rendered as HTML) of some runs. */
export function showResults(runs: Runs[], caption = 'Results'): void {
  showHtml(frameHtml(resultsFrame(runs), caption));
}
