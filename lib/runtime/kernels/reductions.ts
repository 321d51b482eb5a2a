/**
 * The sums the statistics and the normalisations are made of, read where a tensor lies: Σx, Σx², Σ|x|
 * of all its values, how many lie outside [lo, hi], per column Σx, Σx², Σφ'(x)², and of two tensors of
 * one shape Σa and Σa·b, in all or per column. All sums are float64.
 *
 * On the wasm backend they run as a small WebAssembly module of our own (below, in the WebAssembly
 * text format) that imports tfjs's own memory and reads the tensors in place, four floats at a time
 * with 128-bit SIMD: about a third of the time of the same loops in JavaScript, which the training
 * loop pays on some 1.6 million values a step. `initBackend` compiles it (heapmodule.ts) before the
 * first step; elsewhere (the cpu backend, a native one) the same sums run as JavaScript loops, which
 * are also the reference the module is tested against.
 */
import * as tf from '@tensorflow/tfjs';
import { compileOnHeap, heapModulesAllowed, scratchOnHeap, tfjsWasm } from './heapmodule';
import { WasmBackend, float32View, heapOffset } from './wasmheap';

/** The derivative whose square `columnSums` adds up, read off an activation's outputs y. */
export type Slope = 'none' | 'sigmoid' | 'tanh' | 'relu';

/** Per column c of a [rows, cols] matrix: Σx, Σx² and Σφ'(x)² over the rows. */
export interface ColumnSums {
  sum: Float64Array;
  sumSq: Float64Array;
  slopeSq: Float64Array;
}

// φ'(y) from the output y, without a branch in the loop: d = α + y (β + γ y) + δ [y > 0], in float64
// after widening, so that σ' = y (1 - y) and tanh' = 1 - y² come out exactly as in JavaScript.
const SLOPE_COEFFICIENTS: Record<Slope, [number, number, number, number]> = {
  none: [0, 0, 0, 0],
  sigmoid: [0, 1, -1, 0],
  tanh: [1, 0, -1, 0],
  relu: [0, 0, 0, 1],
};

/** The four floats at byte offset `at`, widened to float64 as `lo` (first two) and `hi` (last two). */
const promoteFour = (at: string, lo: string, hi: string, tmp: string) => String.raw`(local.set ${tmp} (v128.load align=4 (local.get ${at})))
      (local.set ${lo} (f64x2.promote_low_f32x4 (local.get ${tmp})))
      (local.set ${hi} (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get ${tmp}) (local.get ${tmp}))))`;

/** Σa and Σa·b of four floats each at `a` and `b`, into $s0/$s1 and $d0/$d1 (the body both dot kernels share). */
const addFourDot = (a: string, b: string) => String.raw`${promoteFour(a, '$lo', '$hi', '$v')}
      ${promoteFour(b, '$blo', '$bhi', '$v')}
      (local.set $s0 (f64x2.add (local.get $s0) (local.get $lo)))
      (local.set $s1 (f64x2.add (local.get $s1) (local.get $hi)))
      (local.set $d0 (f64x2.add (local.get $d0) (f64x2.mul (local.get $lo) (local.get $blo))))
      (local.set $d1 (f64x2.add (local.get $d1) (f64x2.mul (local.get $hi) (local.get $bhi))))`;

/**
 * The loop body both kernels share: the four floats at byte offset `at`, widened to float64 as
 * $lo (first two) and $hi (last two), added to the sums $s0/$s1 and their squares to $q0/$q1. (A
 * function call here would not be inlined, and costs more than the additions.)
 */
const addFour = (at: string) => String.raw`${promoteFour(at, '$lo', '$hi', '$v')}
      (local.set $s0 (f64x2.add (local.get $s0) (local.get $lo)))
      (local.set $s1 (f64x2.add (local.get $s1) (local.get $hi)))
      (local.set $q0 (f64x2.add (local.get $q0) (f64x2.mul (local.get $lo) (local.get $lo))))
      (local.set $q1 (f64x2.add (local.get $q1) (f64x2.mul (local.get $hi) (local.get $hi))))`;

/** φ'(x)² of the two float64 in `x` (see SLOPE_COEFFICIENTS: $a, $b, $g, $k), added to `acc`. */
const addSlopeSq = (x: string, acc: string) => String.raw`(local.set $d (f64x2.add
          (f64x2.add (local.get $a) (f64x2.mul (local.get ${x}) (f64x2.add (local.get $b) (f64x2.mul (local.get $g) (local.get ${x})))))
          (v128.and (f64x2.gt (local.get ${x}) (local.get $zero)) (local.get $k))))
        (local.set ${acc} (f64x2.add (local.get ${acc}) (f64x2.mul (local.get $d) (local.get $d))))`;

