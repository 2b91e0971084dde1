// Process-wide settings for a process that serves (the CLI's `serve`, and the load bench's
// in-process reference, so both run the same way). Not applied by createServer: an embedding
// application owns its process.
import sharp from 'sharp';

/** One libvips thread per image: a server decodes many images at once (libuv's pool runs them
 * side by side), and per-image threads only fought the forward pass for the cores. */
export function tuneProcessForServing(): void {
  sharp.concurrency(1);
}
