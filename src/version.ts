// The package version, read once from package.json so bundles record what wrote them.
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
export const version: string = pkg.version;
