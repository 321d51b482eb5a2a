/**
 * The run store: every finished run, kept by everything that determines its numbers — the resolved
 * spec (its seed included, its wording not), the backend, the training data (`dataIdentity`, and the
 * spec's `limit`) and the library's sources (`libVersion`) — so that a stored run is reused only
 * where training again would give the same numbers. One JSON file per run in `VG_STORE_DIR`
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

/** A short hash of what determines a run's numbers: `specKey` (spec and backend), the data, lib/'s sources. */
export function runKey(spec: RunSpec, backend: string, dataIdentity: string): string {
  return crypto.createHash('sha256')
    .update(JSON.stringify({ spec: specKey(spec, backend), data: dataIdentity, lib: libVersion() }))
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
 * The stored run of this spec, if there is one that finished. A corrupt entry (half a file from
 * another tool, a disk error) is reported on stderr with its path and set aside as `.corrupt`, and
 * the run is trained again.
 */
export function readStored(spec: RunSpec, backend: string, dataIdentity: string): StoredRun | undefined {
  const file = entryPath(spec, runKey(spec, backend, dataIdentity));
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

/** Stores a finished run (never one that stopped early). Returns the file written, if any. */
export function writeStored(history: History, dataIdentity: string): string | undefined {
  if (history.stopped) return undefined;
  const file = entryPath(history.config, runKey(history.config, history.backend, dataIdentity));
  writeJsonAtomic(file, { storedAt: new Date().toISOString(), history });
  return file;
}
