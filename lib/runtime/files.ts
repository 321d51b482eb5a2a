/** Writing results so that a crash or Ctrl-C never leaves a half-written file behind. */
import * as fs from 'fs';
import * as path from 'path';

/** An output file that cannot be written: the message names the file and what to do. */
export class OutputFileError extends Error {}

function isSpecial(file: string): boolean {
  try {
    const st = fs.statSync(file);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

/**
 * Writes `text` to a temporary file beside `file`, then renames it over `file` (atomic on POSIX); a
 * device or pipe (/dev/stdout) is written directly.
 */
export function writeFileAtomic(file: string, text: string): void {
  if (isSpecial(file)) {
    fs.writeFileSync(file, text);
    return;
  }
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

/** A system error in words: "the disk is full", "permission denied", … */
export function describeFileError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOSPC: 'the disk is full', EDQUOT: 'the disk quota is used up', EACCES: 'permission denied', EPERM: 'permission denied',
    EROFS: 'the file system is read-only', EISDIR: 'it is a directory', ENOTDIR: 'a folder on its path is a file', ENOENT: 'a folder on its path does not exist',
  };
  return (code && words[code]) ?? (e as Error).message;
}

/**
 * Checks, before any work, that `file` can be written the way `writeFileAtomic` will write it: not
 * empty, not a directory, its folder a folder (created if missing) where a file can be created.
 * Throws OutputFileError saying what is wrong.
 */
export function checkOutputFile(file: string, what = 'output file'): void {
  if (file.trim() === '') throw new OutputFileError(`the ${what} name is empty`);
  const abs = path.resolve(file);
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) {
    throw new OutputFileError(`${file} is a directory; give a file name for the ${what}, e.g. ${path.join(file, 'run.json')}`);
  }
  if (isSpecial(abs)) {
    try {
      fs.accessSync(abs, fs.constants.W_OK);
      return;
    } catch (e) {
      throw new OutputFileError(`cannot write the ${what} ${file}: ${describeFileError(e)}`);
    }
  }
  let existing = path.dirname(abs);
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  if (!fs.statSync(existing).isDirectory()) {
    throw new OutputFileError(`cannot write the ${what} ${file}: ${existing} is a file, not a folder`);
  }
  const probe = `${abs}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(probe, '', { flag: 'wx' });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `files cannot be created in ${path.dirname(abs)}` : describeFileError(e);
    throw new OutputFileError(`cannot write the ${what} ${file}: ${why}`);
  } finally {
    fs.rmSync(probe, { force: true });
  }
}
