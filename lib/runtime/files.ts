/** Writing results so that a crash or Ctrl-C never leaves a half-written file behind. */
import * as fs from 'fs';
import * as path from 'path';

/** Writes `text` to a temporary file beside `file`, then renames it over `file` (atomic on POSIX). */
export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 1) + '\n');
}
