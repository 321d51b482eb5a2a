/** Synthetic runs with chosen numbers, shared by the conclusions, verdicts and summary tests. */
import { History } from '../../lib/runs/run';
import { fakeHistory, fakeLayer } from '../helpers';

export const LAYERS = ['hidden1', 'hidden2', 'hidden3', 'output'];

export interface RunNumbers {
  /** RMS dL/dh at hidden1 at initialisation and at the last epoch (hidden3 has 1e-2 throughout). */
  g1: [number | null, number | null];
  /** Signal spread at hidden3 at initialisation and at the last epoch (hidden1 has 1e-1 throughout). */
  s3?: [number | null, number | null];
  /** mean |dL/dW| of hidden1 at epoch 1 (the output layer has 1e-2). */
  w1?: number | null;
  /** val acc per epoch */
  acc: number[];
  /** saturation of every hidden layer at every epoch */
  sat?: number | null;
  /** hidden1's update ratio at every epoch */
  upd?: number | null;
  stopped?: string;
}

/** The layers' numbers of a run at initialisation (at = 0) or at the last epoch (at = 1); filler elsewhere. */
function layerValues(s: RunNumbers, li: number, at: 0 | 1 | null) {
  const s3 = s.s3 ?? [1e-1, 1e-1];
  return {
    activationGradRms: li === 0 ? (at === null ? 1e-4 : s.g1[at]) : li === 2 ? 1e-2 : li === 1 ? 1e-3 : 5e-2,
    signalSpread: li === 0 ? 1e-1 : li === 2 ? (at === null ? 1e-2 : s3[at]) : li === 1 ? 5e-2 : null,
  };
}

/** A run of acc.length epochs with the chosen numbers (middle layers and middle epochs get filler values). */
export function run(id: string, s: RunNumbers): History {
  const n = s.acc.length;
  const h = fakeHistory(id, n, LAYERS, {
    layer: (e, li) => ({
      ...layerValues(s, li, e === n ? 1 : null),
      weightGradMeanAbs: li === 0 ? (e === 1 ? (s.w1 === undefined ? 1e-5 : s.w1) : 1e-5) : li === 3 ? 1e-2 : 1e-4,
      saturation: li === 3 ? null : s.sat === undefined ? 0.02 : s.sat,
      updateRatio: li === 0 ? (s.upd === undefined ? 1e-3 : s.upd) : 5e-3,
    }),
    epoch: (e) => ({ valAcc: s.acc[e - 1] }),
    history: s.stopped ? { stopped: { reason: 'non-finite-loss', epoch: n + 1, step: 2, message: s.stopped } } : {},
  });
  h.atInit = { layers: LAYERS.map((name, li) => fakeLayer(name, layerValues(s, li, 0))) };
  return h;
}

/**
 * The baseline: RMS dL/dh at layer 1 is log10(1e-7 / 1e-2) = -5 decades of hidden3's at initialisation,
 * log10(1e-8 / 1e-2) = -6 at the last epoch; signal log10(1e-6 / 1e-1) = -5 both times; dL/dW
 * log10(6.3e-9 / 1e-2) = -6.2007; update ratio 3e-6 (log10 -5.52); 10 % accuracy.
 */
export const BASELINE: RunNumbers = { g1: [1e-7, 1e-8], s3: [1e-6, 1e-6], w1: 6.3e-9, acc: [0.1, 0.1, 0.1], upd: 3e-6 };
export const baseline = (over: Partial<RunNumbers> = {}) => run('baseline', { ...BASELINE, ...over });
/** ReLU: gradient log10(2e-3 / 1e-2) = -0.699 at init, -1 at the last epoch; signal -0.3 and 0; dW -0.7; update ratio 2e-3 (log10 -2.70). */
export const relu = (over: Partial<RunNumbers> = {}) => run('relu', { g1: [2e-3, 1e-3], s3: [5e-2, 1e-1], w1: 2e-3, acc: [0.4, 0.7, 0.8], upd: 2e-3, ...over });

