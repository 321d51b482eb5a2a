/**
 * The sums the statistics and the normalisations are made of, read where a tensor lies: Σx, Σx², Σ|x|
 * of all its values, how many lie outside [lo, hi], per column Σx, Σx², Σφ'(x)², and of two tensors of
 * one shape Σa and Σa·b, in all or per column. All sums are float64.
 *
 * On the wasm backend they run as a small WebAssembly module of our own (below, its text generated
 * with wat.ts's loops, as elementwise.ts's is) that imports tfjs's own memory and reads the tensors in
 * place, four floats at a time with 128-bit SIMD: faster than the same loops in JavaScript, which the
 * training loop pays on some 1.6 million values a step. `initBackend` compiles it (heapmodule.ts) before the
 * first step; elsewhere (the cpu backend, a native one, `VG_REDUCTIONS=0`) the same sums run as
 * JavaScript loops, which are also the reference the module is tested against.
 */
import * as tf from '@tensorflow/tfjs';
import { compileOnHeap, heapModulesAllowed, scratchOnHeap, tfjsWasm } from './heapmodule';
import { WasmBackend, float32View, heapOffset } from './wasmheap';
import { Advance, Width, fourThenOne, func, heapModule, locals, loop } from './wat';

/** Per column c of a [rows, cols] matrix: Σx, Σx² and Σφ'(x)² over the rows. */
export interface ColumnSums {
  sum: Float64Array;
  sumSq: Float64Array;
  slopeSq: Float64Array;
}

/**
 * A derivative φ' read off an activation's output y, without a branch in the loop, as [α, β, γ, δ] of
 * α + y (β + γ y) + δ [y > 0] (network/activations.ts gives each activation's). In float64 after
 * widening, so that σ' = y (1 - y) and tanh' = 1 - y² come out exactly as written in JavaScript.
 */
export type SlopeCoefficients = readonly [number, number, number, number];

/** No slope: `columnSums` then adds up zeros for Σφ'². */
export const NO_SLOPE: SlopeCoefficients = [0, 0, 0, 0];

/** φ'(y) of the coefficients `c` (see `SlopeCoefficients`), in float64. */
export function slopeFromOutput(c: SlopeCoefficients, y: number): number {
  return c[0] + y * (c[1] + c[2] * y) + c[3] * Number(y > 0);
}

/**
 * The floats at byte offset `at`, widened to float64: four as `$lo` (first two) and `$hi` (last two), or
 * one as the low lane of `$lo`.
 */
function widen(w: Width, at: string, lo = '$lo', hi = '$hi'): string {
  if (w === 1) return `(local.set ${lo} (f64x2.promote_low_f32x4 (v128.load32_zero align=4 (local.get ${at}))))`;
  return String.raw`(local.set $v (v128.load align=4 (local.get ${at})))
      (local.set ${lo} (f64x2.promote_low_f32x4 (local.get $v)))
      (local.set ${hi} (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))`;
}

/** The halves a pass of width `w` fills: [the widened values, the accumulators' suffix]. */
const halves = (w: Width): Array<[string, string]> => (w === 4 ? [['lo', '0'], ['hi', '1']] : [['lo', '0']]);
const acc = (name: string, x: string) => `(local.set ${name} (f64x2.add (local.get ${name}) ${x}))`;
/** The two lanes of a float64 pair, added. */
const sum2 = (v: string) => `(f64.add (f64x2.extract_lane 0 ${v}) (f64x2.extract_lane 1 ${v}))`;
const zero = (names: string[]) => names.map((n) => `(local.set ${n} (v128.const i64x2 0 0))`).join(' ');

