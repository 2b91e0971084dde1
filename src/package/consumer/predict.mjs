// A library user's plain Node ESM script (no TypeScript, no loader), run by
// pack-install.e2e.test.ts inside a project that installed the packed tarball: classifies the
// images named after the bundle, and reports what a missing optional peer package says.
import { loadBundle, openFiles, openSource, predictSamples, VisiontuneError } from 'visiontune';

const [bundleDir, ...images] = process.argv.slice(2);
const bundle = await loadBundle(bundleDir);
const photos = await openFiles(images);
const predictions = await predictSamples(bundle, photos, photos.splits.test ?? [], { topK: 3 });

let missingPeer = null;
try {
  await openSource('fashion-mnist');
} catch (err) {
  if (!(err instanceof VisiontuneError)) throw err;
  missingPeer = err.message;
}
console.log(JSON.stringify({ predictions, missingPeer }));
