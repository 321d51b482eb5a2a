/**
 * Element-wise steps of the training step fused into one pass each on the wasm heap, where tfjs runs
 * them as several ops (each a dispatch, a new tensor and a pass over memory):
 *
 * - the sigmoid's backward dy · (y · (1 − y)): three tfjs ops (and a tensor of ones) per layer;
 * - a batch's pixels byte / 255: a float32 copy of the bytes uploaded, then divided on the backend.
 *
 * Each does the very float32 operations of the tfjs ops it replaces, in the same order, so the results
 * are bit-identical (tested against them). A small WebAssembly module of our own (heapmodule.ts),
 * 128-bit SIMD. Where it is not active (another backend, `VG_HEAP_KERNELS=0`) the functions return
 * null and the caller runs the tfjs ops, which stay the reference.
 */
import * as tf from '@tensorflow/tfjs';
import { compileOnHeap, heapModulesAllowed, scratchOnHeap, tfjsWasm } from './heapmodule';
import { WasmBackend, heapOffset } from './wasmheap';

const WAT = String.raw`(module
  (memory (import "env" "memory") 1)

  ;; out = dy · (y · (1 − y)) for the $n floats at bytes $dy, $y, $out.
  (func (export "sigmoidBackward") (param $dy i32) (param $y i32) (param $out i32) (param $n i32)
    (local $end i32) (local $v v128) (local $one v128) (local $x f32)
    (local.set $one (f32x4.splat (f32.const 1)))
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (local.set $v (v128.load align=4 (local.get $y)))
      (v128.store align=4 (local.get $out) (f32x4.mul (v128.load align=4 (local.get $dy))
        (f32x4.mul (local.get $v) (f32x4.sub (local.get $one) (local.get $v)))))
      (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $next)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (local.set $x (f32.load (local.get $y)))
      (f32.store (local.get $out) (f32.mul (f32.load (local.get $dy))
        (f32.mul (local.get $x) (f32.sub (f32.const 1) (local.get $x)))))
      (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
      (local.set $y (i32.add (local.get $y) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $next))))

  ;; out = float32(byte) / 255 for the $n bytes at byte $src, into the floats at byte $out.
  (func (export "unitBytes") (param $src i32) (param $out i32) (param $n i32)
    (local $end i32) (local $d v128)
    (local.set $d (f32x4.splat (f32.const 255)))
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (v128.store align=4 (local.get $out) (f32x4.div
        (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero align=1 (local.get $src)))))
        (local.get $d)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $next)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (f32.store (local.get $out) (f32.div (f32.convert_i32_u (i32.load8_u (local.get $src))) (f32.const 255)))
      (local.set $src (i32.add (local.get $src) (i32.const 1)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $next)))))
`;

interface Kernels {
  sigmoidBackward(dy: number, y: number, out: number, n: number): void;
  unitBytes(src: number, out: number, n: number): void;
}

let kernels: Kernels | null = null;

const SIGMOID_BACKWARD = 'VgSigmoidBackward';

function sigmoidBackwardKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { dy, y } = args.inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
  const backend = args.backend as WasmBackend;
  const out = backend.makeOutput(y.shape, 'float32');
  (kernels as Kernels).sigmoidBackward(heapOffset(backend, dy), heapOffset(backend, y), heapOffset(backend, out), tf.util.sizeFromShape(y.shape));
  return out;
}

/** Compiles the module and registers its kernel with the wasm backend (once; `initBackend` calls it). */
export async function enableFusedKernels(): Promise<boolean> {
  if (kernels) return true;
  if (!heapModulesAllowed()) return false;
  kernels = await compileOnHeap<Kernels>('elementwise.wat', WAT);
  if (!tf.getKernel(SIGMOID_BACKWARD, 'wasm')) {
    tf.registerKernel({ kernelName: SIGMOID_BACKWARD, backendName: 'wasm', kernelFunc: sigmoidBackwardKernel as unknown as tf.KernelFunc });
  }
  return true;
}

/** True while the fused kernels run (the wasm backend is active and the module compiled). */
export function fusedKernelsActive(): boolean {
  return kernels !== null && tf.getBackend() === 'wasm';
}

/**
 * dy · (y · (1 − y)), the sigmoid's backward from its output y, in one pass; null where the fused
 * kernels are not active or the operands are not two float32 tensors of one shape.
 */
export function fusedSigmoidBackward(dy: tf.Tensor, y: tf.Tensor): tf.Tensor | null {
  if (!fusedKernelsActive() || dy.dtype !== 'float32' || y.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, y.shape)) return null;
  return tf.engine().runKernel(SIGMOID_BACKWARD, { dy, y } as unknown as tf.NamedTensorMap) as tf.Tensor;
}

/** float32(byte) / 255 for every byte, as a float32 tensor of `shape`; null where the fused kernels are not active. */
export function fusedUnitBytes(bytes: Uint8Array, shape: number[]): tf.Tensor | null {
  if (!fusedKernelsActive()) return null;
  if (tf.util.sizeFromShape(shape) !== bytes.length) throw new Error(`${bytes.length} bytes do not fill shape [${shape}]`);
  const backend = tf.backend() as unknown as WasmBackend;
  const out = backend.makeOutput(shape, 'float32');
  const src = scratchOnHeap('unitBytes', Math.max(bytes.length, 1));
  // Both allocations done: the heap's buffer is read after them, as either may have grown it.
  new Uint8Array(tfjsWasm().asm.memory.buffer, src, bytes.length).set(bytes);
  (kernels as Kernels).unitBytes(src, heapOffset(backend, out), bytes.length);
  return tf.engine().makeTensorFromTensorInfo(out);
}
