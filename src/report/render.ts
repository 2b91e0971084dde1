// Vega-lite spec -> standalone SVG string, headless (vega's 'none' renderer: no DOM, no canvas).
// The view gets a loader that refuses every load, so a spec that names a URL fails here rather
// than fetching at report time. Platform-free: runs in Node and in a browser.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A loader that records and refuses every load (vega reports a failed load but renders on). */
function offlineLoader(refused: string[]): vega.Loader {
  const loader = vega.loader();
  const refuse = async (uri: string): Promise<never> => {
    refused.push(uri);
    throw new Error(`refused to load ${uri}`);
  };
  loader.load = refuse;
  loader.http = refuse;
  loader.file = refuse;
  return loader;
}

const escapeAttr = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Renders one vega-lite spec to an SVG document string. The spec's `description` becomes the
 * root's `aria-label` (vega only does that in its DOM renderers), with `role="img"`.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { spec: vgSpec } = compile(spec);
  const refused: string[] = [];
  const view = new vega.View(vega.parse(vgSpec), {
    renderer: 'none',
    loader: offlineLoader(refused),
    logLevel: vega.None,
  });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  if (refused.length > 0) {
    throw new Error(
      `report charts must carry their data inline; refused to load ${refused.join(', ')}`,
    );
  }
  const label = typeof spec.description === 'string' ? spec.description : '';
  return label ? svg.replace(/^<svg /, `<svg role="img" aria-label="${escapeAttr(label)}" `) : svg;
}

/**
 * Makes an SVG safe to inline next to others in one HTML page: element ids (vega's clip paths
 * and legend gradients, numbered per view) get `prefix`, so two charts' `gradient_0` don't
 * resolve to the same element.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}-${id}"`);
}
