/**
 * Everything the notebooks use, under one import: `import * as vg from './lib/index';`.
 * The library's layers, each importing only those below it:
 *   presentation/  figures, tables, conclusions, notebook display, the reports' index page
 *   training/      data, presets, run specs and experiments, the measuring training loop, seeds,
 *                  the run store, mean-field theory and the measurements at initialisation
 *   network/       init, activations, dense, normalisation, taps, models, loss, optimizers
 *   runtime/       backend choice, the BLAS matMul, wasm heap access, paths, files, worker processes
 * (cli/ is the command line's entry point, beside presentation.)
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

export * from './training/data';
export * from './training/experiments';
export * from './training/layerwise';
export * from './training/presets';
export * from './training/ratios';
export * from './training/run';
export * from './training/spec';
export * from './training/stats';
export * from './training/train';
export * from './training/seeds';
export * from './training/parallel';
export * from './training/store';
export * from './training/meanfield';
export * from './training/sweeps';
export * from './training/jacobian';

export * from './presentation/conclusions';
export * from './presentation/display';
export * from './presentation/notebook';
export * from './presentation/plots';
export * from './presentation/source';
export * from './presentation/tables';
export * from './presentation/theory';