const WAT = String.raw`(module
  (memory (import "env" "memory") 1)

  (func $sum2 (param $v v128) (result f64)
    (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))

  ;; Σx, Σx², Σ|x| of the $n floats at byte $p.
  (func (export "sums") (param $p i32) (param $n i32) (result f64 f64 f64)
    (local $end i32) (local $v v128) (local $lo v128) (local $hi v128)
    (local $s0 v128) (local $s1 v128) (local $q0 v128) (local $q1 v128) (local $a0 v128) (local $a1 v128)
    (local $x f64) (local $s f64) (local $q f64) (local $a f64)
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      ${addFour('$p')}
      (local.set $a0 (f64x2.add (local.get $a0) (f64x2.abs (local.get $lo))))
      (local.set $a1 (f64x2.add (local.get $a1) (f64x2.abs (local.get $hi))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $next)))
    (local.set $s (call $sum2 (f64x2.add (local.get $s0) (local.get $s1))))
    (local.set $q (call $sum2 (f64x2.add (local.get $q0) (local.get $q1))))
    (local.set $a (call $sum2 (f64x2.add (local.get $a0) (local.get $a1))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $x (f64.promote_f32 (f32.load (local.get $p))))
      (local.set $s (f64.add (local.get $s) (local.get $x)))
      (local.set $q (f64.add (local.get $q) (f64.mul (local.get $x) (local.get $x))))
      (local.set $a (f64.add (local.get $a) (f64.abs (local.get $x))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $next)))
    (local.get $s) (local.get $q) (local.get $a))

  ;; How many of the $n floats at byte $p are < $lo or > $hi.
  (func (export "countOutside") (param $p i32) (param $n i32) (param $lo f32) (param $hi f32) (result i32)
    (local $end i32) (local $v v128) (local $l v128) (local $h v128) (local $c v128) (local $k i32) (local $x f32)
    (local.set $l (f32x4.splat (local.get $lo)))
    (local.set $h (f32x4.splat (local.get $hi)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $v (v128.load align=4 (local.get $p)))
      ;; a true comparison is all ones, -1 as an integer
      (local.set $c (i32x4.sub (local.get $c)
        (v128.or (f32x4.lt (local.get $v) (local.get $l)) (f32x4.gt (local.get $v) (local.get $h)))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $next)))
    (local.set $k (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $c)) (i32x4.extract_lane 1 (local.get $c)))
      (i32.add (i32x4.extract_lane 2 (local.get $c)) (i32x4.extract_lane 3 (local.get $c)))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $x (f32.load (local.get $p)))
      (local.set $k (i32.add (local.get $k)
        (i32.or (f32.lt (local.get $x) (local.get $lo)) (f32.gt (local.get $x) (local.get $hi)))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $next)))
    (local.get $k))

  ;; Per column c of the [$rows, $cols] floats at byte $p: Σx, Σx², Σφ'(x)² as float64 at byte
  ;; $out + 8c, $out + 8($cols + c), $out + 8(2 $cols + c). Four columns at a time, down the rows,
  ;; the sums in registers; the last $cols mod 4 columns one at a time.
  (func (export "columnSums") (param $p i32) (param $rows i32) (param $cols i32) (param $out i32)
      (param $alpha f64) (param $beta f64) (param $gamma f64) (param $delta f64)
    (local $c i32) (local $at i32) (local $end i32) (local $stride i32) (local $v v128) (local $lo v128) (local $hi v128)
    (local $s0 v128) (local $s1 v128) (local $q0 v128) (local $q1 v128) (local $g0 v128) (local $g1 v128)
    (local $x v128) (local $d v128) (local $a v128) (local $b v128) (local $g v128) (local $k v128) (local $zero v128)
    (local.set $a (f64x2.splat (local.get $alpha)))
    (local.set $b (f64x2.splat (local.get $beta)))
    (local.set $g (f64x2.splat (local.get $gamma)))
    (local.set $k (f64x2.splat (local.get $delta)))
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (block $chunks (loop $chunk
      (br_if $chunks (i32.gt_u (i32.add (local.get $c) (i32.const 4)) (local.get $cols)))
      (local.set $s0 (v128.const i64x2 0 0)) (local.set $s1 (v128.const i64x2 0 0))
      (local.set $q0 (v128.const i64x2 0 0)) (local.set $q1 (v128.const i64x2 0 0))
      (local.set $g0 (v128.const i64x2 0 0)) (local.set $g1 (v128.const i64x2 0 0))
      (local.set $at (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))))
      (local.set $end (i32.add (local.get $at) (i32.mul (local.get $rows) (local.get $stride))))
      (block $done (loop $row
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        ${addFour('$at')}
        ${addSlopeSq('$lo', '$g0')}
        ${addSlopeSq('$hi', '$g1')}
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (br $row)))
      (local.set $at (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 3))))
      (v128.store align=8 (local.get $at) (local.get $s0))
      (v128.store offset=16 align=8 (local.get $at) (local.get $s1))
      (local.set $at (i32.add (local.get $at) (i32.shl (local.get $cols) (i32.const 3))))
      (v128.store align=8 (local.get $at) (local.get $q0))
      (v128.store offset=16 align=8 (local.get $at) (local.get $q1))
      (local.set $at (i32.add (local.get $at) (i32.shl (local.get $cols) (i32.const 3))))
      (v128.store align=8 (local.get $at) (local.get $g0))
      (v128.store offset=16 align=8 (local.get $at) (local.get $g1))
      (local.set $c (i32.add (local.get $c) (i32.const 4)))
      (br $chunk)))
    ;; the remaining columns: the same sums in the low lane
    (block $cols_done (loop $column
      (br_if $cols_done (i32.ge_u (local.get $c) (local.get $cols)))
      (local.set $s0 (v128.const i64x2 0 0)) (local.set $q0 (v128.const i64x2 0 0)) (local.set $g0 (v128.const i64x2 0 0))
      (local.set $at (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2))))
      (local.set $end (i32.add (local.get $at) (i32.mul (local.get $rows) (local.get $stride))))
      (block $done (loop $row
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $x (f64x2.promote_low_f32x4 (v128.load32_zero align=4 (local.get $at))))
        (local.set $s0 (f64x2.add (local.get $s0) (local.get $x)))
        (local.set $q0 (f64x2.add (local.get $q0) (f64x2.mul (local.get $x) (local.get $x))))
        ${addSlopeSq('$x', '$g0')}
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (br $row)))
      (local.set $at (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 3))))
      (f64.store (local.get $at) (f64x2.extract_lane 0 (local.get $s0)))
      (local.set $at (i32.add (local.get $at) (i32.shl (local.get $cols) (i32.const 3))))
      (f64.store (local.get $at) (f64x2.extract_lane 0 (local.get $q0)))
      (local.set $at (i32.add (local.get $at) (i32.shl (local.get $cols) (i32.const 3))))
      (f64.store (local.get $at) (f64x2.extract_lane 0 (local.get $g0)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $column))))

  ;; Σa and Σa·b of the $n floats at bytes $a and $b.
  (func (export "dot") (param $a i32) (param $b i32) (param $n i32) (result f64 f64)
    (local $end i32) (local $v v128) (local $lo v128) (local $hi v128) (local $blo v128) (local $bhi v128)
    (local $s0 v128) (local $s1 v128) (local $d0 v128) (local $d1 v128) (local $x f64) (local $s f64) (local $d f64)
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      ${addFourDot('$a', '$b')}
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br $next)))
    (local.set $s (call $sum2 (f64x2.add (local.get $s0) (local.get $s1))))
    (local.set $d (call $sum2 (f64x2.add (local.get $d0) (local.get $d1))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (local.set $x (f64.promote_f32 (f32.load (local.get $a))))
      (local.set $s (f64.add (local.get $s) (local.get $x)))
      (local.set $d (f64.add (local.get $d) (f64.mul (local.get $x) (f64.promote_f32 (f32.load (local.get $b))))))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (br $next)))
    (local.get $s) (local.get $d))

  ;; Per column c of the [$rows, $cols] floats at bytes $a and $b: Σa and Σa·b as float64 at byte
  ;; $out + 8c and $out + 8($cols + c). Four columns at a time down the rows, then one at a time.
  (func (export "columnDots") (param $a i32) (param $b i32) (param $rows i32) (param $cols i32) (param $out i32)
    (local $c i32) (local $at i32) (local $bt i32) (local $end i32) (local $stride i32) (local $v v128)
    (local $lo v128) (local $hi v128) (local $blo v128) (local $bhi v128)
    (local $s0 v128) (local $s1 v128) (local $d0 v128) (local $d1 v128) (local $x v128)
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (block $chunks (loop $chunk
      (br_if $chunks (i32.gt_u (i32.add (local.get $c) (i32.const 4)) (local.get $cols)))
      (local.set $s0 (v128.const i64x2 0 0)) (local.set $s1 (v128.const i64x2 0 0))
      (local.set $d0 (v128.const i64x2 0 0)) (local.set $d1 (v128.const i64x2 0 0))
      (local.set $at (i32.add (local.get $a) (i32.shl (local.get $c) (i32.const 2))))
      (local.set $bt (i32.add (local.get $b) (i32.shl (local.get $c) (i32.const 2))))
      (local.set $end (i32.add (local.get $at) (i32.mul (local.get $rows) (local.get $stride))))
      (block $done (loop $row
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        ${addFourDot('$at', '$bt')}
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (local.set $bt (i32.add (local.get $bt) (local.get $stride)))
        (br $row)))
      (local.set $at (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 3))))
      (v128.store align=8 (local.get $at) (local.get $s0))
      (v128.store offset=16 align=8 (local.get $at) (local.get $s1))
      (local.set $at (i32.add (local.get $at) (i32.shl (local.get $cols) (i32.const 3))))
      (v128.store align=8 (local.get $at) (local.get $d0))
      (v128.store offset=16 align=8 (local.get $at) (local.get $d1))
      (local.set $c (i32.add (local.get $c) (i32.const 4)))
      (br $chunk)))
    (block $cols_done (loop $column
      (br_if $cols_done (i32.ge_u (local.get $c) (local.get $cols)))
      (local.set $s0 (v128.const i64x2 0 0)) (local.set $d0 (v128.const i64x2 0 0))
      (local.set $at (i32.add (local.get $a) (i32.shl (local.get $c) (i32.const 2))))
      (local.set $bt (i32.add (local.get $b) (i32.shl (local.get $c) (i32.const 2))))
      (local.set $end (i32.add (local.get $at) (i32.mul (local.get $rows) (local.get $stride))))
      (block $done (loop $row
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $x (f64x2.promote_low_f32x4 (v128.load32_zero align=4 (local.get $at))))
        (local.set $s0 (f64x2.add (local.get $s0) (local.get $x)))
        (local.set $d0 (f64x2.add (local.get $d0)
          (f64x2.mul (local.get $x) (f64x2.promote_low_f32x4 (v128.load32_zero align=4 (local.get $bt))))))
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (local.set $bt (i32.add (local.get $bt) (local.get $stride)))
        (br $row)))
      (local.set $at (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 3))))
      (f64.store (local.get $at) (f64x2.extract_lane 0 (local.get $s0)))
      (local.set $at (i32.add (local.get $at) (i32.shl (local.get $cols) (i32.const 3))))
      (f64.store (local.get $at) (f64x2.extract_lane 0 (local.get $d0)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $column)))))
`;

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
 * leaving the JavaScript loops in place, where the backend is not wasm or `VG_HEAP_KERNELS=0`.
 */