/** Σx, Σx², Σ|x| (into $s, $q, $a) of one float or four (into the float64 pairs $s0/$s1, $q0/$q1, $a0/$a1). */
function addSums(w: Width): string {
  if (w === 1) {
    return `(local.set $x (f64.promote_f32 (f32.load (local.get $p))))
      (local.set $s (f64.add (local.get $s) (local.get $x)))
      (local.set $q (f64.add (local.get $q) (f64.mul (local.get $x) (local.get $x))))
      (local.set $a (f64.add (local.get $a) (f64.abs (local.get $x))))`;
  }
  return [widen(4, '$p'), ...halves(4).flatMap(([x, k]) => [acc(`$s${k}`, `(local.get $${x})`),
    acc(`$q${k}`, `(f64x2.mul (local.get $${x}) (local.get $${x}))`), acc(`$a${k}`, `(f64x2.abs (local.get $${x}))`)])].join('\n      ');
}

/** Σa and Σa·b (into $s, $d) of one float at $a and $b, or four (into the pairs $s0/$s1, $d0/$d1). */
function addDot(w: Width, a: string, b: string): string {
  if (w === 1) {
    return `(local.set $x (f64.promote_f32 (f32.load (local.get ${a}))))
      (local.set $s (f64.add (local.get $s) (local.get $x)))
      (local.set $d (f64.add (local.get $d) (f64.mul (local.get $x) (f64.promote_f32 (f32.load (local.get ${b}))))))`;
  }
  return addColumnDot(4, a, b);
}

/** Σa and Σa·b of the pass's floats at `a` and `b`, into $s0(/$s1) and $d0(/$d1). */
function addColumnDot(w: Width, a: string, b: string): string {
  return [widen(w, a), widen(w, b, '$blo', '$bhi'),
    ...halves(w).map(([x, k]) => acc(`$s${k}`, `(local.get $${x})`)),
    ...halves(w).map(([x, k]) => acc(`$d${k}`, `(f64x2.mul (local.get $${x}) (local.get $b${x}))`))].join('\n        ');
}

/**
 * Σx, Σx² and Σφ'(x)² of the pass's floats at $at into $s0(/$s1), $q0(/$q1), $g0(/$g1); φ'(x) of the
 * coefficients $a, $b, $g, $k (`slopeFromOutput`'s α, β, γ, δ).
 */
function addColumnSums(w: Width): string {
  return [widen(w, '$at'), ...halves(w).flatMap(([x, k]) => [acc(`$s${k}`, `(local.get $${x})`), acc(`$q${k}`, `(f64x2.mul (local.get $${x}) (local.get $${x}))`)]),
    ...halves(w).map(([x, k]) => `(local.set $d (f64x2.add
          (f64x2.add (local.get $a) (f64x2.mul (local.get $${x}) (f64x2.add (local.get $b) (f64x2.mul (local.get $g) (local.get $${x})))))
          (v128.and (f64x2.gt (local.get $${x}) (local.get $zero)) (local.get $k))))
        ${acc(`$g${k}`, '(f64x2.mul (local.get $d) (local.get $d))')}`)].join('\n        ');
}

/**
 * Column $c's (or columns $c to $c + 3's) float64 sums of the accumulators `names` (each a pair
 * name0/name1), as arrays of $cols at byte $out, one after the other: array k at $out + 8(k $cols + c).
 */
function storeColumns(w: Width, names: string[]): string {
  return [`(local.set $at (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 3))))`, ...names.map((n, k) => [
    k ? '(local.set $at (i32.add (local.get $at) (i32.shl (local.get $cols) (i32.const 3))))' : '',
    w === 4 ? `(v128.store align=8 (local.get $at) (local.get ${n}0))\n      (v128.store offset=16 align=8 (local.get $at) (local.get ${n}1))`
      : `(f64.store (local.get $at) (f64x2.extract_lane 0 (local.get ${n}0)))`,
  ].filter(Boolean).join('\n      '))].join('\n      ');
}

/**
 * Per column of [$rows, $cols] floats: four columns at a time down the rows, their sums in registers,
 * then the last $cols mod 4 one at a time in the low lanes. `pointers` are the matrices' byte offsets
 * (each walked by a cursor of its own: $at, $bt), `add(w)` adds a row's floats to the pairs `sums`,
 * which are stored per column at $out.
 */
