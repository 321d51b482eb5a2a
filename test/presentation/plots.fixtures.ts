/**
 * Runs the figures' tests share: a sigmoid baseline and a ReLU run over three hidden layers with chosen
 * per-layer numbers, and readers for a figure's axes and panel titles.
 */
import { Figure } from '../../lib/presentation/plots';
import { History } from '../../lib/runs/run';
import { fakeHistory, fakeLayer } from '../helpers';

/** A panel title as one line: panelTitles wraps long ones to the panel's width. */
export const panelText = (n: { text: string }) => n.text.replace(/<\/b><br><b>/g, ' ');

export const LAYERS = ['hidden1', 'hidden2', 'hidden3', 'output'];

/** Chosen mean |dL/dW|, [epoch - 1][layer]: the gradient shrinks towards the input, less so later. */
export const BASE_GRAD = [
  [3e-8, 4e-6, 5e-4, 2e-2],
  [1e-7, 1e-5, 1e-3, 1e-2],
  [2e-7, 3e-5, 2e-3, 1e-2],
];
export const RELU_GRAD = [
  [1e-3, 2e-3, 5e-3, 0.2],
  [2e-3, 3e-3, 4e-3, 0.1],
  [null, 0, 3e-3, 0.05],
];

export function baseline(epochs = 3): History {
  return fakeHistory('baseline', epochs, LAYERS, {
    layer: (e, li) => ({
      weightGradMeanAbs: BASE_GRAD[e - 1][li],
      activationGradMeanAbs: BASE_GRAD[e - 1][li] * 7,
      activationGradRms: BASE_GRAD[e - 1][li] * 3,
      signalSpread: li === 3 ? null : 10 ** -(li + e),
      saturation: li === 3 ? null : 0.1 * (li + 1) + 0.01 * e,
      updateRatio: 1e-5 * (li + 1) * e,
    }),
    epoch: (e) => ({ trainLoss: 2.3 - 0.01 * e, valLoss: 2.31 - 0.01 * e, trainAcc: 0.1 + 0.02 * e, valAcc: 0.1 + 0.01 * e }),
  });
}

export function relu(): History {
  return fakeHistory('relu', 3, LAYERS, {
    layer: (e, li) => ({
      weightGradMeanAbs: RELU_GRAD[e - 1][li],
      activationGradMeanAbs: 0.5 ** li,
      activationGradRms: RELU_GRAD[e - 1][li],
      saturation: li === 3 ? null : 0.2 + 0.1 * li - 0.05 * e,
      updateRatio: 1e-3 * (li + 1) * e,
    }),
    epoch: (e) => ({ trainLoss: 2 - 0.5 * e, valLoss: 2.1 - 0.5 * e, trainAcc: 0.3 * e, valAcc: 0.28 * e }),
  });
}

export const axis = (fig: Figure, key: string) => fig.layout[key] as Record<string, unknown> & { title?: { text: string } };
export const title = (fig: Figure, key: string) => axis(fig, key)?.title?.text;

/** A run whose layers at initialisation have the given RMS dL/dh and predicted factors. */
export function atInit(id: string, names: string[], rms: number[], factors: Array<number | null>): History {
  const h = fakeHistory(id, 1, names);
  h.atInit = { layers: names.map((n, i) => fakeLayer(n, { activationGradRms: rms[i], predictedGradFactor: factors[i] })) };
  return h;
}
