/**
 * Exploring without a kernel: the init-scale and depth sweeps of notebook 00 layer by layer, as Plotly
 * sliders. Every position of a slider is a set of traces already in the figure; moving it switches
 * which are visible (`method: 'update'`), so it works wherever the figure is drawn by `Plotly.newPlot`
 * from its data and layout alone — the HTML reports, JupyterLab, Notebook, VS Code — offline and with
 * no kernel behind it (animation frames would need `Plotly.addFrames`, which `figureHtml` does not call).
 */
import { meanFieldProfile } from '../theory/meanfield';
import { gradientRatioAtDepth } from '../theory/ratios';
import { COMPARED_NETWORKS, InitContext, logSpace, meanSquaredNorm, measureInit, specAtInit } from '../theory/sweeps';
import { RunSpec, RunSpecInput } from '../spec/spec';
import { LayerStats } from '../training/stats';
import { BASELINE_COLOR, Figure, LEGEND_BELOW, PREDICTION_MARKER, ROOM_FOR_AXES, Trace, chainedPrediction, panelTitles, topMargin } from './plots';
import { THEORY_COLOR, networkColors } from './theory';

/** One position of a slider: its label, the traces it shows, the title it gives the figure and any other layout it sets. */
interface SliderStep {
  label: string;
  traces: Trace[];
  title: string;
  layout?: Record<string, unknown>;
}

/**
 * A figure of slider steps: every step's traces in one list, only the `active` step's visible, and a
 * slider under the plot that switches visibility and title. Log axes get one range over all steps, so
 * that moving the slider moves the lines, not the axes.
 */
function sliderFigure(steps: SliderStep[], active: number, prefix: string, layout: Figure['layout']): Figure {
  const data = steps.flatMap((s, i) => s.traces.map((t) => ({ ...t, visible: i === active })));
  const visibleAt = (i: number) => steps.flatMap((s, k) => s.traces.map(() => k === i));
  return {
    data,
    layout: {
      ...layout,
      ...Object.fromEntries(Object.entries(steps[active].layout ?? {}).map(([key, value]) => {
        const [axis, field] = key.split('.');
        return [axis, { ...(layout[axis] as object), [field]: value }];
      })),
      title: { text: steps[active].title },
      sliders: [{
        active,
        currentvalue: { prefix, font: { size: 14 } },
        pad: { t: 55 },
        x: 0,
        len: 1,
        steps: steps.map((s, i) => ({ label: s.label, method: 'update', args: [{ visible: visibleAt(i) }, { 'title.text': s.title, ...s.layout }] })),
      }],
    },
  };
}

/** A log axis range [log10 lo, log10 hi] over the positive values of `values`, a tenth of a decade to spare. */
function logRange(values: Array<number | null>): [number, number] {
  const v = values.filter((x): x is number => x !== null && x > 0 && Number.isFinite(x)).map(Math.log10);
  return v.length ? [Math.min(...v) - 0.1, Math.max(...v) + 0.1] : [-1, 1];
}

const LOG = { type: 'log', exponentformat: 'power' } as const;
const domains: Array<[number, number]> = [[0, 0.42], [0.54, 1]];

/** The layout both sliders share: two panels (signal left, gradient right), the legend under the slider. */
function twoPanelLayout(panelNames: [string, string], signalRange: [number, number], gradRange: [number, number], x: Record<string, unknown>): Figure['layout'] {
  const annotations = panelTitles(panelNames, domains.map((domain) => ({ domain })));
  return {
    title: { text: '' },
    height: 560,
    margin: { t: topMargin(100, annotations), l: 70, r: 30, b: 190 },
    legend: LEGEND_BELOW,
    template: ROOM_FOR_AXES,
    annotations,
    xaxis: { domain: domains[0], anchor: 'y', ...x },
    yaxis: { anchor: 'x', ...LOG, range: signalRange, title: { text: 'std across images (log scale)' } },
    xaxis2: { domain: domains[1], anchor: 'y2', ...x },
    yaxis2: { anchor: 'x2', ...LOG, range: gradRange, title: { text: 'RMS dL/dh (log scale)' } },
  };
}

/** One network of the init-scale explorer at one weight std: its per-layer statistics and theory's factors. */
export interface InitScalePosition {
  std: number;
  /** `measureAtInit`'s per-layer statistics, input to output. */
  layers: LayerStats[];
  /** Mean-field theory's √χ_l for hidden layers 2 … L (σ_w and mean ‖x‖² only). */
  theoryFactor: number[];
}

export interface InitScaleExplorer {
  /** The network swept, as named (its init is then replaced). */
  spec: RunSpec;
  positions: InitScalePosition[];
}

