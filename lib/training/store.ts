/**
 * The run store: every finished run, kept by everything that determines its numbers — the resolved
 * spec (its seed included, its wording not), the backend, the training data (`dataIdentity`, and the
 * spec's `limit`) and the sources of the library that trained it (`libVersion` of the process that
 * ran its code) — so that a stored run is reused only where training again would give the same numbers. One JSON file per run in `VG_STORE_DIR`
 * (default `<project>/.cache/runs/`), written atomically.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../runtime/files';
import { projectRoot } from '../runtime/paths';
import { libVersion } from '../runtime/version';
import { History, specKey } from './run';
import { RunSpec } from './spec';

export function storeDir(): string {
  return process.env.VG_STORE_DIR ? path.resolve(process.env.VG_STORE_DIR) : path.join(projectRoot(), '.cache', 'runs');
}

/**
 * A short hash of what determines a run's numbers: `specKey` (spec and backend), the data, and `lib`,
 * the version of lib/ whose code trains it (default: this process's, `libVersion`).
 */
export function runKey(spec: RunSpec, backend: string, dataIdentity: string, lib = libVersion()): string {
  return crypto.createHash('sha256')
    .update(JSON.stringify({ spec: specKey(spec, backend), data: dataIdentity, lib }))
    .digest('hex').slice(0, 16);
}

function entryPath(spec: RunSpec, key: string): string {
  return path.join(storeDir(), `${spec.experiment}-seed${spec.seed}-${key}.json`);
}

export interface StoredRun {
  history: History;
  /** When the run was stored (ISO 8601). */
  storedAt: string;
  file: string;
}

/**
 * The stored run of this spec trained by the library of version `lib` (default: this process's), if
 * there is one that finished. A corrupt entry (half a file from
 * another tool, a disk error) is reported on stderr with its path and set aside as `.corrupt`, and
 * the run is trained again.
 */
export function readStored(spec: RunSpec, backend: string, dataIdentity: string, lib = libVersion()): StoredRun | undefined {
  const file = entryPath(spec, runKey(spec, backend, dataIdentity, lib));
  if (!fs.existsSync(file)) return undefined;
  try {
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as { storedAt?: unknown; history?: History };
    if (typeof entry.storedAt !== 'string' || !entry.history || !Array.isArray(entry.history.epochs)) throw new Error('not a stored run');
    return { history: { ...entry.history, label: spec.label, config: spec }, storedAt: entry.storedAt, file };
  } catch (e) {
    console.error(`run store: ${file} is corrupt (${(e as Error).message}); training the run again (the file is kept as ${path.basename(file)}.corrupt)`);
    fs.renameSync(file, `${file}.corrupt`);
    return undefined;
  }
}

/**
 * Stores a finished run (never one that stopped early) under `lib`, the version of lib/ whose code
 * trained it (default: this process's). Returns the file written, if any.
 */
export function writeStored(history: History, dataIdentity: string, lib = libVersion()): string | undefined {
  if (history.stopped) return undefined;
  const file = entryPath(history.config, runKey(history.config, history.backend, dataIdentity, lib));
  writeJsonAtomic(file, { storedAt: new Date().toISOString(), history });
  return file;
}
