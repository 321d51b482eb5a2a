/**
 * The loops both of our WebAssembly modules are made of (reductions.ts, elementwise.ts), generated as
 * WebAssembly text: a body is written once as a function of its width, and `fourThenOne` runs it four
 * floats at a time with 128-bit SIMD while four remain, then one at a time for the rest, so that no
 * module repeats the loop bookkeeping or writes its tail by hand.
 */

/** How many items one pass of a loop body handles: four (one v128) or one (the tail). */
export type Width = 4 | 1;

/** A pointer local and how far it moves per pass: bytes (a number) or an i32 local holding them. */
export type Advance = [local: string, by: number | string];

let labels = 0;

/** `(local.set $p (i32.add (local.get $p) …))` for each advance. */
function advanceAll(advances: readonly Advance[]): string {
  return advances.map(([p, by]) => `(local.set ${p} (i32.add (local.get ${p}) ${typeof by === 'number' ? `(i32.const ${by})` : `(local.get ${by})`}))`).join('\n      ');
}

/** A loop that leaves when the i32 expression `exitIf` is true, else runs `body` and moves the pointers on. */
export function loop(exitIf: string, body: string, advances: readonly Advance[]): string {
  const n = labels++;
  return `(block $done${n} (loop $next${n}
      (br_if $done${n} ${exitIf})
      ${body}
      ${advanceAll(advances)}
      (br $next${n})))`;
}

/**
 * `count` items (an i32 expression) counted by the i32 local `index` from its current value: `body(4)`
 * while four or more remain, then `between` (once), then `body(1)` for the rest. Each pointer of
 * `cursors` moves on by its bytes per item times the pass's width.
 */
export function fourThenOne(o: { index: string; count: string; cursors?: ReadonlyArray<[local: string, bytesPerItem: number]>; body: (w: Width) => string; between?: string }): string {
  const pass = (w: Width) => loop(
    w === 4 ? `(i32.gt_u (i32.add (local.get ${o.index}) (i32.const 4)) ${o.count})` : `(i32.ge_u (local.get ${o.index}) ${o.count})`,
    o.body(w),
    [[o.index, w], ...(o.cursors ?? []).map(([p, bytes]): Advance => [p, bytes * w])],
  );
  return [pass(4), o.between ?? '', pass(1)].filter(Boolean).join('\n    ');
}

/** `(func (export "name") (param …) (result …) (local …) body)`: params and locals as [name, type]. */
export function func(name: string, o: { params: ReadonlyArray<[string, string]>; results?: readonly string[]; locals?: ReadonlyArray<[string, string]>; body: string }): string {
  const decl = (kind: string, xs: ReadonlyArray<[string, string]>) => xs.map(([n, t]) => `(${kind} ${n} ${t})`).join(' ');
  const results = o.results?.length ? ` (result ${o.results.join(' ')})` : '';
  return `(func (export "${name}") ${decl('param', o.params)}${results}
    ${decl('local', o.locals ?? [])}
    ${o.body})`;
}

/** A module importing tfjs's memory as "env" "memory", with these functions. */
export function heapModule(funcs: readonly string[]): string {
  return `(module
  (memory (import "env" "memory") 1)
  ${funcs.join('\n\n  ')})`;
}

/** `names` as i32 locals, or with another type. */
export const locals = (names: string, type = 'i32'): Array<[string, string]> => names.split(' ').map((n) => [n, type]);
