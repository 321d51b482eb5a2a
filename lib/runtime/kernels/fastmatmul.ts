/**
 * Matrix products on the wasm backend through OpenBLAS, the BLAS PyTorch's Debian build uses.
 *
 * tfjs's wasm backend multiplies matrices with XNNPACK in 128-bit WebAssembly SIMD (far below BLAS,
 * see the README's "Speed"), and takes a naive path whenever a transpose is asked for — every backward
 * pass of a dense layer.
 * Where the optional npm package `nblas` (CBLAS bindings, compiled at install against the system's
 * BLAS) is present, this module replaces the wasm backend's `BatchMatMul` kernel by one that hands
 * the very same float32 buffers on the wasm heap to `cblas_sgemm`, transposes included. Same op,
 * same inputs and outputs, float32 throughout; only the summation order inside the product differs,
 * so results agree with the stock kernel to float32 rounding (tested to 1e-5 relative).
 * OpenBLAS runs on one thread (OPENBLAS_NUM_THREADS=1 unless set), as the wasm backend does.
 * `VG_NATIVE_MATMUL=0` keeps the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { WasmBackend, heapOffset } from './wasmheap';

interface Nblas {
  NoTrans: number;
  Trans: number;
  sgemm(ta: number, tb: number, m: number, n: number, k: number, alpha: number, a: Float32Array, lda: number,
    b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void;
}

let blas: Nblas | null | undefined;
let stock: tf.KernelConfig | undefined;
let active = false;

function loadBlas(): Nblas | null {
  if (blas === undefined) {
    if (process.env.OPENBLAS_NUM_THREADS === undefined) process.env.OPENBLAS_NUM_THREADS = '1';
    try {
      blas = require('nblas') as Nblas;
    } catch {
      blas = null;
    }
  }
  return blas;
}

/** True when OpenBLAS could be loaded (the optional `nblas` package built on this machine). */
export function nativeMatMulAvailable(): boolean {
  return loadBlas() !== null;
}

/** True while the wasm backend's BatchMatMul runs on OpenBLAS. */
export function nativeMatMulActive(): boolean {
  return active && tf.getBackend() === 'wasm';
}

function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const transposeA = Boolean(args.attrs?.transposeA);
  const transposeB = Boolean(args.attrs?.transposeB);
  const rank = a.shape.length;
  const outer = a.shape.slice(0, -2);
  const sameBatch = b.shape.length === rank && outer.every((d, i) => d === b.shape[i]);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !sameBatch) {
    // Broadcast batch dimensions and other dtypes: leave them to the stock kernel.
    return (stock as tf.KernelConfig).kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const m = transposeA ? a.shape[rank - 1] : a.shape[rank - 2];
  const k = transposeA ? a.shape[rank - 2] : a.shape[rank - 1];
  const kb = transposeB ? b.shape[rank - 1] : b.shape[rank - 2];
  const n = transposeB ? b.shape[rank - 2] : b.shape[rank - 1];
  if (k !== kb) {
    throw new Error(`matMul: inner dimensions ${k} and ${kb} of shapes [${a.shape}] and [${b.shape}] ` +
      `(transposeA=${transposeA}, transposeB=${transposeB}) must match`);
  }
  const backend = args.backend as WasmBackend;
  const out = backend.makeOutput([...outer, m, n], 'float32');
  const batches = outer.reduce((x, y) => x * y, 1);
  if (m * n === 0) return out;
  // Read the heap after allocating the output: an allocation may grow (and replace) wasm memory.
  const heap = backend.wasm.HEAPU8.buffer;
  const [aOff, bOff, cOff] = [heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out)];
  const lib = blas as Nblas;
  for (let i = 0; i < batches; i++) {
    const c = new Float32Array(heap, cOff + i * m * n * 4, m * n);
    if (k === 0) {
      c.fill(0);
      continue;
    }
    lib.sgemm(
      transposeA ? lib.Trans : lib.NoTrans, transposeB ? lib.Trans : lib.NoTrans, m, n, k, 1,
      new Float32Array(heap, aOff + i * m * k * 4, m * k), transposeA ? m : k,
      new Float32Array(heap, bOff + i * k * n * 4, k * n), transposeB ? k : n,
      0, c, n,
    );
  }
  return out;
}

/**
 * Routes the wasm backend's BatchMatMul to OpenBLAS when both are present (and VG_NATIVE_MATMUL is
 * not 0). Returns whether it is now active.
 */
export function enableNativeMatMul(): boolean {
  if (active) return true;
  if (process.env.VG_NATIVE_MATMUL === '0' || tf.getBackend() !== 'wasm' || !loadBlas()) return false;
  stock = tf.getKernel('BatchMatMul', 'wasm');
  if (!stock) return false;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: batchMatMul as unknown as tf.KernelFunc });
  active = true;
  return true;
}

/** Puts the stock kernel back (tests compare the two). */
export function disableNativeMatMul(): void {
  if (!active || !stock) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(stock);
  active = false;
}
