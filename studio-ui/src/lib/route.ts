// The studio's hash routes: every page has a URL (#/p/<project>/…), parsed here and built here so
// links and the router agree. Pure: no DOM, unit-tested from src/studio/ui-logic/.

export type RunTab = 'progress' | 'evaluate' | 'try' | 'export';
export const RUN_TABS: readonly RunTab[] = ['progress', 'evaluate', 'try', 'export'];

export type Route =
  | { page: 'projects' }
  | { page: 'data'; project: string }
  | { page: 'label'; project: string; imageId: string }
  | { page: 'train'; project: string }
  | { page: 'runs'; project: string }
  | { page: 'run'; project: string; run: string; tab: RunTab }
  | { page: 'compare'; project: string; a: string; b: string }
  | { page: 'missing'; hash: string };

const enc = encodeURIComponent;

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The route of a location hash (`#/p/shop/runs/r1`); unknown paths are `missing`. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '').replace(/^\/+/, '').replace(/\/+$/, '');
  if (raw === '') return { page: 'projects' };
  const parts = raw.split('/').map(decode);
  if (parts.some((p) => p === undefined || p === '')) return { page: 'missing', hash };
  const [p, project, section, ...rest] = parts as string[];
  if (p !== 'p' || !project) return { page: 'missing', hash };
  if (section === undefined && rest.length === 0) return { page: 'data', project };
  if (section === 'label' && rest.length === 1)
    return { page: 'label', project, imageId: rest[0]! };
  if (section === 'train' && rest.length === 0) return { page: 'train', project };
  if (section === 'runs' && rest.length === 0) return { page: 'runs', project };
  if (section === 'runs' && (rest.length === 1 || rest.length === 2)) {
    const tab = (rest[1] ?? 'progress') as RunTab;
    if (RUN_TABS.includes(tab)) return { page: 'run', project, run: rest[0]!, tab };
  }
  if (section === 'compare' && rest.length === 2)
    return { page: 'compare', project, a: rest[0]!, b: rest[1]! };
  return { page: 'missing', hash };
}

/** Links, each segment encoded (image ids contain '/'). */
export const href = {
  projects: () => '#/',
  data: (project: string) => `#/p/${enc(project)}`,
  label: (project: string, imageId: string) => `#/p/${enc(project)}/label/${enc(imageId)}`,
  train: (project: string) => `#/p/${enc(project)}/train`,
  runs: (project: string) => `#/p/${enc(project)}/runs`,
  run: (project: string, run: string, tab: RunTab = 'progress') =>
    `#/p/${enc(project)}/runs/${enc(run)}${tab === 'progress' ? '' : `/${tab}`}`,
  compare: (project: string, a: string, b: string) =>
    `#/p/${enc(project)}/compare/${enc(a)}/${enc(b)}`,
};
