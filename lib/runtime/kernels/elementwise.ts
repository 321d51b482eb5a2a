/**
 * Element-wise steps of the training step fused into one pass each on the wasm heap, where tfjs runs
 * them as several ops (each a dispatch, a new tensor and a pass over memory):
 *
 * - the sigmoid's backward dy · (y · (1 − y)): three tfjs ops and a tensor of ones per layer, and
 *   ReLU's dy · step(x): three (step, cast, multiply);
 * - SGD's update: Δ = lr · g, W − Δ: two ops per parameter tensor;
 * - Adam's update (m, v, Δ and W − Δ): thirteen ops per parameter tensor;
 * - BatchNorm's x̂ = (x − μ) / σ, γ x̂ + β and its backward ((dy − a) − x̂ b) c, per-feature a, b, c:
 *   two, two and four ops per layer;
 * - a batch's pixels byte / 255 (the divisor is the caller's): a float32 copy of the bytes uploaded, then divided on the backend.
 *
 * Each does the very float32 operations of the tfjs ops it replaces, in the same order, so the results
 * are bit-identical (tested against them). A small WebAssembly module of our own (heapmodule.ts, its
 * text generated with wat.ts), 128-bit SIMD. Where it is not active (another backend,
 * `VG_FUSED_KERNELS=0`, which leaves reductions.ts's sums on) the functions return null and the
 * caller runs the tfjs ops, which stay the reference.
 *
 * The formulas live, as plain tfjs ops, in the files the notebooks show and invite the reader to edit
 * (network/activations.ts, network/optimizers.ts, network/normalization.ts). A fused kernel checks
 * itself by behaviour: a check registered for it (`registerFusedCheck`, network/fusedcheck.ts) runs
 * the real function that calls it on probe tensors (NaN, ±0, ±Inf, subnormals, odd column counts,
 * sizes not a multiple of four) once with every kernel off and once with this kernel on, once per
 * process when the module is compiled, and the kernel runs only if the two agree bit for bit. An
 * edited formula therefore runs as written (only slower, and `editedFormulaFiles` names it), while
 * comments and functions no kernel replaces do not matter. A kernel with no check registered never runs
 * (a batch's byte / 255, whose formula is no learner's to edit and whose every byte value the tests
 * check, needs none).
 */
import * as tf from '@tensorflow/tfjs';
import { compileOnHeap, heapModulesAllowed, scratchOnHeap, tfjsWasm } from './heapmodule';
import { WasmBackend, heapOffset } from './wasmheap';
import { Width, fourThenOne, func, heapModule, locals, loop } from './wat';

/** How a kernel body reads and writes at the loop's position, four floats at a time or one. */
interface Lanes {
  op: 'f32x4' | 'f32';
  /** The element of matrix operand `p` (a byte offset parameter). */
  load(p: string): string;
  /** The element of per-column vector operand `p` for this column. */
  col(p: string): string;
  store(p: string, value: string): string;
  /** A float constant parameter (splatted for the vector loop). */
  k(name: string): string;
}

/** The body's reads and writes for a pass of width `w`: one v128 of four floats, or one float. */
function lanes(w: Width): Lanes {
  const at = (p: string, offset: string) => `(i32.add (local.get ${p}) (local.get ${offset}))`;
  return w === 4 ? {
    op: 'f32x4',
    load: (p) => `(v128.load align=4 ${at(p, '$i')})`,
    col: (p) => `(v128.load align=4 ${at(p, '$j')})`,
    store: (p, value) => `(v128.store align=4 ${at(p, '$i')} ${value})`,
    k: (name) => `(local.get ${name}x4)`,
  } : {
    op: 'f32',
    load: (p) => `(f32.load ${at(p, '$i')})`,
    col: (p) => `(f32.load ${at(p, '$j')})`,
    store: (p, value) => `(f32.store ${at(p, '$i')} ${value})`,
    k: (name) => `(local.get ${name})`,
  };
}

