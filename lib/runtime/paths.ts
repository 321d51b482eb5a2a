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

/** Where reports, executed notebooks and run summaries go: `VG_REPORTS_DIR`, default `<project>/reports`. */
export function reportsDir(): string {
  return process.env.VG_REPORTS_DIR ? path.resolve(process.env.VG_REPORTS_DIR) : path.join(projectRoot(), 'reports');
}

/**
 * A path the user typed, made absolute against the folder they typed it in: `npm run` starts scripts in
 * the project root and names the folder it was started from in INIT_CWD.
 */
export function userPath(p: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), p);
}
