/** Where the project lives, found from this file so that it works from the CLI, tests and notebooks. */
import * as fs from 'fs';
import * as path from 'path';

/**
 * The folder holding the project's package.json. Notebooks reach lib/ through a symlink, so the
 * real path of this file is resolved first.
 */
export function projectRoot(): string {
  let dir = fs.realpathSync(__dirname);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'lib', 'runtime', 'paths.ts'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the project root above ${__dirname}`);
    dir = parent;
  }
}

/**
 * Where a preset's reports, executed notebooks and run summaries go: `VG_REPORTS_DIR` when set, else
 * `<project>/reports` for the default preset and `<project>/reports/<preset>` for another, so that one
 * preset's job never replaces (or mixes into the index of) another's reports.
 */
export function reportsDir(preset: string): string {
  if (process.env.VG_REPORTS_DIR) return path.resolve(process.env.VG_REPORTS_DIR);
  const all = path.join(projectRoot(), 'reports');
  return preset === 'default' ? all : path.join(all, preset);
}

/**
 * A path the user typed, made absolute against the folder they typed it in: `npm run` starts scripts in
 * the project root and names the folder it was started from in INIT_CWD.
 */
export function userPath(p: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), p);
}