/**
 * A loop over the [$rows, $cols] float matrices of a kernel, row by row, each row's columns four at a
 * time and then one at a time (wat.ts); flat tensors are one row. `body` writes one step for either
 * width; $i is the byte offset into the matrices, $j into per-column vectors.
 */
function matrixLoop(constants: readonly string[], body: (l: Lanes) => string): string {
  return `${constants.map((c) => `(local.set ${c}x4 (f32x4.splat (local.get ${c})))`).join('\n    ')}
    ${loop('(i32.ge_u (local.get $r) (local.get $rows))', `(local.set $col (i32.const 0))
      (local.set $j (i32.const 0))
      ${fourThenOne({ index: '$col', count: '(local.get $cols)', cursors: [['$i', 4], ['$j', 4]], body: (w) => body(lanes(w)) })}`, [['$r', 1]])}`;
}

/** `(func (export name) (param $p i32)… (param $rows i32) (param $cols i32) (param $c f32)… body)`. */
function kernel(name: string, pointers: readonly string[], constants: readonly string[], body: (l: Lanes) => string): string {
  return func(name, {
    params: [...locals(pointers.join(' ')), ...locals('$rows $cols'), ...constants.map((c): [string, string] => [c, 'f32'])],
    locals: [...locals('$r $col $i $j'), ...constants.map((c): [string, string] => [`${c}x4`, 'v128'])],
    body: matrixLoop(constants, body),
  });
}

