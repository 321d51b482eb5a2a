/**
 * The headline numbers of how the gradient and the signal cross a network, from the per-layer statistics
 * of one epoch or of the untrained network: log10 ratios between layer 1 and the last hidden layer in use,
 * and the gradient's factor across each layer, measured beside mean-field theory's prediction.
 * The gradient that flows is RMS dL/dh; the weight gradient dL/dW = hᵀ·δ also carries the layer's input
 * h, so it mixes the forward signal in and stays secondary.
 */
import { EpochRecord } from '../training/train';
import { LayerStats } from '../training/stats';

export const log10 = (x: number | null | undefined): number | null => (x !== null && x !== undefined && x > 0 ? Math.log10(x) : null);
export const isHidden = (l: LayerStats): boolean => /^hidden\d+$/.test(l.name);

/**
 * log10 of a metric at the deepest hidden layer that has it over hidden1's (or the inverse): null where
 * hidden1 or every deeper layer lacks it (frozen, not in use, statistics off).
 */
function hiddenRatio(layers: LayerStats[], metric: 'activationGradRms' | 'signalSpread', topOverBottom: boolean): number | null {
  const hidden = layers.filter(isHidden);
  const bottom = log10(hidden.find((l) => l.name === 'hidden1')?.[metric]);
  const top = [...hidden].reverse().find((l) => l.name !== 'hidden1' && log10(l[metric]) !== null);
  if (bottom === null || !top) return null;
  const d = log10(top[metric])! - bottom;
  return topOverBottom ? d : -d;
}

/** The headline at one epoch (or at initialisation): log10(RMS dL/dh at hidden1 / at the last hidden layer in use). */
export function gradientRatio(e: { layers: LayerStats[] }): number | null {
  return hiddenRatio(e.layers, 'activationGradRms', false);
}

/**
 * `gradientRatio` over a sweep of depths, where a network of one hidden layer loses nothing: 0 there
 * (`gradientRatio` has no deeper layer to compare hidden1 with).
 */
export function gradientRatioAtDepth(layers: LayerStats[]): number | null {
  return layers.filter(isHidden).length === 1 ? 0 : gradientRatio({ layers });
}

/** How much of the forward signal reaches the last hidden layer: log10(its signal spread / hidden1's). */
export function signalRatio(e: { layers: LayerStats[] }): number | null {
  return hiddenRatio(e.layers, 'signalSpread', true);
}

/** Secondary: log10 of layer 1's mean |dL/dW| over the output layer's, at one epoch. */
export function weightGradientRatio(e: EpochRecord): number | null {
  const a = log10(e.layers.find((l) => l.name === 'hidden1')?.weightGradMeanAbs);
  const b = log10(e.layers.find((l) => l.name === 'output')?.weightGradMeanAbs);
  return a !== null && b !== null ? a - b : null;
}

/** The gradient's factor across one layer on its way down, measured and as mean-field theory predicts it. */
export interface GradFactor {
  /** The layer crossed, from its output down to the output of the layer below. */
  name: string;
  /** RMS(dL/dh of the layer below) / RMS(dL/dh of this layer); null where either is missing or this one is 0. */
  measured: number | null;
  /** The layer's `predictedGradFactor`; null where the theory does not apply. */
  predicted: number | null;
}

/**
 * The gradient's factor across each layer, input to output: every layer from the second on is paired
 * with the layer directly below it. Up to `'output'`, the output layer's pair is the last (from the
 * logits to the last hidden layer, φ' = 1 and n the classes); up to `'last hidden'`, the pairs are
 * hidden layers 2 … L only, the layers mean-field theory and the sweeps describe.
 */
export function gradFactors(layers: LayerStats[], upTo: 'output' | 'last hidden'): GradFactor[] {
  const chain = upTo === 'output' ? layers : layers.filter((l) => l.name !== 'output');
  return chain.slice(1).map((l, i) => {
    const below = chain[i].activationGradRms;
    const here = l.activationGradRms;
    return { name: l.name, measured: below !== null && here !== null && here > 0 ? below / here : null, predicted: l.predictedGradFactor };
  });
}
