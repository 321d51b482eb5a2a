/**
 * Clears the outputs of notebooks before they are committed: every code cell's outputs and execution
 * count, and the signature-bearing metadata Jupyter adds while running (the notebooks stay as
 * committed otherwise, one-space JSON indentation as Jupyter writes it).
 *
 *   npm run strip-outputs                      every notebooks/NN-*.ipynb, in place
 *   npm run strip-outputs -- a.ipynb b.ipynb   those files
 *   node --import tsx scripts/strip-outputs.ts --stdin   a filter: notebook on stdin, stripped on stdout
 *                                                         (what the git filter in the README runs)
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../lib/runtime/files';

interface Notebook {
  cells: Array<{ cell_type: string; outputs?: unknown[]; execution_count?: number | null; metadata?: Record<string, unknown> }>;
  metadata?: Record<string, unknown>;
}

/** The notebook text without outputs; text that is not a notebook is an error naming `name`. */
export function stripOutputs(text: string, name: string): string {
  let nb: Notebook;
  try {
    nb = JSON.parse(text) as Notebook;
  } catch (e) {
    throw new Error(`${name}: not a notebook (${(e as Error).message})`);
  }
  if (!Array.isArray(nb.cells)) throw new Error(`${name}: not a notebook (no cells)`);
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    cell.outputs = [];
    cell.execution_count = null;
    if (cell.metadata) {
      delete cell.metadata.execution;
      delete cell.metadata.scrolled;
    }
  }
  if (nb.metadata) delete nb.metadata.signature;
  return JSON.stringify(nb, null, 1) + '\n';
}

function main(argv: string[]): number {
  if (argv[0] === '--stdin') {
    process.stdout.write(stripOutputs(fs.readFileSync(0, 'utf8'), 'stdin'));
    return 0;
  }
  const dir = path.resolve(__dirname, '..', 'notebooks');
  const files = argv.length ? argv.map((f) => path.resolve(process.env.INIT_CWD ?? process.cwd(), f))
    : fs.readdirSync(dir).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort().map((f) => path.join(dir, f));
  for (const file of files) {
    const before = fs.readFileSync(file, 'utf8');
    const after = stripOutputs(before, file);
    if (after !== before) {
      writeFileAtomic(file, after);
      console.log(`stripped ${path.relative(process.cwd(), file)} (${(before.length / 1e6).toFixed(1)} MB → ${(after.length / 1e3).toFixed(0)} KB)`);
    }
  }
  return 0;
}

if (require.main === module) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (e) {
    console.error(`strip-outputs: ${(e as Error).message}`);
    process.exit(1);
  }
}
