/**
 * The backend choice: the fastest one that starts, said out loud, forced by VG_BACKEND, refused with a
 * clear message when unknown; and danfojs computing on the very same tfjs engine.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, matMulEngine } from '../../lib/runtime/backend';
import { disableNativeMatMul, enableNativeMatMul, nativeMatMulAvailable } from '../../lib/runtime/kernels/fastmatmul';

const root = path.resolve(__dirname, '..', '..');

/** Starts the backend in a fresh process with `env` and prints "name engine", or the error. */
function startWith(env: Record<string, string>): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e',
    "require('./lib/runtime/backend').initBackend().then((b) => console.log(b, require('./lib/runtime/backend').matMulEngine()), (e) => { console.error(e.message); process.exit(3); })"],
  { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

function nativeInstalled(): boolean {
  try {
    require.resolve('tfjs-node-native');
    return true;
  } catch {
    return false;
  }
}

describe('initBackend', () => {
  it('starts the first backend of tensorflow, wasm, cpu that works here, once', async () => {
    const name = await initBackend();
    assert.equal(tf.getBackend(), name, 'the active tfjs backend is the one reported');
    assert.equal(name, nativeInstalled() ? 'tensorflow' : 'wasm', 'native TensorFlow where installed, else wasm');
    assert.equal(await initBackend(), name, 'a second call returns the same backend');
  });

  it('says which engine multiplies the matrices: OpenBLAS on wasm where nblas built, else the stock kernel', async () => {
    const name = await initBackend();
    const expected = name === 'wasm' && nativeMatMulAvailable() && process.env.VG_NATIVE_MATMUL !== '0' ? 'openblas' : 'stock';
    assert.equal(matMulEngine(), expected);
    if (expected === 'openblas') {
      disableNativeMatMul();
      try {
        assert.equal(matMulEngine(), 'stock', 'with the OpenBLAS kernel switched off');
      } finally {
        enableNativeMatMul();
      }
    }
  });

  it('is forced by VG_BACKEND and VG_NATIVE_MATMUL', () => {
    assert.equal(startWith({ VG_BACKEND: 'cpu' }).out, 'cpu stock');
    assert.equal(startWith({ VG_BACKEND: 'wasm', VG_NATIVE_MATMUL: '0' }).out, 'wasm stock');
  });

  it('turns the reductions (VG_REDUCTIONS=0) and the fused kernels (VG_FUSED_KERNELS=0) off each on its own', () => {
    const active = (env: Record<string, string>) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "require('./lib/network/models'); require('./lib/runtime/backend').initBackend().then(() => " +
        "console.log(require('./lib/runtime/kernels/elementwise').fusedKernelsActive(), require('./lib/runtime/kernels/reductions').heapKernelsActive()))"],
      { cwd: root, encoding: 'utf8', env: { ...process.env, VG_BACKEND: 'wasm', ...env } });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    assert.equal(active({}), 'true true', 'both by default');
    assert.equal(active({ VG_REDUCTIONS: '0' }), 'true false', 'VG_REDUCTIONS=0: the JavaScript sums, the fused kernels still on');
    assert.equal(active({ VG_FUSED_KERNELS: '0' }), 'false true', 'VG_FUSED_KERNELS=0: the formulas\' tfjs ops, the sums still in WebAssembly');
  });

  it('refuses an unknown VG_BACKEND, listing the known ones', () => {
    const r = startWith({ VG_BACKEND: 'webgpu' });
    assert.equal(r.status, 3, r.out);
    assert.match(r.err, /VG_BACKEND=webgpu is not a backend; use one of: tensorflow, wasm, cpu/);
  });
});

describe('danfojs', () => {
  it('shares the one tfjs engine (no second TensorFlow)', async () => {
    await initBackend();
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const dfd = require('danfojs-node') as { tensorflow: typeof tf; Series: new (v: number[]) => { tensor: tf.Tensor } };
    assert.equal(dfd.tensorflow.engine(), tf.engine(), 'danfojs must use the same tfjs-core engine');
    const s = new dfd.Series([1, 2, 3]);
    assert.ok(s.tensor instanceof tf.Tensor, "danfojs's tensors are this tfjs's tensors");
  });
});
