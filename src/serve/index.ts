// The inference server's public surface.
export { type CreateServerOptions, createServer, type VisiontuneServer } from './app.js';
export { createBatcher, QueueFullError } from './batcher.js';
export {
  isLoopback,
  type ServeOptions,
  type ServeOptionsInput,
  serveOptionsSchema,
} from './options.js';
