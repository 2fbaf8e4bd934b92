// Brings up TensorFlow.js 4.22.0 in Node from the three packages alone
// (@tensorflow/tfjs-core, -backend-wasm, -backend-cpu), with nothing downloaded:
//
// 1. Gradients. tfjs-core's CommonJS build (the one Node loads) registers no
//    gradient functions; they live in the ES-module file
//    dist/register_all_gradients.js, whose extensionless / directory imports Node
//    cannot load. The @tensorflow/tfjs umbrella package solves this by bundling
//    that file (and the core internals it imports) into its own node bundle; we do
//    the same with esbuild, once, into node_modules/.cache. The gradient registry,
//    engine and Tensor class live in tfjs globals, so the bundled copy registers
//    into, and runs on, the same engine as the CommonJS core.
// 2. The wasm backend: setWasmPaths at the package's own dist/ directory, SIMD
//    binary, one thread (Node never gets the threaded binary; setThreadsCount(1)
//    as well).
// 3. The backward-kernel gap: see installWasmBackwardKernels().
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { buildSync } from 'esbuild';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

export const TFJS_VERSIONS = {
  core: (require('@tensorflow/tfjs-core/package.json') as { version: string }).version,
  wasm: (require('@tensorflow/tfjs-backend-wasm/package.json') as { version: string }).version,
  cpu: (require('@tensorflow/tfjs-backend-cpu/package.json') as { version: string }).version,
};

let gradientsLoaded = false;

/** Registers tfjs-core's own gradient functions (see 1. above). Idempotent. */
export function registerCoreGradients(): void {
  if (gradientsLoaded) return;
  // The engine must exist before the bundled copy's engine module looks it up.
  tf.engine();
  const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const coreDir = path.dirname(require.resolve('@tensorflow/tfjs-core/package.json'));
  const name = `tfjs-core-${TFJS_VERSIONS.core}-gradients.cjs`;
  const candidates = [path.join(coreDir, '..', '..', '.cache', 'cnnlab-bench-peers'), path.join(tmpdir(), 'cnnlab-bench-peers')];
  let out = candidates.map((d) => path.join(d, name)).find((f) => existsSync(f));
  if (!out) {
    const built = buildSync({
      entryPoints: [entry], bundle: true, format: 'cjs', platform: 'node',
      write: false, logLevel: 'error',
    });
    for (const dir of candidates) {
      try {
        mkdirSync(dir, { recursive: true });
        const file = path.join(dir, name);
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, built.outputFiles[0]!.contents);
        renameSync(tmp, file);
        out = file;
        break;
      } catch {
        // read-only node_modules: try the next place
      }
    }
    if (!out) throw new Error(`could not write the tfjs-core gradient bundle to ${candidates.join(' or ')}`);
  }
  require(out);
  if (tf.getGradient('Conv2D') == null || tf.getGradient('AvgPool') == null) {
    throw new Error('tfjs-core gradients did not register (Conv2D/AvgPool gradient missing)');
  }
  gradientsLoaded = true;
}

export interface WasmInfo {
  simd: boolean;
  multithreadBinary: boolean;
  threads: number;
  binary: string;
  wasmDir: string;
}

let wasmInfo: Promise<WasmInfo> | null = null;

/** Initialises the 'wasm' backend (once) and makes it current. */
export function initWasmBackend(): Promise<WasmInfo> {
  if (!wasmInfo) {
    wasmInfo = (async () => {
      registerCoreGradients();
      const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
      tfwasm.setWasmPaths(wasmDir);
      tfwasm.setThreadsCount(1);
      if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
      await tf.ready();
      const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
      const mt = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
      const binary = simd && mt ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
      if (!simd) throw new Error('this Node has no WebAssembly SIMD: the SIMD binary cannot be used');
      return { simd, multithreadBinary: mt, threads: tfwasm.getThreadsCount(), binary, wasmDir };
    })();
  }
  return wasmInfo;
}

