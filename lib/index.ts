/**
 * Everything the notebooks use, under one import: `import * as vg from './lib/index';`.
 * The library's folders, each importing only those below it:
 *   presentation/  figures (plots.ts shared, figures/ by subject), tables, conclusions, notebook display, the reports' index page (cli/ beside it)
 *   theory/        mean-field maps, the headline ratios, the init-scale and depth sweeps, Jacobian spectra
 *   runs/          one run and its History, several seeds (RunSet), worker processes, the run store
 *   training/      the measuring training loop, the layer-wise schedule, per-layer statistics
 *   spec/          run specs, their defaults and checks, the named experiments, the presets
 *   network/       init, activations, dense, normalisation, taps, models, loss, optimizers
 *   dataset/       FashionMNIST: reading the IDX files, the seeded split, batches
 *   runtime/       backend choice, paths, files, signals, worker processes; kernels/: the speed layer
 */
export * from './runtime/backend';

export * from './network/activations';
export * from './network/dense';
export * from './network/gradnorm';
export * from './network/init';
export * from './network/loss';
export * from './network/models';
export * from './network/normalization';
export * from './network/optimizers';
export * from './network/taps';

export * from './dataset/fashionmnist';
export * from './spec/experiments';
export * from './training/layerwise';
export * from './spec/presets';
export * from './theory/ratios';
export * from './runs/run';
export * from './spec/spec';
export * from './training/stats';
export * from './training/train';
export * from './runs/seeds';
export * from './runs/parallel';
export * from './runs/store';
export * from './runs/study';
export * from './theory/meanfield';
export * from './theory/sweeps';
export * from './theory/jacobian';

export * from './presentation/conclusions';
export * from './presentation/format';
export * from './presentation/lengths';
export * from './presentation/summary';
export * from './presentation/verdicts';
export * from './presentation/display';
export * from './presentation/notebook';
export * from './presentation/plots';
export * from './presentation/figures/curves';
export * from './presentation/figures/distributions';
export * from './presentation/figures/flow';
export * from './presentation/figures/units';
export * from './presentation/figures/updates';
export * from './presentation/source';
export * from './presentation/tables';
export * from './presentation/theory';
export * from './presentation/steps';
export * from './presentation/histograms';
export * from './presentation/slopes';
export * from './presentation/explore';
export * from './presentation/yardstick';
