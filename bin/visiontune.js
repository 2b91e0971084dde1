#!/usr/bin/env node
// The `visiontune` command: runs the compiled CLI (dist/, made by `npm run build`, which
// `npm install` runs in a clone). Plain Node: no TypeScript loader at run time.
try {
  await import('../dist/cli/main.js');
} catch (err) {
  // Only a clone that was never built lacks dist/; anything else is the CLI's own error.
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli/main.js')) {
    throw err;
  }
  console.error('visiontune: dist/ is missing; run `npm run build` in this folder first');
  process.exitCode = 1;
}