/** Makes `name` the current tfjs backend (initialising wasm the first time). */
export async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  registerCoreGradients();
  if (name === 'wasm') await initWasmBackend();
  if (tf.getBackend() !== name) {
    if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend(${name}) failed`);
  }
  if (name === 'cpu') {
    // The cpu backend (used here only for checks) prints a banner suggesting
    // tfjs-node on its first tensor in Node; skip it.
    const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
    if (cpu) cpu.firstUse = false;
  }
}

// ---------------------------------------------------------------------------
// The Conv2DBackpropFilter workaround.
//
// tfjs-backend-wasm 4.22.0 registers no 'Conv2DBackpropFilter' kernel, which the
// gradient of tf.conv2d / tf.fused.conv2d with respect to the filter needs. It
// does register 'Conv3DBackpropFilterV2' (a kernel of the same wasm binary). A 2-D
// convolution is a 3-D one of depth 1, so:
//   x [b,h,w,c] → [b,1,h,w,c],  dy [b,oh,ow,oc] → [b,1,oh,ow,oc]   (wasm Reshape)
//   dw5 = Conv3DBackpropFilterV2(x5, dy5; strides [1,sh,sw], pad, filterShape [1,fh,fw,c,oc])
//   dw  = Reshape(dw5 → [fh,fw,c,oc])
// Only wasm-registered kernels run; nothing falls back to JS or to the cpu backend.
// ---------------------------------------------------------------------------

type KernelArgs = Parameters<tf.KernelFunc>[0];

function wasmKernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm backend has no '${name}' kernel to build the workaround from`);
  return k.kernelFunc;
}

function conv2DBackpropFilterViaConv3D(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: number | [number, number]; pad: 'valid' | 'same' | number | unknown;
    dataFormat: string; dimRoundingMode?: string; filterShape: [number, number, number, number];
  };
  if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter workaround: dataFormat ${dataFormat} unsupported`);
  if (typeof pad !== 'string' && typeof pad !== 'number') throw new Error('Conv2DBackpropFilter workaround: explicit padding unsupported');
  if (dimRoundingMode != null && typeof pad === 'number') throw new Error('Conv2DBackpropFilter workaround: dimRoundingMode unsupported');
  const reshape = wasmKernel('Reshape');
  const bpf3d = wasmKernel('Conv3DBackpropFilterV2');
  const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const [, oh, ow, oc] = dy.shape as [number, number, number, number];
  const x5 = reshape({ inputs: { x }, backend, attrs: { shape: [b, 1, h, w, c] } }) as tf.TensorInfo;
  const dy5 = reshape({ inputs: { x: dy }, backend, attrs: { shape: [b, 1, oh, ow, oc] } }) as tf.TensorInfo;
  const dw5 = bpf3d({
    inputs: { x: x5, dy: dy5 }, backend,
    attrs: { strides: [1, sh, sw], pad, filterShape: [1, ...filterShape] } as unknown as tf.NamedAttrMap,
  }) as tf.TensorInfo;
  const dw = reshape({ inputs: { x: dw5 }, backend, attrs: { shape: filterShape } }) as tf.TensorInfo;
  for (const t of [x5, dy5, dw5]) (backend as tf.KernelBackend).disposeData(t.dataId);
  return dw;
}

/** Backward kernels the handout network's training needs from a backend. */
export const BACKWARD_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'AvgPoolGrad', 'MaxPoolGrad'];

export const WORKAROUNDS: Record<string, { kernelFunc: tf.KernelFunc; how: string }> = {
  Conv2DBackpropFilter: {
    kernelFunc: conv2DBackpropFilterViaConv3D as tf.KernelFunc,
    how: "registered 'Conv2DBackpropFilter' for 'wasm' = wasm Reshape(x→[b,1,h,w,c], dy→[b,1,oh,ow,oc]) → " +
      "wasm Conv3DBackpropFilterV2 (strides [1,s,s], filterShape [1,fh,fw,in,out]) → wasm Reshape(→[fh,fw,in,out])",
  },
};

/** Registers the workaround for `kernelName` on 'wasm' if wasm lacks it. Returns how, or null. */
export function installWasmWorkaround(kernelName: string): string | null {
  if (tf.getKernel(kernelName, 'wasm')) return null;
  const w = WORKAROUNDS[kernelName];
  if (!w) throw new Error(`wasm backend lacks '${kernelName}' and no workaround is known`);
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: w.kernelFunc });
  return w.how;
}