function perColumn(pointers: string[], sums: string[], add: (w: Width) => string): string {
  const cursors = pointers.map((_, i) => (i ? '$bt' : '$at'));
  return String.raw`(local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    ${fourThenOne({ index: '$c', count: '(local.get $cols)', body: (w) => `${zero(sums.flatMap((s) => (w === 4 ? [`${s}0`, `${s}1`] : [`${s}0`])))}
      ${pointers.map((p, i) => `(local.set ${cursors[i]} (i32.add (local.get ${p}) (i32.shl (local.get $c) (i32.const 2))))`).join(' ')}
      (local.set $end (i32.add (local.get $at) (i32.mul (local.get $rows) (local.get $stride))))
      ${loop('(i32.ge_u (local.get $at) (local.get $end))', add(w), cursors.map((c): Advance => [c, '$stride']))}
      ${storeColumns(w, sums)}` })}`;
}

const pairs = (names: string) => names.split(' ').flatMap((n) => [`${n}0`, `${n}1`]);

const WAT = heapModule([
  // Σx, Σx², Σ|x| of the $n floats at byte $p.
  func('sums', {
    params: [['$p', 'i32'], ['$n', 'i32']], results: ['f64', 'f64', 'f64'],
    locals: [...locals('$i'), ...locals('$v $lo $hi', 'v128'), ...locals(pairs('$s $q $a').join(' '), 'v128'), ...locals('$x $s $q $a', 'f64')],
    body: `${fourThenOne({ index: '$i', count: '(local.get $n)', cursors: [['$p', 4]], body: addSums,
      between: ['s', 'q', 'a'].map((n) => `(local.set $${n} ${sum2(`(f64x2.add (local.get $${n}0) (local.get $${n}1))`)})`).join('\n    ') })}
    (local.get $s) (local.get $q) (local.get $a)`,
  }),

  // How many of the $n floats at byte $p are < $lo or > $hi.
  func('countOutside', {
    params: [['$p', 'i32'], ['$n', 'i32'], ['$lo', 'f32'], ['$hi', 'f32']], results: ['i32'],
    locals: [...locals('$i $k'), ...locals('$v $l $h $c', 'v128'), ['$x', 'f32']],
    body: `(local.set $l (f32x4.splat (local.get $lo)))
    (local.set $h (f32x4.splat (local.get $hi)))
    ${fourThenOne({ index: '$i', count: '(local.get $n)', cursors: [['$p', 4]],
      body: (w) => (w === 4
        // a true comparison is all ones, -1 as an integer
        ? `(local.set $v (v128.load align=4 (local.get $p)))
      (local.set $c (i32x4.sub (local.get $c) (v128.or (f32x4.lt (local.get $v) (local.get $l)) (f32x4.gt (local.get $v) (local.get $h)))))`
        : `(local.set $x (f32.load (local.get $p)))
      (local.set $k (i32.add (local.get $k) (i32.or (f32.lt (local.get $x) (local.get $lo)) (f32.gt (local.get $x) (local.get $hi)))))`),
      between: `(local.set $k (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $c)) (i32x4.extract_lane 1 (local.get $c)))
      (i32.add (i32x4.extract_lane 2 (local.get $c)) (i32x4.extract_lane 3 (local.get $c)))))` })}
    (local.get $k)`,
  }),

  // Per column c of the [$rows, $cols] floats at byte $p: Σx, Σx², Σφ'(x)² as float64 at byte
  // $out + 8c, $out + 8($cols + c), $out + 8(2 $cols + c).
  func('columnSums', {
    params: [['$p', 'i32'], ['$rows', 'i32'], ['$cols', 'i32'], ['$out', 'i32'], ...locals('$alpha $beta $gamma $delta', 'f64')],
    locals: [...locals('$c $at $end $stride'), ...locals(['$v $lo $hi $d $a $b $g $k $zero', ...pairs('$s $q $g')].join(' '), 'v128')],
    body: `(local.set $a (f64x2.splat (local.get $alpha)))
    (local.set $b (f64x2.splat (local.get $beta)))
    (local.set $g (f64x2.splat (local.get $gamma)))
    (local.set $k (f64x2.splat (local.get $delta)))
    ${perColumn(['$p'], ['$s', '$q', '$g'], addColumnSums)}`,
  }),

  // Σa and Σa·b of the $n floats at bytes $a and $b.
  func('dot', {
    params: [['$a', 'i32'], ['$b', 'i32'], ['$n', 'i32']], results: ['f64', 'f64'],
    locals: [...locals('$i'), ...locals(['$v $lo $hi $blo $bhi', ...pairs('$s $d')].join(' '), 'v128'), ...locals('$x $s $d', 'f64')],
    body: `${fourThenOne({ index: '$i', count: '(local.get $n)', cursors: [['$a', 4], ['$b', 4]], body: (w) => addDot(w, '$a', '$b'),
      between: ['s', 'd'].map((n) => `(local.set $${n} ${sum2(`(f64x2.add (local.get $${n}0) (local.get $${n}1))`)})`).join('\n    ') })}
    (local.get $s) (local.get $d)`,
  }),

  // Per column c of the [$rows, $cols] floats at bytes $a and $b: Σa and Σa·b as float64 at byte
  // $out + 8c and $out + 8($cols + c).
  func('columnDots', {
    params: [['$a', 'i32'], ['$b', 'i32'], ['$rows', 'i32'], ['$cols', 'i32'], ['$out', 'i32']],
    locals: [...locals('$c $at $bt $end $stride'), ...locals(['$v $lo $hi $blo $bhi', ...pairs('$s $d')].join(' '), 'v128')],
    body: perColumn(['$a', '$b'], ['$s', '$d'], (w) => addColumnDot(w, '$at', '$bt')),
  }),
]);

