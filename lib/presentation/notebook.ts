/**
 * The few steps every notebook takes, so that notebook cells stay one line of story each:
 * `setup()` in the first cell, `run(id)` to train with a live progress bar, `saveSummary()` for the
 * reports' index page.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BackendName, initBackend } from '../runtime/backend';
import { RunSummary, summarizeRun } from './conclusions';
import { FashionMNIST, loadFashionMNIST } from '../training/data';
import { loadPlotly, progressBar, showHtml } from './display';
import { frameHtml, resultsFrame } from './tables';
import { History, getExperiment, resolveRun, runExperiment } from '../training/experiments';
import { writeJsonAtomic } from '../runtime/files';
import { buildMLP } from '../network/models';
import { reportsDir } from '../runtime/paths';
import { Preset, PresetName, getPreset } from '../training/presets';

export interface NotebookContext {
  backend: BackendName;
  preset: Preset & { name: PresetName };
  seed: number;
  data: FashionMNIST;
}

let context: NotebookContext | undefined;

/** Seed of every run in the notebooks: `VG_SEED`, default 0. */
function notebookSeed(): number {
  const text = process.env.VG_SEED ?? '0';
  if (!/^\d+$/.test(text)) throw new Error(`VG_SEED must be a whole number ≥ 0, got "${text}"`);
  return Number(text);
}

/**
 * Starts the backend, loads Plotly into the notebook and the data (once per kernel), and shows what
 * this run uses: backend, preset (`VG_PRESET`), seed (`VG_SEED`).
 */
export async function setup(): Promise<NotebookContext> {
  const backend = await initBackend();
  const preset = getPreset();
  const seed = notebookSeed();
  loadPlotly();
  if (!context || context.seed !== seed || context.preset.name !== preset.name) {
    context = { backend, preset, seed, data: loadFashionMNIST({ limit: preset.limit, seed }) };
  }
  const { data } = context;
  showHtml(
    `<p><b>backend</b> ${backend} · <b>preset</b> ${preset.name} (${preset.epochs} epochs per run, ` +
      `${preset.stageEpochs} per layer-wise stage) · <b>seed</b> ${seed} · <b>data</b> ${data.train.n} train / ${data.val.n} validation images from ${data.source}</p>`,
  );
  return context;
}

function requireContext(): NotebookContext {
  if (!context) throw new Error('run the setup cell first: `const ctx = await vg.setup();`');
  return context;
}

/**
 * Trains one experiment of the registry on the notebook's data and seed, drawing a live progress bar.
 * The baseline is cached in `.cache/runs/` (it is the same in every notebook); other runs are not.
 */
export async function run(id: string, options: { cache?: boolean } = {}): Promise<History> {
  const ctx = requireContext();
  const experiment = getExperiment(id);
  return runExperiment(id, {
    preset: ctx.preset.name,
    seed: ctx.seed,
    data: ctx.data,
    cache: options.cache ?? id === 'baseline',
    onProgress: progressBar(experiment.label),
  });
}

/** A sample of the initial kernel of one layer under an experiment's initialisation (seeded as its runs). */
export function initialWeights(id: string, layer = 'hidden2'): Float32Array {
  const { config } = resolveRun(id, { seed: context?.seed ?? 0 });
  const model = buildMLP(config.model);
  try {
    const found = model.layers.find((l) => l.name === layer);
    if (!found) throw new Error(`no layer ${layer}; layers: ${model.layerNames.join(', ')}`);
    return found.kernel.dataSync() as Float32Array;
  } finally {
    model.dispose();
  }
}

/** Writes a notebook's run summaries for the reports' index page (<reports>/summary/<notebook>.json). */
export function saveSummary(notebook: string, runs: History[]): void {
  writeJsonAtomic(path.join(reportsDir(), 'summary', `${notebook}.json`), { notebook, runs: runs.map(summarizeRun) });
}

/** Reads the summaries written by `saveSummary`, in notebook order. */
export function readSummaries(dir = path.join(reportsDir(), 'summary')): Array<{ notebook: string; runs: RunSummary[] }> {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { notebook: string; runs: RunSummary[] });
}

/** Shows the results table (danfojs DataFrame rendered as HTML) of some runs. */
export function showResults(runs: History[], caption = 'Results'): void {
  showHtml(frameHtml(resultsFrame(runs), caption));
}
