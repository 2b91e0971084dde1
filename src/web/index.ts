// Placeholder for `visiontune/web`, the browser runtime (issue 22, part 2): the package's
// exports map points "./web" here; the browser runtime replaces this file.
export { version as VERSION } from '../version.js';
