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
import { resolveSpec } from '../training/experiments';
import { History, buildModel, runExperiment } from '../training/run';
import { RunSpecInput } from '../training/spec';
import { writeJsonAtomic } from '../runtime/files';
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
 * Trains a run on the notebook's preset and seed, drawing a live progress bar: a named experiment,
 * `vg.run('relu')`, or a spec derived from one, e.g.
 * `vg.run({ from: 'relu', label: 'ReLU, He init', model: { init: { kind: 'he' } } })` (see `RunSpecInput`).
 * The unchanged baseline is cached in `.cache/runs/` (it is the same in every notebook); other runs are not.
 */
export async function run(input: string | RunSpecInput, options: { cache?: boolean } = {}): Promise<History> {
  const ctx = requireContext();
  const spec = resolveSpec(input, { preset: ctx.preset.name, seed: ctx.seed });
  const sameData = spec.seed === ctx.seed && spec.limit === (ctx.preset.limit ?? null);
  return runExperiment(spec, {
    data: sameData ? ctx.data : undefined,
    cache: options.cache ?? (spec.experiment === 'baseline' && spec.changes.length === 0),
    onProgress: progressBar(spec.label),
  });
}

/** A sample of the initial kernel of one layer under a run's initialisation (seeded as its runs). */
export function initialWeights(input: string | RunSpecInput, layer = 'hidden2'): Float32Array {
  const model = buildModel(resolveSpec(input, { seed: context?.seed }));
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
