/**
 * The PyTorch builds the benchmarks compare with, found once per run. Without `--torch-python` (or
 * `VG_TORCH_PYTHON`) the search tries `python3`, `/usr/bin/python3` (Debian's `python3-torch`) and the
 * project's venv `.venv-torch/` (pip's CPU build: `bash bench/install-torch.sh`), in that order, and keeps
 * every one that imports torch, once each (a venv's python and the system's are told apart by the torch
 * they import). Named Pythons or venvs replace the search, in the order given, and each must import torch.
 * The first build found is the one the JSON's older single-PyTorch fields (`torch`, `ratio`,
 * `torchSecondsPerEpoch`) describe.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot, userPath } from '../lib/runtime/paths';

export interface TorchBuild {
  /** Its key in the JSON: who installed it ('debian', 'pip', …), '-2', '-3' appended on a repeat. */
  key: string;
  /** The command that runs it, as found or named (a venv's bin/python for a venv). */
  python: string;
  /** torch.__version__ */
  version: string;
  /** The BLAS it multiplies in: 'MKL', 'OpenBLAS', … (bench/torch_build.py says how it is told). */
  blas: string;
  /** Where its torch package lives (the identity of a build). */
  torchFile: string;
  /** For the tables: `PyTorch 2.13.0+cpu (pip, MKL)`. */
  label: string;
}

export interface TorchSearch {
  builds: TorchBuild[];
  /** One note per candidate that gave no build, e.g. `python3: No module named 'torch'`. */
  missing: string[];
}

/** A named Python or venv that gives no PyTorch: the run stops before measuring anything. */
export class TorchNotFound extends Error {}

export const PROJECT_VENV = '.venv-torch';
export const INSTALL_COMMAND = 'bash bench/install-torch.sh';
const SYSTEM_PYTHONS = ['python3', '/usr/bin/python3'];

interface Probe {
  version: string;
  blas: string;
  installer: string;
  torchFile: string;
}

/** The Python a name gives: a venv's (or any prefix's) bin/python for a folder, else the name itself. */
function pythonOf(name: string): string {
  return fs.existsSync(name) && fs.statSync(name).isDirectory() ? path.join(name, 'bin', 'python') : name;
}

function probe(python: string): Probe | string {
  const r = spawnSync(python, [path.join(__dirname, 'torch_build.py')], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message;
  const lastErr = (r.stderr ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0) return lastErr.replace(/^ModuleNotFoundError: /, '') || `exit ${r.status ?? r.signal}`;
  try {
    const p = JSON.parse((r.stdout ?? '').trim().split('\n').pop() ?? '') as Probe;
    if (typeof p.version !== 'string' || typeof p.blas !== 'string' || typeof p.torchFile !== 'string') throw new Error('fields missing');
    return p;
  } catch (e) {
    return `bench/torch_build.py printed no build (${(e as Error).message}): ${(r.stdout ?? '').trim().slice(0, 200)}`;
  }
}

function buildLabel(installer: string, p: Probe): string {
  return `PyTorch ${p.version} (${installer === 'debian' ? 'Debian' : installer}, ${p.blas})`;
}

export interface SearchOptions {
  /** The Pythons or venvs to use instead of the search, comma-separated; default `VG_TORCH_PYTHON`, else the search. */
  named?: string;
  /** The project venv's folder; default `<project>/.venv-torch`. */
  venv?: string;
}

/** The builds to compare with; throws TorchNotFound when a named one gives none. */
export function findTorchBuilds(options: SearchOptions = {}): TorchSearch {
  const named = options.named ?? process.env.VG_TORCH_PYTHON;
  const namedBy = options.named !== undefined ? '--torch-python' : 'VG_TORCH_PYTHON';
  const venv = options.venv ?? path.join(projectRoot(), PROJECT_VENV);
  const candidates = named !== undefined && named.trim() !== ''
    ? named.split(',').map((s) => s.trim()).filter(Boolean).map((name) => ({ name, python: pythonOf(userPath(name)), required: true }))
    : [...SYSTEM_PYTHONS.map((name) => ({ name, python: name, required: false })), { name: PROJECT_VENV, python: path.join(venv, 'bin', 'python'), required: false }];
  const builds: TorchBuild[] = [];
  const missing: string[] = [];
  for (const c of candidates) {
    if (!c.required && path.isAbsolute(c.python) && !fs.existsSync(c.python)) {
      missing.push(c.name === PROJECT_VENV ? `${PROJECT_VENV}: not there (${INSTALL_COMMAND} creates it)` : `${c.name}: not found`);
      continue;
    }
    const p = probe(c.python);
    if (typeof p === 'string') {
      if (c.required) {
        throw new TorchNotFound(`${namedBy} ${c.name}: ${p === 'not found' && !fs.existsSync(c.python) ? `no such file or directory (${c.python})` : `${c.python} gives no PyTorch: ${p}`}; ` +
          `name a Python or venv whose "import torch" works, or create the project's venv with ${INSTALL_COMMAND}`);
      }
      missing.push(`${c.name}: ${p}`);
      continue;
    }
    if (builds.some((b) => b.torchFile === p.torchFile)) continue;
    const taken = builds.filter((b) => b.key === p.installer || b.key.startsWith(`${p.installer}-`)).length;
    builds.push({ key: taken ? `${p.installer}-${taken + 1}` : p.installer, python: c.python, version: p.version, blas: p.blas,
      torchFile: p.torchFile, label: buildLabel(p.installer, p) });
  }
  return { builds, missing };
}

/** A Python's path for the output: relative to the project where it lies inside (its venv), else as it is. */
export function shownPython(python: string): string {
  const rel = path.relative(projectRoot(), python);
  return path.isAbsolute(python) && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : python;
}

/** One line for the output: the builds compared with, and what the search did not find. */
export function searchLine(search: TorchSearch): string {
  const found = search.builds.length ? search.builds.map((b) => `${b.key} = ${b.label} in ${shownPython(b.python)}`).join('; ') : 'none';
  return `PyTorch builds: ${found}${search.missing.length ? ` (not used: ${search.missing.join('; ')})` : ''}`;
}

/**
 * The environment pinning a build's threads: OpenBLAS's own pool gets `blasThreads`; OpenMP (PyTorch's
 * pool) gets `threads`, or `blasThreads` for an MKL build, whose products run in that pool.
 */
export function torchEnv(build: TorchBuild, threads: number, blasThreads: number): NodeJS.ProcessEnv {
  const pool = String(build.blas === 'MKL' ? Math.max(threads, blasThreads) : threads);
  return { ...process.env, OPENBLAS_NUM_THREADS: String(blasThreads), OMP_NUM_THREADS: pool, MKL_NUM_THREADS: pool };
}

/** Runs one of bench's Python scripts with a build and returns the JSON object on its last line. */
export function runTorchScript<T>(build: TorchBuild, script: string, args: string[], env: NodeJS.ProcessEnv): T {
  const r = spawnSync(build.python, [path.join(__dirname, script), ...args], { cwd: __dirname, encoding: 'utf8', timeout: 600_000, env });
  const detail = () => (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
  if (r.error) throw new Error(`bench/${script} with ${build.python} failed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`bench/${script} with ${build.python} failed (exit ${r.status ?? r.signal}): ${detail()}`);
  try {
    return JSON.parse((r.stdout ?? '').trim().split('\n').pop() ?? '') as T;
  } catch {
    throw new Error(`bench/${script} with ${build.python} printed no JSON on its last line: ${(r.stdout ?? '').trim().slice(-200)} ${detail()}`);
  }
}
