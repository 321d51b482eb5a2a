/**
 * WebAssembly modules of our own that run on tfjs's wasm heap: written in the WebAssembly text format,
 * compiled at start-up with wabt (the WebAssembly Binary Toolkit, an npm package), and instantiated
 * against the wasm backend's own memory, so that they read and write tensors where they lie, with no
 * copy. reductions.ts (the statistics' sums) and elementwise.ts (fused element-wise kernels) use it,
 * each with its own off switch: `VG_REDUCTIONS=0` (the JavaScript loops then sum) and
 * `VG_FUSED_KERNELS=0` (the formulas' tfjs ops then run).
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of the wasm backend's Emscripten module used here. */
export interface TfjsWasm {
  /** The module's exports; `memory` is its WebAssembly.Memory. */
  asm: { memory: { buffer: ArrayBuffer } };
  _malloc(bytes: number): number;
  _free(p: number): void;
}

interface Wabt {
  parseWat(name: string, text: string, features: object): { toBinary(o: object): { buffer: Uint8Array }; destroy(): void };
}

// tslab compiles lib/ without TypeScript's WebAssembly declarations: the global, typed as far as used.
const wasmApi = (globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => { exports: unknown } };
}).WebAssembly;

/** True where the module `offSwitch` turns off may run: the wasm backend is active and that variable is not 0. */
export function heapModulesAllowed(offSwitch: 'VG_REDUCTIONS' | 'VG_FUSED_KERNELS'): boolean {
  return tf.getBackend() === 'wasm' && process.env[offSwitch] !== '0';
}

/** The wasm backend's Emscripten module (the backend must be active). */
export function tfjsWasm(): TfjsWasm {
  return (tf.backend() as unknown as { wasm: TfjsWasm }).wasm;
}

/** Compiles `wat` (SIMD and multiple results allowed) and instantiates it on the wasm backend's memory. */
export async function compileOnHeap<Exports>(name: string, wat: string): Promise<Exports> {
  const wabt = await (require('wabt') as () => Promise<Wabt>)();
  const parsed = wabt.parseWat(name, wat, { simd: true, multi_value: true });
  try {
    const module = new wasmApi.Module(parsed.toBinary({}).buffer);
    return new wasmApi.Instance(module, { env: { memory: tfjsWasm().asm.memory } }).exports as Exports;
  } finally {
    parsed.destroy();
  }
}

const scratch = new Map<string, { at: number; bytes: number }>();

/**
 * A byte offset on tfjs's heap with room for `bytes`, one block per `slot` name, reused across calls
 * and grown as needed. A later allocation may grow the heap: read its buffer after this call.
 */
export function scratchOnHeap(slot: string, bytes: number): number {
  const have = scratch.get(slot);
  if (have && have.bytes >= bytes) return have.at;
  const wasm = tfjsWasm();
  if (have) wasm._free(have.at);
  const at = wasm._malloc(bytes);
  scratch.set(slot, { at, bytes });
  return at;
}