// Each body is its tfjs ops' float32 arithmetic, operation for operation, in their order (see the
// formulas in the callers' files); the tests compare the results bit for bit.
const WAT = heapModule([
  // dy · (y · (1 − y))
  kernel('sigmoidBackward', ['$dy', '$y', '$out'], ['$one'], (l) =>
    l.store('$out', `(${l.op}.mul ${l.load('$dy')} (${l.op}.mul ${l.load('$y')} (${l.op}.sub ${l.k('$one')} ${l.load('$y')})))`)),

  // dy · step(x), step(x) = 1 where x > 0, NaN where x is NaN, 0 elsewhere
  kernel('reluBackward', ['$dy', '$x', '$out'], ['$one'], (l) => l.store('$out', `(${l.op}.mul ${l.load('$dy')} ${l.op === 'f32x4'
    ? `(v128.or (v128.and (f32x4.gt ${l.load('$x')} (v128.const i32x4 0 0 0 0)) ${l.k('$one')}) (v128.and (f32x4.ne ${l.load('$x')} ${l.load('$x')}) ${l.load('$x')}))`
    : `(select ${l.k('$one')} (select ${l.load('$x')} (f32.const 0) (f32.ne ${l.load('$x')} ${l.load('$x')})) (f32.gt ${l.load('$x')} (f32.const 0)))`})`)),

  // SGD: delta = g · lr, wOut = w − delta
  kernel('sgd', ['$w', '$g', '$wOut', '$delta'], ['$lr'], (l) => `${l.store('$delta', `(${l.op}.mul ${l.load('$g')} ${l.k('$lr')})`)}
        ${l.store('$wOut', `(${l.op}.sub ${l.load('$w')} ${l.load('$delta')})`)}`),

  // Adam: m' = m·β₁ + g·(1−β₁), v' = v·β₂ + g²·(1−β₂), delta = (m'/c₁) / (√(v'/c₂) + ε) · lr, w' = w − delta
  kernel('adam', ['$w', '$g', '$m', '$v', '$wOut', '$mOut', '$vOut', '$delta'], ['$b1', '$ob1', '$b2', '$ob2', '$c1', '$c2', '$eps', '$lr'], (l) =>
    `${l.store('$mOut', `(${l.op}.add (${l.op}.mul ${l.load('$m')} ${l.k('$b1')}) (${l.op}.mul ${l.load('$g')} ${l.k('$ob1')}))`)}
        ${l.store('$vOut', `(${l.op}.add (${l.op}.mul ${l.load('$v')} ${l.k('$b2')}) (${l.op}.mul (${l.op}.mul ${l.load('$g')} ${l.load('$g')}) ${l.k('$ob2')}))`)}
        ${l.store('$delta', `(${l.op}.mul (${l.op}.div (${l.op}.div ${l.load('$mOut')} ${l.k('$c1')})
          (${l.op}.add (${l.op}.sqrt (${l.op}.div ${l.load('$vOut')} ${l.k('$c2')})) ${l.k('$eps')})) ${l.k('$lr')})`)}
        ${l.store('$wOut', `(${l.op}.sub ${l.load('$w')} ${l.load('$delta')})`)}`),

  // (x − a) · b, a and b per column
  kernel('subMul', ['$x', '$a', '$b', '$out'], [], (l) => l.store('$out', `(${l.op}.mul (${l.op}.sub ${l.load('$x')} ${l.col('$a')}) ${l.col('$b')})`)),

  // x · a + b, a and b per column
  kernel('mulAdd', ['$x', '$a', '$b', '$out'], [], (l) => l.store('$out', `(${l.op}.add (${l.op}.mul ${l.load('$x')} ${l.col('$a')}) ${l.col('$b')})`)),

  // ((dy − a) − x · b) · c, a, b and c per column
  kernel('batchNormBackward', ['$dy', '$x', '$a', '$b', '$c', '$out'], [], (l) => l.store('$out',
    `(${l.op}.mul (${l.op}.sub (${l.op}.sub ${l.load('$dy')} ${l.col('$a')}) (${l.op}.mul ${l.load('$x')} ${l.col('$b')})) ${l.col('$c')})`)),

  // out = float32(byte) / $divisor for the $n bytes at byte $src, into the floats at byte $out.
  func('scaledBytes', {
    params: [...locals('$src $out $n'), ['$divisor', 'f32']],
    locals: [...locals('$k'), ['$d', 'v128']],
    body: `(local.set $d (f32x4.splat (local.get $divisor)))
    ${fourThenOne({ index: '$k', count: '(local.get $n)', cursors: [['$src', 1], ['$out', 4]], body: (w) => (w === 4
      ? `(v128.store align=4 (local.get $out) (f32x4.div
        (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero align=1 (local.get $src)))))
        (local.get $d)))`
      : '(f32.store (local.get $out) (f32.div (f32.convert_i32_u (i32.load8_u (local.get $src))) (local.get $divisor)))') })}`,
  }),
]);

/** A kernel of the module: byte offsets of its operands (inputs, then outputs), rows, columns, constants. */
type ModuleKernel = (...args: number[]) => void;
interface Kernels {
  sigmoidBackward: ModuleKernel;
  reluBackward: ModuleKernel;
  sgd: ModuleKernel;
  adam: ModuleKernel;
  subMul: ModuleKernel;
  mulAdd: ModuleKernel;
  batchNormBackward: ModuleKernel;
  scaledBytes(src: number, out: number, n: number, divisor: number): void;
}

let kernels: Kernels | null = null;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/**
 * A tfjs kernel running the module's function `name` on the inputs `names` (in order) and `outputs`
 * new float32 tensors of the first input's shape, as [rows = all but the last axis, cols = the last],
 * with the float constants `attrs.constants`.
 */
function heapKernel(name: Exclude<keyof Kernels, 'scaledBytes'>, names: readonly string[], outputs: number) {
  return (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const backend = args.backend as WasmBackend;
    const inputs = names.map((n) => args.inputs[n] as tf.TensorInfo);
    const shape = inputs[0].shape;
    const cols = shape.length ? shape[shape.length - 1] : 1;
    const outs = Array.from({ length: outputs }, () => backend.makeOutput(shape, 'float32'));
    const offsets = [...inputs, ...outs].map((t) => heapOffset(backend, t));
    const constants = (args.attrs?.constants ?? []) as number[];
    (kernels as Kernels)[name](...offsets, cols ? tf.util.sizeFromShape(shape) / cols : 0, cols, ...constants);
    return outs.length === 1 ? outs[0] : outs;
  };
}