/** Options of `exploreInitScale`. */
export interface InitScaleExplorerOptions {
  /** Default `{ from: 'baseline' }`, plain layers only (as `sweepInitScale`). */
  network?: RunSpecInput;
  /** Default `logSpace(0.01, 10, 19)`, the stds of `sweepInitScale`. */
  stds?: number[];
}

/** The network with N(0, std²) weights at every std, measured on the fixed batch, with theory's factors per layer. */
export function exploreInitScale(ctx: InitContext, options: InitScaleExplorerOptions = {}): InitScaleExplorer {
  const { network = { from: 'baseline' }, stds = logSpace(0.01, 10, 19) } = options;
  const spec = specAtInit(network, ctx);
  const { activation, depth, width } = spec.model;
  const inputSquaredNorm = meanSquaredNorm(ctx.data.train, spec.batchSize);
  return {
    spec,
    positions: stds.map((std) => ({
      std,
      layers: measureInit({ ...network, model: { ...network.model, init: { kind: 'normal', std } } }, ctx).layers,
      theoryFactor: meanFieldProfile({ activation, depth, width, weightStd: std, inputSquaredNorm }).gradFactor,
    })),
  };
}

/**
 * Theory's RMS dL/dh per layer: the measured value at the last hidden layer, times theory's factor of
 * each hidden layer on the way down (theory has nothing to say of the output layer's own factor).
 */
function theoryChain(layers: LayerStats[], factor: number[]): Array<number | null> {
  const hidden = layers.filter((l) => l.name !== 'output');
  const out: Array<number | null> = layers.map(() => null);
  const top = hidden.length - 1;
  out[top] = hidden[top].activationGradRms;
  for (let i = top; i > 0; i--) {
    const above = out[i];
    out[i - 1] = above !== null ? above * factor[i - 1] : null;
  }
  return out;
}

const factorText = (first: number | null, last: number | null, layers: number) =>
  first !== null && last !== null && first > 0 && last > 0 ? `×${((first / last) ** (1 / layers)).toPrecision(2)}` : 'n/a';

/**
 * The init-scale sweep layer by layer, a slider over σ_w: left, the signal per hidden layer (how much
 * each unit's output varies across the images); right, RMS dL/dh per layer, measured, predicted from
 * the network's own weights and slopes (chained down from the output) and from mean-field theory alone
 * (chained down from the last hidden layer). The title gives the factor per layer. It starts at the std
 * nearest `start` (default 0.05, about PyTorch's default for 128 inputs, 1/√384).
 */
export function plotInitScaleSlider(e: InitScaleExplorer, start = 0.05): Figure {
  const names = e.positions[0].layers.map((l) => l.name);
  const hidden = names.filter((n) => n !== 'output');
  const steps = e.positions.map((p): SliderStep => {
    const signal = p.layers.filter((l) => l.name !== 'output').map((l) => l.signalSpread);
    const measured = p.layers.map((l) => l.activationGradRms);
    const predicted = chainedPrediction(p.layers);
    const theory = theoryChain(p.layers, p.theoryFactor);
    const crossings = hidden.length - 1;
    return {
      label: p.std.toPrecision(2),
      title: `N(0, σ<sub>w</sub>²) weights, σ<sub>w</sub> = ${p.std.toPrecision(2)}, at initialisation<br><sup>RMS dL/dh per hidden layer: ${factorText(measured[0], measured[crossings], crossings)} measured, ` +
        `${factorText(predicted[0], predicted[crossings], crossings)} predicted, ${factorText(theory[0], theory[crossings], crossings)} by theory alone</sup>`,
      traces: [
        { type: 'scatter', mode: 'lines+markers', name: 'signal spread, measured', x: hidden, y: signal, line: { color: BASELINE_COLOR }, xaxis: 'x', yaxis: 'y' },
        { type: 'scatter', mode: 'lines+markers', name: 'RMS dL/dh, measured', x: names, y: measured, line: { color: BASELINE_COLOR }, xaxis: 'x2', yaxis: 'y2' },
        { type: 'scatter', mode: 'lines+markers', name: "predicted from the network's weights and slopes", x: names, y: predicted, line: { color: BASELINE_COLOR, dash: 'dash' }, marker: PREDICTION_MARKER, xaxis: 'x2', yaxis: 'y2' },
        { type: 'scatter', mode: 'lines', name: 'mean-field theory (σ<sub>w</sub> and mean ‖x‖² only)', x: names, y: theory, line: { color: THEORY_COLOR, width: 2 }, xaxis: 'x2', yaxis: 'y2' },
      ],
    };
  });
  const values = (k: number) => steps.flatMap((s) => s.traces.filter((_, j) => (k === 0 ? j === 0 : j > 0)).flatMap((t) => t.y as Array<number | null>));
  const active = e.positions.reduce((best, p, i) => (Math.abs(Math.log(p.std / start)) < Math.abs(Math.log(e.positions[best].std / start)) ? i : best), 0);
  const layout = twoPanelLayout(['forward: the signal per hidden layer', 'backward: RMS dL/dh per layer'], logRange(values(0)), logRange(values(1)), {
    type: 'category', title: { text: 'layer (input → output)' },
  });
  return sliderFigure(steps, active, 'σ<sub>w</sub> = ', layout);
}

