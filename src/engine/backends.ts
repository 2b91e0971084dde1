// Which TensorFlow.js backends this process could run, and how to enable the missing ones.
// Node-only detection lives here so the rest of the engine never names a package.
import { createRequire } from 'node:module';
import { loadTorchAddon, registerTorchBackend } from './torch/index.js';

export type BackendName = 'torch' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

export const BACKEND_CHOICES: readonly BackendChoice[] = [
  'auto',
  'torch',
  'tensorflow',
  'wasm',
  'cpu',
];

export interface BackendAvailability {
  name: BackendName;
  available: boolean;
  /** Why it is or is not available. */
  detail: string;
  /** The command that would make a missing backend available. */
  enable?: string;
}

/**
 * Order `auto` tries them in: native first (our libtorch engine, then tfjs-node if the user has
 * it), then wasm, then pure JS.
 */
export const AUTO_ORDER: readonly BackendName[] = ['torch', 'tensorflow', 'wasm', 'cpu'];

// Installed as a dependency, the package's own scripts are not the user's: npm rebuilds it.
const INSTALLED_AS_DEPENDENCY = import.meta.url.includes('/node_modules/visiontune/');
const TORCH_ENABLE = `apt-get install -y libtorch-dev && ${
  INSTALLED_AS_DEPENDENCY ? 'npm rebuild visiontune' : 'npm run build:native'
}`;

const require = createRequire(import.meta.url);

function resolvable(pkg: string): string | undefined {
  try {
    return require.resolve(pkg);
  } catch {
    return undefined;
  }
}

/** Looks for backends without loading them (loading tfjs-node can be slow or crash on newer Node). */
export function probeBackends(): BackendAvailability[] {
  const tfjsNode = resolvable('@tensorflow/tfjs-node');
  const wasm = resolvable('@tensorflow/tfjs-backend-wasm');
  const torch = loadTorchAddon();
  return [
    torch.ok
      ? {
          name: 'torch',
          available: true,
          detail: 'libtorch engine (VISIONTUNE_DEBUG=kernels lists kernels that fall back to cpu)',
        }
      : { name: 'torch', available: false, detail: torch.reason, enable: TORCH_ENABLE },
    tfjsNode
      ? {
          name: 'tensorflow',
          available: true,
          detail: `@tensorflow/tfjs-node found at ${tfjsNode}`,
        }
      : {
          name: 'tensorflow',
          available: false,
          detail:
            '@tensorflow/tfjs-node is not installed (optional; its installer downloads libtensorflow)',
          enable: 'npm install @tensorflow/tfjs-node@4.22.0',
        },
    wasm
      ? {
          name: 'wasm',
          available: true,
          detail: 'WebAssembly SIMD build (single-threaded in Node)',
        }
      : {
          name: 'wasm',
          available: false,
          detail: '@tensorflow/tfjs-backend-wasm is missing',
          enable: 'npm install @tensorflow/tfjs-backend-wasm@4.22.0',
        },
    { name: 'cpu', available: true, detail: 'pure JavaScript, always available, slowest' },
  ];
}

/** Imports the package that registers a backend with tfjs. */
export async function loadBackendPackage(name: BackendName): Promise<void> {
  if (name === 'torch') registerTorchBackend();
  else if (name === 'tensorflow') await import('@tensorflow/tfjs-node' as string);
  else if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
}
