/** A run's changes against its experiment, in words: what labels add to an experiment's name. */
import { ACTIVATION_KINDS } from '../network/activations';
import { Init } from '../network/init';
import { Normalization, SkipSpec, skipPairs } from '../network/models';
import { RunSpec } from './spec';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const NORMALIZATION_NAMES: Record<Normalization, string> = { none: 'no normalisation', batchnorm: 'BatchNorm', 'whole-tensor': 'whole-tensor norm' };

function initPhrase(init: Init): string {
  switch (init.kind) {
    case 'he':
      return 'He init';
    case 'glorot':
      return 'Glorot init';
    case 'normal':
      return `N(0, ${init.std}²) init`;
    case 'torch-default':
      return 'PyTorch-default init';
  }
}

function skipPhrase(skip: SkipSpec, depth: number): string {
  if (skip === 'none') return 'no skips';
  if (typeof skip === 'string') return `${skip} skips`;
  return `skips ${skipPairs(skip, depth).map(([a, b]) => `${a}→${b}`).join(' ')}`;
}

/** What `spec` changes against `base` (model, optimizer, schedule plan, batch size), in words for labels. */
export function describeChanges(base: RunSpec, spec: RunSpec): string[] {
  const out: string[] = [];
  const m = spec.model;
  const b = base.model;
  if (m.activation !== b.activation) out.push(ACTIVATION_KINDS[m.activation].name);
  if (!same(m.init, b.init)) out.push(initPhrase(m.init));
  if (m.depth !== b.depth) out.push(`depth ${m.depth}`);
  if (m.width !== b.width) out.push(`width ${m.width}`);
  if (m.normalization !== b.normalization) out.push(NORMALIZATION_NAMES[m.normalization]);
  if (!same(m.skip, b.skip)) out.push(skipPhrase(m.skip, m.depth));
  if (m.gradNorm !== b.gradNorm) out.push(m.gradNorm ? 'gradient normalisation' : 'no gradient normalisation');
  if (!same(spec.optimizer, base.optimizer)) out.push(`${spec.optimizer.kind === 'sgd' ? 'SGD' : 'Adam'} lr ${spec.optimizer.lr}`);
  const s = spec.schedule;
  const bs = base.schedule;
  if (s.kind !== bs.kind) out.push(s.kind === 'plain' ? 'trained all at once' : 'layer-wise');
  else if (s.kind === 'layerwise' && bs.kind === 'layerwise' && (!same(s.blocks, bs.blocks) || !same(s.stages, bs.stages))) {
    out.push(`${s.stages.length} stages over ${s.blocks.length} blocks`);
  }
  if (spec.batchSize !== base.batchSize) out.push(`batch ${spec.batchSize}`);
  return out;
}
