// Optional peer packages (the demo datasets, ONNX Runtime): a library user installs them only for
// the feature that needs them. Found at first use; when one is missing, a VisiontuneError names
// the package to install instead of Node's module-not-found crash.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { badInput, type VisiontuneError } from '../errors.js';

/** The optional peer dependencies in package.json (peerDependenciesMeta: optional). */
export const OPTIONAL_PACKAGES = ['fashion-mnist', 'mnist', 'onnxruntime-node'] as const;
export type OptionalPackage = (typeof OPTIONAL_PACKAGES)[number];

const require = createRequire(import.meta.url);

/** `feature` completes "… needs the package": e.g. "Built-in dataset 'mnist'". */
export function missingPackage(name: OptionalPackage, feature: string): VisiontuneError {
  return badInput(
    `${feature} needs the optional package ${name}, which is not installed (npm install ${name})`,
  );
}

/** Node's "cannot find this package" (not: the package is there but one of its files failed). */
function isNotFound(err: unknown, name: string): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(`'${name}`)
  );
}

/** The package's module, imported on first use. */
export async function loadOptional<M>(name: OptionalPackage, feature: string): Promise<M> {
  try {
    return (await import(name)) as M;
  } catch (err) {
    throw isNotFound(err, name) ? missingPackage(name, feature) : err;
  }
}

/** The folder the package is installed in, for packages that are data files rather than code. */
export function optionalPackageDir(name: OptionalPackage, feature: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch (err) {
    throw isNotFound(err, name) ? missingPackage(name, feature) : err;
  }
}
