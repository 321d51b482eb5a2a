/**
 * What the notebooks use, under one import: `import * as vg from './lib/index';`. Only the names the
 * notebooks and the README call are here, each with a line on what it is for (a name a notebook starts
 * to use is added here); tests and scripts import from the modules themselves.
 *
 * The library's folders, each importing only those below it:
 *   presentation/  figures (plots.ts shared, figures/ by subject), tables, conclusions, notebook display, the reports' index page (cli/ beside it)
 *   theory/        mean-field maps, the headline ratios and factors, the init-scale and depth sweeps, Jacobian spectra
 *   runs/          one run and its History, several seeds (RunSet), worker processes, the run store, the study-length runs
 *   training/      the measuring training loop, the layer-wise schedule, per-layer statistics
 *   spec/          run specs, their defaults and checks, the named experiments, the presets
 *   network/       the activation table, init, dense, normalisation, taps, models, loss, optimizers
 *   dataset/       FashionMNIST: reading the IDX files, the seeded split, batches
 *   runtime/       backend choice, paths, files, signals, worker processes; kernels/: the speed layer
 */

// ── A notebook's steps ────────────────────────────────────────────────────────────────────────────
/** Starts the backend, loads Plotly and the data, and says what the notebook runs on: its first cell. */
export { setup } from './presentation/notebook';
/** Trains a named experiment or a spec derived from one over the preset's seeds, with live progress: `vg.run('relu')`. */
export { run } from './presentation/notebook';
/** The runs of the study's length (100 epochs), from the run store or the committed file. */
export { studyRuns } from './runs/study';
/** Keeps a notebook's run summaries and verdicts for the reports' index page. */
export { saveSummary } from './presentation/notebook';

// ── Showing things ────────────────────────────────────────────────────────────────────────────────
/** Shows a Plotly figure. */
export { showFigure } from './presentation/display';
/** Shows markdown (the conclusions, the descriptions). */
export { showMarkdown } from './presentation/display';
/** Shows figures behind a closed fold, for the curious. */
export { showFolded } from './presentation/display';
/** Shows a declaration of lib/ as the runs executed it. */
export { showSource } from './presentation/source';
/** Shows the results table of some runs. */
export { showResults } from './presentation/notebook';
/** A layer-wise schedule's stages as a markdown table. */
export { stagesMarkdown } from './training/layerwise';

// ── Figures of trained runs ───────────────────────────────────────────────────────────────────────
/** RMS dL/dh (the headline) and mean |dL/dW| per layer, first and last epoch. */
export { plotGradientFlow } from './presentation/figures/flow';
/** RMS dL/dh per layer at initialisation, measured and as mean-field theory predicts it. */
export { plotGradientFlowAtInit } from './presentation/figures/flow';
/** Layer × epoch heatmaps of log10 of a gradient metric. */
export { plotGradientHeatmap } from './presentation/figures/flow';
/** The forward signal per hidden layer, at initialisation and at the last epoch. */
export { plotSignalFlow } from './presentation/figures/flow';
/** Per hidden layer, the distribution of log10 |dL/dh| over one batch. */
export { plotGradientHistograms } from './presentation/histograms';
/** The first epochs step by step: the gradient, the update:data ratio and the loss. */
export { plotFirstSteps } from './presentation/steps';
/** Saturated (sigmoid, tanh) and inactive (ReLU) units per hidden layer. */
export { plotSaturation } from './presentation/figures/units';
/** The distribution of each hidden layer's activations (Glorot & Bengio's view). */
export { plotActivationDistributions } from './presentation/figures/units';
/** Activation mean ± std per hidden layer. */
export { plotActivationStats } from './presentation/figures/units';
/** Gradient normalisation: the raw gradient arriving at each layer beside the normalised one passed on. */
export { plotRawVsNormalized } from './presentation/figures/units';
/** The initial weights of one layer of each run's network. */
export { plotInitialWeights } from './presentation/figures/distributions';
/** std(ΔW)/std(W) per layer over training (Karpathy's view). */
export { plotUpdateRatio } from './presentation/figures/updates';
/** Training and validation loss and accuracy. */
export { plotLearningCurves } from './presentation/figures/curves';
/** Each run beside the same run at the study's length. */
export { plotBothLengths } from './presentation/lengths';

// ── Conclusions of trained runs ───────────────────────────────────────────────────────────────────
/** A remedy's conclusions against the baseline, as markdown, from the measured numbers. */
export { concludeRemedy } from './presentation/conclusions';
/** Mean-field theory's per-layer factors beside the measured ones at initialisation, a bullet per run. */
export { comparePrediction } from './presentation/conclusions';
/** What the gradient does on its way down one run, in numbers. */
export { describeGradientFlow } from './presentation/conclusions';
/** What `plotGradientHistograms` shows for one run. */
export { describeGradientHistograms } from './presentation/histograms';
/** A shallow network's accuracy beside a deep one's: whether the optimizer learns once the gradient arrives. */
export { describeYardstick } from './presentation/yardstick';

// ── Notebook 00: networks at initialisation, no training ──────────────────────────────────────────
/** One network's per-layer statistics at initialisation on the fixed batch; the init-scale and depth sweeps. */
export { measureInit, sweepDepth, sweepInitScale } from './theory/sweeps';
/** The singular values of the hidden layers' Jacobian at initialisation. */
export { jacobianSpectra } from './theory/jacobian';
/** The forward signal beside the backward gradient of one untrained network, and what it shows. */
export { describeSignalAndGradient, plotSignalAndGradient } from './presentation/theory';
/** One hidden layer's pre-activations at initialisation under φ and φ', and what they show. */
export { describeSlopes, plotSlopeAgainstPreactivations, preactivationsAtInit } from './presentation/slopes';
/** The factor per layer worked out by hand beside the library's prediction and the measurement. */
export { describeFactorByHand } from './presentation/slopes';
/** The init-scale sweep against mean-field theory, and what it shows. */
export { describeInitScaleSweep, plotInitScaleSweep } from './presentation/theory';
/** The depth sweep: the exponential law, measured and predicted, and what it shows. */
export { describeDepthSweep, plotDepthSweep } from './presentation/theory';
/** The Jacobian's singular values, and what they show. */
export { describeJacobianSpectra, plotJacobianSpectra } from './presentation/theory';
/** Sliders over σ_w and over the depth: each position measured, and its figure. */
export { exploreDepth, exploreInitScale, plotDepthSlider, plotInitScaleSlider } from './presentation/explore';

// ── Types the README names ────────────────────────────────────────────────────────────────────────
/** A run spec as a notebook writes it (derived from a named experiment), and resolved. */
export type { RunSpec, RunSpecInput } from './spec/spec';
/** One seed's record, and one spec's records over its seeds (what `vg.run` returns). */
export type { History } from './runs/run';
export type { RunSet } from './runs/seeds';
