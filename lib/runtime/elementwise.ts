/**
 * Element-wise steps of the training step fused into one pass each on the wasm heap, where tfjs runs
 * them as several ops (each a dispatch, a new tensor and a pass over memory):
 *
 * - the sigmoid's backward dy · (y · (1 − y)): three tfjs ops and a tensor of ones per layer;
 * - SGD's update: Δ = lr · g, W − Δ: two ops per parameter tensor;
 * - Adam's update (m, v, Δ and W − Δ): thirteen ops per parameter tensor;
 * - a batch's pixels byte / 255: a float32 copy of the bytes uploaded, then divided on the backend.
 *
 * Each does the very float32 operations of the tfjs ops it replaces, in the same order, so the results
 * are bit-identical (tested against them). A small WebAssembly module of our own (heapmodule.ts),
 * 128-bit SIMD. Where it is not active (another backend, `VG_HEAP_KERNELS=0`) the functions return
 * null and the caller runs the tfjs ops, which stay the reference.
 *
 * The formulas live, as plain tfjs ops, in the files the notebooks show and invite the reader to edit
 * (network/activations.ts, network/optimizers.ts). A fused kernel runs only while its file is exactly
 * as the kernel was tested against (`FORMULA_FILES`, SHA-256 of the file): an edited formula then
 * runs as written, only slower.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { compileOnHeap, heapModulesAllowed, scratchOnHeap, tfjsWasm } from './heapmodule';
import { projectRoot } from './paths';
import { WasmBackend, heapOffset } from './wasmheap';

/**
 * The library file whose tfjs ops each fused kernel replaces, and that file's SHA-256 (line endings as
 * LF) when the kernel was last checked bit for bit against them. test/runtime/elementwise.test.ts fails
 * when a file changes, until its kernel is checked again and the hash updated.
 */
export const FORMULA_FILES = {
  sigmoidBackward: { file: 'network/activations.ts', sha256: '622450344c4f1d5a9eeecbd331522631ec5ced330376625fe988996ab75b184e' },
  optimizerSteps: { file: 'network/optimizers.ts', sha256: '3cca3c58accea03cf2d824417c40f281fd771d3b4b79eb9d596b61409a43bc0c' },
} as const;
export type Formula = keyof typeof FORMULA_FILES;

/** SHA-256 of `lib/<file>` under `root`, line endings as LF (a checkout with CRLF hashes the same). */
export function formulaFileHash(file: string, root = projectRoot()): string {
  const text = fs.readFileSync(path.join(root, 'lib', file), 'utf8').replace(/\r\n/g, '\n');
  return createHash('sha256').update(text).digest('hex');
}

const unchanged = new Map<Formula, boolean>();

/**
 * Whether the file holding `formula`'s tfjs ops is the one its fused kernel was tested against (read
 * once per process). When it is not, says once on stderr that the ops run as written.
 */
export function formulaUnchanged(formula: Formula): boolean {
  let same = unchanged.get(formula);
  if (same === undefined) {
    const { file, sha256 } = FORMULA_FILES[formula];
    same = formulaFileHash(file) === sha256;
    unchanged.set(formula, same);
    if (!same) console.error(`lib/${file} differs from the version its fused kernel was tested against: its tfjs ops run as written (slower)`);
  }
  return same;
}

/** `lib/…` files that differ from what their fused kernels were tested against, where the kernels run at all. */
export function editedFormulaFiles(): string[] {
  if (!fusedKernelsActive()) return [];
  return Object.values(FORMULA_FILES).filter(({ file, sha256 }) => formulaFileHash(file) !== sha256).map(({ file }) => `lib/${file}`);
}

/**
 * A loop over `$n` floats, four at a time with 128-bit SIMD and then one at a time: `body` writes one
 * step for either width, given how to load from and store to a pointer parameter at the byte offset $i,
 * and the name of each float constant (splatted into a v128 local for the vector loop).
 */