const KERNELS = {
  VgSigmoidBackward: heapKernel('sigmoidBackward', ['dy', 'y'], 1),
  VgReluBackward: heapKernel('reluBackward', ['dy', 'x'], 1),
  VgSgdStep: heapKernel('sgd', ['w', 'g'], 2),
  VgAdamStep: heapKernel('adam', ['w', 'g', 'm', 'v'], 4),
  VgSubMul: heapKernel('subMul', ['x', 'a', 'b'], 1),
  VgMulAdd: heapKernel('mulAdd', ['x', 'a', 'b'], 1),
  VgBatchNormBackward: heapKernel('batchNormBackward', ['dy', 'x', 'a', 'b', 'c'], 1),
};

/** The fused kernels a formula can be replaced by (tfjs kernel names). */
export type FusedKernel = keyof typeof KERNELS;
export const FUSED_KERNELS = Object.keys(KERNELS) as FusedKernel[];

/** How a fused kernel checks itself against the formula it replaces (see the file's comment). */
export interface FusedCheck {
  kernel: FusedKernel;
  /** The formula, as the setup line names it when the kernel stands aside: file and function. */
  formula: { file: string; what: string };
  /**
   * Runs the real function whose formula the kernel replaces, on probe tensors (`probeTensor`), and
   * returns its results; called inside `tf.tidy`, twice: with every kernel off, then with this one on.
   */
  run(): tf.Tensor[];
}

const checks = new Map<FusedKernel, FusedCheck>();
/** Each checked kernel's verdict: true where it agreed with its formula bit for bit. */
const verdicts = new Map<FusedKernel, boolean>();
/** While a check runs: the one kernel allowed (null: none), and whether it ran. */
let checking: { only: FusedKernel | null; ran: boolean } | undefined;

/** The float32 bit patterns of the tensors, shapes and dtypes included, as one comparable string. */
function bitsOf(ts: tf.Tensor[]): string {
  return ts.map((t) => `${t.dtype}[${t.shape}]:${Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)).join(',')}`).join(';');
}

/**
 * Runs `check` with every kernel off and with its own on; the kernel stays on only if both agree bit for
 * bit. `references` keeps the all-off results of a run shared by several kernels (BatchNorm's three).
 */
function runCheck(check: FusedCheck, references = new Map<FusedCheck['run'], string>()): void {
  const once = (only: FusedKernel | null) => {
    checking = { only, ran: false };
    try {
      return { bits: tf.tidy(() => bitsOf(check.run())), ran: checking.ran };
    } finally {
      checking = undefined;
    }
  };
  let same: boolean;
  try {
    const formula = references.get(check.run) ?? once(null).bits;
    references.set(check.run, formula);
    const fused = once(check.kernel);
    same = fused.ran && formula === fused.bits;
  } catch (e) {
    // A formula that fails on the probes fails the same way in training, where the error is the learner's to see.
    same = false;
    console.error(`the check of ${check.kernel} against ${check.formula.file} (${check.formula.what}) failed: ${(e as Error).message}`);
  }
  verdicts.set(check.kernel, same);
  if (!same) console.error(`${check.formula.file}: ${check.formula.what} does not compute what its fused kernel does: it runs as written (slower)`);
}

/**
 * Registers how `check.kernel` checks itself (network/fusedcheck.ts does, for every kernel). The check
 * runs when the module is compiled, or at once if it already is.
 */
export function registerFusedCheck(check: FusedCheck): void {
  checks.set(check.kernel, check);
  verdicts.delete(check.kernel);
  if (fusedKernelsActive()) runCheck(check);
}

