/**
 * Picks the fastest tfjs backend this machine can run and says which one it is.
 *
 * Order: the native TensorFlow binding (`tfjs-node-native`, an optional dependency that only
 * installs where its binary download works), then WebAssembly (shipped inside its npm package,
 * so it always works offline), then the pure-JavaScript `cpu` backend.
 * `VG_BACKEND=wasm|cpu|tensorflow` forces one. On wasm, the speed layer in kernels/: matrix products go
 * to OpenBLAS where the optional `nblas` package built (fastmatmul.ts; `VG_NATIVE_MATMUL=0` turns it
 * off), a clone shares its input's data (identity.ts), the statistics' and normalisations' sums run in
 * a WebAssembly module of our own (reductions.ts; `VG_REDUCTIONS=0` turns it off), and element-wise
 * steps (activation backwards, optimizer steps, BatchNorm's, a batch's byte / 255) run fused in
 * another, each after checking itself against the formula it replaces (elementwise.ts;
 * `VG_FUSED_KERNELS=0` turns them off). Each switch leaves the others on.
 */
import * as tf from '@tensorflow/tfjs';
import { enableNativeMatMul, nativeMatMulActive } from './kernels/fastmatmul';
import { enableFusedKernels } from './kernels/elementwise';
import { enableSharedIdentity } from './kernels/identity';
import { enableHeapKernels } from './kernels/reductions';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

let active: Promise<BackendName> | undefined;

function register(name: BackendName): boolean {
  try {
    // Each require registers its backend with the one shared tfjs-core engine.
    if (name === 'tensorflow') require('tfjs-node-native');
    if (name === 'wasm') require('@tensorflow/tfjs-backend-wasm');
    return true;
  } catch {
    return false;
  }
}

async function pick(): Promise<BackendName> {
  tf.enableProdMode(); // no "running in Node.js" banner, no per-op NaN checks
  const forced = process.env.VG_BACKEND;
  if (forced !== undefined && forced !== '') {
    if (!(BACKEND_ORDER as readonly string[]).includes(forced)) {
      throw new Error(`VG_BACKEND=${forced} is not a backend; use one of: ${BACKEND_ORDER.join(', ')}`);
    }
    const name = forced as BackendName;
    if (!register(name) || !(await tf.setBackend(name))) {
      throw new Error(`VG_BACKEND=${name} was asked for but cannot start on this machine`);
    }
    return name;
  }
  for (const name of BACKEND_ORDER) {
    if (register(name) && (await tf.setBackend(name))) return name;
  }
  throw new Error('no tfjs backend could start');
}

/** Starts (once) and returns the backend every computation of this process runs on. */
export function initBackend(): Promise<BackendName> {
  if (active === undefined) {
    active = pick().then(async (name) => {
      if (name === 'wasm') {
        enableNativeMatMul();
        enableSharedIdentity();
        await enableHeapKernels();
        await enableFusedKernels();
      }
      return name;
    });
  }
  return active;
}

/** What multiplies the matrices: 'openblas' (wasm backend with fastmatmul.ts) or the backend's own. */
export function matMulEngine(): 'openblas' | 'stock' {
  return nativeMatMulActive() ? 'openblas' : 'stock';
}