interface Kernels {
  sums(p: number, n: number): [number, number, number];
  countOutside(p: number, n: number, lo: number, hi: number): number;
  columnSums(p: number, rows: number, cols: number, out: number, alpha: number, beta: number, gamma: number, delta: number): void;
  dot(a: number, b: number, n: number): [number, number];
  columnDots(a: number, b: number, rows: number, cols: number, out: number): void;
}

let kernels: Kernels | null = null;

/**
 * Compiles the module against the wasm backend's memory (once; `initBackend` calls it). Returns false,
 * leaving the JavaScript loops in place, where the backend is not wasm or `VG_REDUCTIONS=0` (which
 * leaves elementwise.ts's fused kernels on).
 */
export async function enableHeapKernels(): Promise<boolean> {
  if (kernels) return true;
  if (!heapModulesAllowed('VG_REDUCTIONS')) return false;
  kernels = await compileOnHeap<Kernels>('reductions.wat', WAT);
  return true;
}

/** True while the sums run in the WebAssembly module. */
export function heapKernelsActive(): boolean {
  return kernels !== null && tf.getBackend() === 'wasm';
}

/** The byte offset of `t`'s data on the wasm heap, when the module can read it there. */
function onHeap(t: tf.Tensor): number | undefined {
  if (!kernels || t.dtype !== 'float32' || tf.getBackend() !== 'wasm') return undefined;
  return heapOffset(tf.backend() as unknown as WasmBackend, t);
}

/** Σx, Σx², Σ|x| over every value of `t`, in float64. */
export function sums(t: tf.Tensor): [number, number, number] {
  const p = onHeap(t);
  if (p !== undefined && kernels) return kernels.sums(p, t.size);
  const v = float32View(t);
  let s = 0;
  let q = 0;
  let a = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    s += x;
    q += x * x;
    a += Math.abs(x);
  }
  return [s, q, a];
}

/** How many values of `t` are below `lo` or above `hi` (float32 comparisons; NaN is neither). */
export function countOutside(t: tf.Tensor, lo: number, hi: number): number {
  const p = onHeap(t);
  if (p !== undefined && kernels) return kernels.countOutside(p, t.size, lo, hi);
  const v = float32View(t);
  const [l, h] = [Math.fround(lo), Math.fround(hi)];
  let k = 0;
  for (let i = 0; i < v.length; i++) k += Number(v[i] < l) + Number(v[i] > h);
  return k;
}