/** One network of the depth explorer at one depth: its per-layer statistics at initialisation. */
export interface DepthPosition {
  depth: number;
  /** Per network, in the order of `DepthExplorer.specs`. */
  layers: LayerStats[][];
}

export interface DepthExplorer {
  /** The networks, as named (their depth then replaced). */
  specs: RunSpec[];
  positions: DepthPosition[];
}

/** Options of `exploreDepth`. */
export interface DepthExplorerOptions {
  /** Default [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 32]: every depth up to the study's 7, then wider steps. */
  depths?: number[];
  /** Default `COMPARED_NETWORKS` (baseline, ReLU with He's init, BatchNorm). */
  networks?: readonly RunSpecInput[];
}

/** Every network at every depth, measured on the fixed batch at initialisation. */
export function exploreDepth(ctx: InitContext, options: DepthExplorerOptions = {}): DepthExplorer {
  const { depths = [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 32], networks = COMPARED_NETWORKS } = options;
  return {
    specs: networks.map((n) => specAtInit(n, ctx)),
    positions: depths.map((depth) => ({ depth, layers: networks.map((n) => measureInit({ ...n, model: { ...n.model, depth } }, ctx).layers) })),
  };
}

/**
 * The depth sweep layer by layer, a slider over the number of hidden layers: per network, the signal
 * per hidden layer (left) and RMS dL/dh per hidden layer (right), measured (solid) and predicted from the
 * network's weights and slopes (dashed); the title gives hidden1's gradient over the last hidden
 * layer's for each network. Starts at the depth nearest `start` (default 7, the study's). A signal
 * spread near 10⁻⁸ is float32's floor, not the network's: outputs near 1/2 that differ by less than a
 * float32 step (2⁻²⁴ ≈ 6·10⁻⁸) are stored as the same number.
 */
export function plotDepthSlider(e: DepthExplorer, start = 7): Figure {
  const colors = networkColors(e.specs);
  const steps = e.positions.map((p): SliderStep => {
    const ratios: string[] = [];
    const traces = p.layers.flatMap((layers, i) => {
      const hidden = layers.filter((l) => l.name !== 'output');
      const x = hidden.map((_, k) => k + 1);
      const predicted = chainedPrediction(layers).slice(0, hidden.length);
      const ratio = gradientRatioAtDepth(layers);
      ratios.push(`${e.specs[i].label} 10<sup>${ratio !== null ? ratio.toFixed(1) : 'n/a'}</sup>`);
      const label = e.specs[i].label;
      return [
        { type: 'scatter', mode: 'lines+markers', name: `${label}, signal`, legendgroup: `${i}s`, x, y: hidden.map((l) => l.signalSpread), line: { color: colors[i] }, marker: { size: 5 }, xaxis: 'x', yaxis: 'y' },
        { type: 'scatter', mode: 'lines+markers', name: `${label}, RMS dL/dh measured`, legendgroup: `${i}m`, x, y: hidden.map((l) => l.activationGradRms), line: { color: colors[i] }, marker: { size: 5 }, xaxis: 'x2', yaxis: 'y2' },
        { type: 'scatter', mode: 'lines+markers', name: `${label}, predicted`, legendgroup: `${i}p`, x, y: predicted, line: { color: colors[i], dash: 'dash' }, marker: PREDICTION_MARKER, xaxis: 'x2', yaxis: 'y2' },
      ];
    });
    const range = [0.5, p.depth + 0.5];
    return {
      label: String(p.depth), traces, layout: { 'xaxis.range': range, 'xaxis2.range': range },
      title: `${p.depth} hidden layer${p.depth > 1 ? 's' : ''} at initialisation<br><sup>RMS dL/dh at hidden1 over the last hidden layer: ${ratios.join(', ')}</sup>`,
    };
  });
  const values = (k: number) => steps.flatMap((s) => s.traces.filter((_, j) => (k === 0 ? j % 3 === 0 : j % 3 > 0)).flatMap((t) => t.y as Array<number | null>));
  const active = e.positions.reduce((best, p, i) => (Math.abs(p.depth - start) < Math.abs(e.positions[best].depth - start) ? i : best), 0);
  const layout = twoPanelLayout(['forward: the signal per hidden layer', 'backward: RMS dL/dh per hidden layer'], logRange(values(0)), logRange(values(1)), {
    title: { text: 'hidden layer (input → output)' },
  });
  return sliderFigure(steps, active, 'hidden layers: ', layout);
}
