/** The library's version as its sources: any edit to lib/ gives another version, so stored runs never go stale. */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot } from './paths';

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourcesUnder(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []))
    .sort();
}

/** A short hash of every `.ts` file under `dir`, names and contents. */
export function sourceHash(dir: string): string {
  const hash = crypto.createHash('sha256');
  for (const file of sourcesUnder(dir)) hash.update(path.relative(dir, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

// Hashed as this module loads, with the rest of lib/: the version of the code this
// process runs, even after a file is edited while it runs (a notebook's kernel, a test).
const loaded = sourceHash(path.join(projectRoot(), 'lib'));

/** `sourceHash` of lib/ as this process loaded it: the version of the code it runs. */
export function libVersion(): string {
  return loaded;
}

/**
 * `sourceHash` of lib/ as its files are now: what a process started now (a seed's worker) runs.
 * It differs from `libVersion()` once a file under lib/ was edited after this process loaded it.
 */
export function currentLibVersion(): string {
  return sourceHash(path.join(projectRoot(), 'lib'));
}
