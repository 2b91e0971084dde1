// The top bar: the studio's name (back to the projects) and, inside a project, its sections.
import type { StudioInfo } from '../../../src/studio/api-types.js';
import { href, type Route } from '../lib/route.js';

export function Header(props: { route: Route; info?: StudioInfo }) {
  const { route } = props;
  const project = 'project' in route ? route.project : undefined;
  const section =
    route.page === 'data' || route.page === 'label'
      ? 'data'
      : route.page === 'train'
        ? 'train'
        : route.page === 'runs' || route.page === 'run' || route.page === 'compare'
          ? 'runs'
          : undefined;
  const link = (name: 'data' | 'train' | 'runs', label: string, to: string) => (
    <a
      href={to}
      data-testid={`nav-${name}`}
      class={section === name ? 'active' : undefined}
      aria-current={section === name ? 'page' : undefined}
    >
      {label}
    </a>
  );
  return (
    <header class="topbar">
      <a class="brand" href={href.projects()}>
        visiontune <span>studio</span>
      </a>
      {project && (
        <>
          <span class="crumb">/</span>
          <a class="project-name" href={href.data(project)}>
            {project}
          </a>
          <nav>
            {link('data', 'Data', href.data(project))}
            {link('train', 'Train', href.train(project))}
            {link('runs', 'Runs', href.runs(project))}
          </nav>
        </>
      )}
      {props.info && (
        <span class="backend" title={`Projects folder: ${props.info.dir}`}>
          v{props.info.version} · {props.info.backend}
        </span>
      )}
    </header>
  );
}