type Lanes = { op: 'f32x4' | 'f32'; load: (p: string) => string; store: (p: string, value: string) => string; k: (name: string) => string };
function floatLoop(constants: readonly string[], body: (l: Lanes) => string): string {
  const vector: Lanes = {
    op: 'f32x4',
    load: (p) => `(v128.load align=4 (i32.add (local.get ${p}) (local.get $i)))`,
    store: (p, value) => `(v128.store align=4 (i32.add (local.get ${p}) (local.get $i)) ${value})`,
    k: (name) => `(local.get ${name}x4)`,
  };
  const scalar: Lanes = {
    op: 'f32',
    load: (p) => `(f32.load (i32.add (local.get ${p}) (local.get $i)))`,
    store: (p, value) => `(f32.store (i32.add (local.get ${p}) (local.get $i)) ${value})`,
    k: (name) => `(local.get ${name})`,
  };
  return String.raw`(local $i i32) (local $end i32) ${constants.map((c) => `(local ${c}x4 v128)`).join(' ')}
    ${constants.map((c) => `(local.set ${c}x4 (f32x4.splat (local.get ${c})))`).join('\n    ')}
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      ${body(vector)}
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      ${body(scalar)}
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))`;
}

// Each body is the tfjs ops' float32 arithmetic, operation for operation (see the callers' formulas).
const WAT = String.raw`(module
  (memory (import "env" "memory") 1)

  ;; out = dy · (y · (1 − y)) for the $n floats at bytes $dy, $y, $out.
  (func (export "sigmoidBackward") (param $dy i32) (param $y i32) (param $out i32) (param $n i32) (param $one f32)
    ${floatLoop(['$one'], (l) => l.store('$out', `(${l.op}.mul ${l.load('$dy')} (${l.op}.mul ${l.load('$y')} (${l.op}.sub ${l.k('$one')} ${l.load('$y')})))`))})

  ;; SGD: delta = g · lr, wOut = w − delta.
  (func (export "sgd") (param $w i32) (param $g i32) (param $wOut i32) (param $delta i32) (param $n i32) (param $lr f32)
    ${floatLoop(['$lr'], (l) => `${l.store('$delta', `(${l.op}.mul ${l.load('$g')} ${l.k('$lr')})`)}
      ${l.store('$wOut', `(${l.op}.sub ${l.load('$w')} ${l.load('$delta')})`)}`)})

  ;; Adam: m' = m·β₁ + g·(1−β₁), v' = v·β₂ + g²·(1−β₂), delta = (m'/c₁) / (√(v'/c₂) + ε) · lr, w' = w − delta.
  (func (export "adam") (param $w i32) (param $g i32) (param $m i32) (param $v i32)
      (param $wOut i32) (param $mOut i32) (param $vOut i32) (param $delta i32) (param $n i32)
      (param $b1 f32) (param $ob1 f32) (param $b2 f32) (param $ob2 f32) (param $c1 f32) (param $c2 f32) (param $eps f32) (param $lr f32)
    ${floatLoop(['$b1', '$ob1', '$b2', '$ob2', '$c1', '$c2', '$eps', '$lr'], (l) => `${l.store('$mOut',
      `(${l.op}.add (${l.op}.mul ${l.load('$m')} ${l.k('$b1')}) (${l.op}.mul ${l.load('$g')} ${l.k('$ob1')}))`)}
      ${l.store('$vOut', `(${l.op}.add (${l.op}.mul ${l.load('$v')} ${l.k('$b2')}) (${l.op}.mul (${l.op}.mul ${l.load('$g')} ${l.load('$g')}) ${l.k('$ob2')}))`)}
      ${l.store('$delta', `(${l.op}.mul (${l.op}.div (${l.op}.div ${l.load('$mOut')} ${l.k('$c1')})
        (${l.op}.add (${l.op}.sqrt (${l.op}.div ${l.load('$vOut')} ${l.k('$c2')})) ${l.k('$eps')})) ${l.k('$lr')})`)}
      ${l.store('$wOut', `(${l.op}.sub ${l.load('$w')} ${l.load('$delta')})`)}`)})

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
  sigmoidBackward(dy: number, y: number, out: number, n: number, one: number): void;
  sgd(w: number, g: number, wOut: number, delta: number, n: number, lr: number): void;
  adam(w: number, g: number, m: number, v: number, wOut: number, mOut: number, vOut: number, delta: number, n: number,
    b1: number, ob1: number, b2: number, ob2: number, c1: number, c2: number, eps: number, lr: number): void;
  unitBytes(src: number, out: number, n: number): void;
}

let kernels: Kernels | null = null;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/**
 * A tfjs kernel that allocates `outputs` float32 tensors of its first input's shape and hands the byte
 * offsets of the inputs (in `names` order), then of the outputs, and the element count to `run`.
 */
function heapKernel(names: readonly string[], outputs: number, run: (k: Kernels, offsets: number[], n: number, attrs: tf.NamedAttrMap) => void) {
  return (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const backend = args.backend as WasmBackend;
    const inputs = names.map((name) => args.inputs[name] as tf.TensorInfo);
    const shape = inputs[0].shape;
    const outs = Array.from({ length: outputs }, () => backend.makeOutput(shape, 'float32'));
    const offsets = [...inputs, ...outs].map((t) => heapOffset(backend, t));
    run(kernels as Kernels, offsets, tf.util.sizeFromShape(shape), args.attrs ?? {});
    return outs.length === 1 ? outs[0] : outs;
  };
}

const KERNELS: Record<string, ReturnType<typeof heapKernel>> = {
  VgSigmoidBackward: heapKernel(['dy', 'y'], 1, (k, [dy, y, out], n) => k.sigmoidBackward(dy, y, out, n, 1)),
  VgSgdStep: heapKernel(['w', 'g'], 2, (k, [w, g, wOut, delta], n, a) => k.sgd(w, g, wOut, delta, n, a.lr as number)),
  VgAdamStep: heapKernel(['w', 'g', 'm', 'v'], 4, (k, [w, g, m, v, wOut, mOut, vOut, delta], n, a) =>
    k.adam(w, g, m, v, wOut, mOut, vOut, delta, n, ...(a.scalars as number[]) as [number, number, number, number, number, number, number, number])),
};

/** Compiles the module and registers its kernels with the wasm backend (once; `initBackend` calls it). */
export async function enableFusedKernels(): Promise<boolean> {
  if (kernels) return true;
  if (!heapModulesAllowed()) return false;
  kernels = await compileOnHeap<Kernels>('elementwise.wat', WAT);
  for (const [kernelName, kernelFunc] of Object.entries(KERNELS)) {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  return true;
}

/** True while the fused kernels run (the wasm backend is active and the module compiled). */
export function fusedKernelsActive(): boolean {
  return kernels !== null && tf.getBackend() === 'wasm';
}

/** Whether `formula`'s kernel may run on these operands: active, its file unchanged, float32 tensors of one shape. */
function fusable(formula: Formula, ...operands: tf.Tensor[]): boolean {
  return fusedKernelsActive() && formulaUnchanged(formula) &&
    operands.every((t) => t.dtype === 'float32' && tf.util.arraysEqual(t.shape, operands[0].shape));
}

/**
 * dy · (y · (1 − y)), the sigmoid's backward from its output y, in one pass; null where the fused
 * kernels are not active or the operands are not two float32 tensors of one shape.
 */
export function fusedSigmoidBackward(dy: tf.Tensor, y: tf.Tensor): tf.Tensor | null {
  if (!fusable('sigmoidBackward', dy, y)) return null;
  return tf.engine().runKernel('VgSigmoidBackward', { dy, y } as unknown as tf.NamedTensorMap) as tf.Tensor;
}

/** SGD's step in one pass: Δ = g · lr and W − Δ; null where the fused kernels do not apply. */
export function fusedSgdStep(w: tf.Tensor, g: tf.Tensor, lr: number): { w: tf.Tensor; delta: tf.Tensor } | null {
  if (!fusable('optimizerSteps', w, g)) return null;
  const [wOut, delta] = tf.engine().runKernel('VgSgdStep', { w, g } as unknown as tf.NamedTensorMap, { lr }) as tf.Tensor[];
  return { w: wOut, delta };
}

/** Adam's hyper-parameters for one step, with its bias corrections c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ. */
export interface AdamStepScalars {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  c1: number;
  c2: number;
}

/**
 * Adam's step in one pass: the new m and v, Δ = (m/c₁) / (√(v/c₂) + ε) · lr and W − Δ; null where the
 * fused kernels do not apply.
 */
export function fusedAdamStep(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: AdamStepScalars):
    { w: tf.Tensor; m: tf.Tensor; v: tf.Tensor; delta: tf.Tensor } | null {
  if (!fusable('optimizerSteps', w, g, m, v)) return null;
  // As tfjs makes them: each scalar rounded to float32 once, 1 − β computed in float64 first.
  const scalars = [s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.c1, s.c2, s.epsilon, s.lr];
  const [wOut, mOut, vOut, delta] = tf.engine().runKernel('VgAdamStep', { w, g, m, v } as unknown as tf.NamedTensorMap,
    { scalars } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { w: wOut, m: mOut, v: vOut, delta };
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