export async function enableHeapKernels(): Promise<boolean> {
  if (kernels) return true;
  if (!heapModulesAllowed()) return false;
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

/** Per column of the matrix `t` [rows, cols]: Σx, Σx² and Σφ'(x)² (φ' of `slope`) over the rows. */
export function columnSums(t: tf.Tensor, slope: Slope): ColumnSums {
  if (t.rank !== 2) throw new Error(`columnSums needs a matrix, got shape [${t.shape}]`);
  const [rows, cols] = t.shape as [number, number];
  const p = onHeap(t);
  if (p !== undefined && kernels) {
    const out = scratchOnHeap('columnSums', 3 * cols * 8);
    // `t`'s offset was read before the allocation; a heap that grows keeps its offsets.
    kernels.columnSums(p, rows, cols, out, ...SLOPE_COEFFICIENTS[slope]);
    const v = new Float64Array(tfjsWasm().asm.memory.buffer, out, 3 * cols).slice();
    return { sum: v.subarray(0, cols), sumSq: v.subarray(cols, 2 * cols), slopeSq: v.subarray(2 * cols) };
  }
  const v = float32View(t);
  const [alpha, beta, gamma, delta] = SLOPE_COEFFICIENTS[slope];
  const out: ColumnSums = { sum: new Float64Array(cols), sumSq: new Float64Array(cols), slopeSq: new Float64Array(cols) };
  // Column by column with the sums in locals: twice as fast as adding into the arrays row by row.
  for (let c = 0; c < cols; c++) {
    let s = 0;
    let q = 0;
    let g = 0;
    for (let i = c; i < rows * cols; i += cols) {
      const x = v[i];
      const d = alpha + x * (beta + gamma * x) + delta * Number(x > 0);
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