/** Per column of the matrix `t` [rows, cols]: Σx, Σx² and Σφ'(x)² (φ' of the coefficients `slope`) over the rows. */
export function columnSums(t: tf.Tensor, slope: SlopeCoefficients): ColumnSums {
  if (t.rank !== 2) throw new Error(`columnSums needs a matrix, got shape [${t.shape}]`);
  const [rows, cols] = t.shape as [number, number];
  const p = onHeap(t);
  if (p !== undefined && kernels) {
    const out = scratchOnHeap('columnSums', 3 * cols * 8);
    // `t`'s offset was read before the allocation; a heap that grows keeps its offsets.
    kernels.columnSums(p, rows, cols, out, ...slope);
    const v = new Float64Array(tfjsWasm().asm.memory.buffer, out, 3 * cols).slice();
    return { sum: v.subarray(0, cols), sumSq: v.subarray(cols, 2 * cols), slopeSq: v.subarray(2 * cols) };
  }
  const v = float32View(t);
  const out: ColumnSums = { sum: new Float64Array(cols), sumSq: new Float64Array(cols), slopeSq: new Float64Array(cols) };
  // Column by column with the sums in locals: faster than adding into the arrays row by row.
  for (let c = 0; c < cols; c++) {
    let s = 0;
    let q = 0;
    let g = 0;
    for (let i = c; i < rows * cols; i += cols) {
      const x = v[i];
      const d = slopeFromOutput(slope, x);
      s += x;
      q += x * x;
      g += d * d;
    }
    out.sum[c] = s;
    out.sumSq[c] = q;
    out.slopeSq[c] = g;
  }
  return out;
}

function sameShape(name: string, a: tf.Tensor, b: tf.Tensor): void {
  if (!tf.util.arraysEqual(a.shape, b.shape)) throw new Error(`${name} needs two tensors of one shape, got [${a.shape}] and [${b.shape}]`);
}

/** Σa and Σa·b over every value of `a` and `b` (one shape), in float64. */
export function dotSums(a: tf.Tensor, b: tf.Tensor): [number, number] {
  sameShape('dotSums', a, b);
  const [pa, pb] = [onHeap(a), onHeap(b)];
  if (pa !== undefined && pb !== undefined && kernels) return kernels.dot(pa, pb, a.size);
  const [va, vb] = [float32View(a), float32View(b)];
  let s = 0;
  let d = 0;
  for (let i = 0; i < va.length; i++) {
    s += va[i];
    d += va[i] * vb[i];
  }
  return [s, d];
}

/** Per column of the matrices `a` and `b` [rows, cols]: Σa and Σa·b over the rows, in float64. */
export function columnDots(a: tf.Tensor, b: tf.Tensor): { sum: Float64Array; dot: Float64Array } {
  if (a.rank !== 2) throw new Error(`columnDots needs matrices, got shape [${a.shape}]`);
  sameShape('columnDots', a, b);
  const [rows, cols] = a.shape as [number, number];
  const [pa, pb] = [onHeap(a), onHeap(b)];
  if (pa !== undefined && pb !== undefined && kernels) {
    const out = scratchOnHeap('columnDots', 2 * cols * 8);
    kernels.columnDots(pa, pb, rows, cols, out);
    const v = new Float64Array(tfjsWasm().asm.memory.buffer, out, 2 * cols).slice();
    return { sum: v.subarray(0, cols), dot: v.subarray(cols) };
  }
  const [va, vb] = [float32View(a), float32View(b)];
  const out = { sum: new Float64Array(cols), dot: new Float64Array(cols) };
  for (let c = 0; c < cols; c++) {
    let s = 0;
    let d = 0;
    for (let i = c; i < rows * cols; i += cols) {
      s += va[i];
      d += va[i] * vb[i];
    }
    out.sum[c] = s;
    out.dot[c] = d;
  }
  return out;
}
