/**
 * Run sizes for everything in one place. `VG_PRESET` picks one (default: 'default'); every field
 * can still be overridden per run (CLI flags, notebook options).
 */
export interface Preset {
  /** Epochs of every plain run. */
  epochs: number;
  /** Training images used before the 90/10 train/validation split; undefined = all 60,000. */
  limit?: number;
  /** Epochs of each of the seven layer-wise stages. */
  stageEpochs: number;
  /** Seeds every run is trained with (consecutive, from `VG_SEED`, default 0): figures draw their spread. */
  seeds: number;
}

export const PRESETS = {
  /** Tests: a few seconds per run. */
  smoke: { epochs: 2, limit: 2000, stageEpochs: 1, seeds: 1 },
  /** The main job and the CLI's default: all data, 3 seeds per run. */
  default: { epochs: 10, stageEpochs: 3, seeds: 3 },
  /** The original study's length: 100 epochs per run and per layer-wise stage, all data, 3 seeds. */
  study: { epochs: 100, stageEpochs: 100, seeds: 3 },
} satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as string[]).includes(name);
}

/** The preset named by `name`, else by `VG_PRESET`, else 'default'; `VG_SEEDS` overrides its seed count. */
export function getPreset(name?: string): Preset & { name: PresetName } {
  const chosen = name ?? process.env.VG_PRESET ?? 'default';
  if (!isPresetName(chosen)) {
    throw new Error(`unknown preset "${chosen}"${name === undefined ? ' (from VG_PRESET)' : ''}; use one of: ${PRESET_NAMES.join(', ')}`);
  }
  const seeds = process.env.VG_SEEDS;
  if (seeds !== undefined && !/^[1-9]\d*$/.test(seeds)) throw new Error(`VG_SEEDS must be a whole number ≥ 1 (seeds per run), got "${seeds}"`);
  return { name: chosen, ...PRESETS[chosen], ...(seeds !== undefined ? { seeds: Number(seeds) } : {}) };
}

/** The first seed of every run: `VG_SEED`, default 0 (the notebooks', the reports job's and the CLI's). */
export function envSeed(): number {
  const text = process.env.VG_SEED ?? '0';
  if (!/^\d+$/.test(text)) throw new Error(`VG_SEED must be a whole number ≥ 0, got "${text}"`);
  return Number(text);
}