/**
 * The formulas, by file, whose fused kernels stood aside because they compute something else (an
 * edit): e.g. `lib/network/activations.ts (the sigmoid's gradient)`. Empty where no kernel runs at all.
 */
export function editedFormulaFiles(): string[] {
  if (!fusedKernelsActive()) return [];
  const byFile = new Map<string, string[]>();
  for (const [kernel, ok] of verdicts) {
    const { file, what } = (checks.get(kernel) as FusedCheck).formula;
    if (!ok) byFile.set(file, [...(byFile.get(file) ?? []), what]);
  }
  return [...byFile].map(([file, whats]) => `${file} (${whats.join(', ')})`);
}

/** Whether `kernel` runs: checked and bit-identical to its formula (tests ask). */
export function fusedKernelOn(kernel: FusedKernel): boolean {
  return fusedKernelsActive() && verdicts.get(kernel) === true;
}

/**
 * Compiles the module, registers its kernels with the wasm backend and runs the registered checks
 * (once; `initBackend` calls it). `VG_FUSED_KERNELS=0` keeps every formula's tfjs ops.
 */
export async function enableFusedKernels(): Promise<boolean> {
  if (kernels) return true;
  if (!heapModulesAllowed('VG_FUSED_KERNELS')) return false;
  kernels = await compileOnHeap<Kernels>('elementwise.wat', WAT);
  for (const [kernelName, kernelFunc] of Object.entries(KERNELS)) {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  const references = new Map<FusedCheck['run'], string>();
  for (const check of checks.values()) runCheck(check, references);
  return true;
}

/** True while the fused kernels can run (the wasm backend is active and the module compiled). */
export function fusedKernelsActive(): boolean {
  return kernels !== null && tf.getBackend() === 'wasm';
}

/**
 * `shape`'s float32 probe values, deterministic for `seed`: ordinary values of about `scale`, with NaN,
 * ±0, ±Inf, subnormals, the largest float and values near 1 mixed in, for the kernels' self-checks.
 */
export function probeTensor(shape: number[], scale: number, seed: number): tf.Tensor {
  const special = [NaN, 0, -0, Infinity, -Infinity, 1e-40, -3e-42, 3.4e38, 1 - 2 ** -24, 1e-30];
  let r = seed * 2654435761 >>> 0;
  const next = () => ((r = (Math.imul(r, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const values = Float32Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) =>
    (i % 3 === 1 ? special[(i + seed) % special.length] : (next() * 2 - 1) * scale));
  return tf.tensor(values, shape);
}

const allFloat32 = (ts: tf.Tensor[]) => ts.every((t) => t.dtype === 'float32');
const sameShape = (ts: tf.Tensor[]) => ts.every((t) => tf.util.arraysEqual(t.shape, ts[0].shape));
/** Per-column operands of a matrix `x`: as many values as its last axis has. */
const perColumn = (x: tf.Tensor, cols: tf.Tensor[]) => x.rank >= 1 && cols.every((c) => c.size === x.shape[x.rank - 1] && c.rank <= 2 && c.size === c.shape[c.rank - 1]);

/**
 * Runs `kernel` where it applies: it passed its check (or is the one a check runs), float32 operands
 * whose matrices share a shape and whose per-column vectors fit it. Otherwise null.
 */
function runFused(kernel: FusedKernel, matrices: Record<string, tf.Tensor>, columns: Record<string, tf.Tensor> = {}, constants: number[] = []): tf.Tensor[] | null {
  const m = Object.values(matrices);
  const c = Object.values(columns);
  const allowed = checking ? checking.only === kernel : verdicts.get(kernel) === true;
  if (!allowed || !fusedKernelsActive() || !allFloat32([...m, ...c]) || !sameShape(m) || !perColumn(m[0], c)) return null;
  if (checking) checking.ran = true;
  const out = tf.engine().runKernel(kernel, { ...matrices, ...columns } as unknown as tf.NamedTensorMap, { constants } as unknown as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out as tf.Tensor];
}

/** dy · (y · (1 − y)), the sigmoid's backward from its output y (network/activations.ts), in one pass; null where not fused. */
export function fusedSigmoidBackward(dy: tf.Tensor, y: tf.Tensor): tf.Tensor | null {
  return runFused('VgSigmoidBackward', { dy, y }, {}, [1])?.[0] ?? null;
}

/** dy · step(x), ReLU's backward from its input x (network/activations.ts), in one pass; null where not fused. */
export function fusedReluBackward(dy: tf.Tensor, x: tf.Tensor): tf.Tensor | null {
  return runFused('VgReluBackward', { dy, x }, {}, [1])?.[0] ?? null;
}

/** SGD's step (network/optimizers.ts) in one pass: Δ = g · lr and W − Δ; null where not fused. */
export function fusedSgdStep(w: tf.Tensor, g: tf.Tensor, lr: number): { w: tf.Tensor; delta: tf.Tensor } | null {
  const out = runFused('VgSgdStep', { w, g }, {}, [lr]);
  return out && { w: out[0], delta: out[1] };
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
 * Adam's step (network/optimizers.ts) in one pass: the new m and v, Δ = (m/c₁) / (√(v/c₂) + ε) · lr
 * and W − Δ; null where not fused.
 */
export function fusedAdamStep(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: AdamStepScalars):
    { w: tf.Tensor; m: tf.Tensor; v: tf.Tensor; delta: tf.Tensor } | null {
  // As tfjs makes them: each scalar rounded to float32 once, 1 − β computed in float64 first.
  const out = runFused('VgAdamStep', { w, g, m, v }, {}, [s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.c1, s.c2, s.epsilon, s.lr]);
  return out && { w: out[0], m: out[1], v: out[2], delta: out[3] };
}

/** (x − a) · b with a and b per column (BatchNorm's x̂, network/normalization.ts) in one pass; null where not fused. */
export function fusedSubMul(x: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor | null {
  return runFused('VgSubMul', { x }, { a, b })?.[0] ?? null;
}

/** x · a + b with a and b per column (BatchNorm's γ x̂ + β) in one pass; null where not fused. */
export function fusedMulAdd(x: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor | null {
  return runFused('VgMulAdd', { x }, { a, b })?.[0] ?? null;
}

/** ((dy − a) − x · b) · c with a, b and c per column (BatchNorm's dx) in one pass; null where not fused. */
export function fusedBatchNormBackward(dy: tf.Tensor, x: tf.Tensor, a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Tensor | null {
  return runFused('VgBatchNormBackward', { dy, x }, { a, b, c })?.[0] ?? null;
}

/**
 * float32(byte) / float32(divisor) for every byte, as a float32 tensor of `shape` (a batch's pixels,
 * dataset/fashionmnist.ts's PIXEL_MAX); null where the fused kernels are not active.
 */
export function fusedScaledBytes(bytes: Uint8Array, shape: number[], divisor: number): tf.Tensor | null {
  if (!fusedKernelsActive()) return null;
  if (tf.util.sizeFromShape(shape) !== bytes.length) throw new Error(`${bytes.length} bytes do not fill shape [${shape}]`);
  const backend = tf.backend() as unknown as WasmBackend;
  const out = backend.makeOutput(shape, 'float32');
  const src = scratchOnHeap('scaledBytes', Math.max(bytes.length, 1));
  // Both allocations done: the heap's buffer is read after them, as either may have grown it.
  new Uint8Array(tfjsWasm().asm.memory.buffer, src, bytes.length).set(bytes);
  (kernels as Kernels).scaledBytes(src, heapOffset(backend, out), bytes.length, divisor);
  return tf.engine().makeTensorFromTensorInfo(out);
}
