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

let memo: string | undefined;

/** `sourceHash` of lib/, computed once per process (a kernel that re-imports an edited lib/ is restarted anyway). */
export function libVersion(): string {
  memo ??= sourceHash(path.join(projectRoot(), 'lib'));
  return memo;
}
