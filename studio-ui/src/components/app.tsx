// The app shell: the header with the project's navigation, the hash router and the current
// project (loaded once per project and reloaded by pages after they change it).
import type { Project, StudioInfo } from '../../../src/studio/api-types.js';
import { get, projectUrl } from '../api.js';
import { parseHash, type Route } from '../lib/route.js';
import { ComparePage } from '../pages/compare.js';
import { DataPage } from '../pages/data.js';
import { EvaluatePage } from '../pages/evaluate.js';
import { ExportPage } from '../pages/export.js';
import { LabelPage } from '../pages/label.js';
import { ProjectsPage } from '../pages/projects.js';
import { RunPage } from '../pages/run.js';
import { RunsPage } from '../pages/runs.js';
import { TrainPage } from '../pages/train.js';
import { TryItPage } from '../pages/try-it.js';
import { Header } from './header.js';
import { useHash, useLoad } from './hooks.js';
import { ErrorText, Loading } from './messages.js';

export function App() {
  const route = parseHash(useHash());
  const project = 'project' in route ? route.project : undefined;
  const info = useLoad(() => get<StudioInfo>('/api/info'), []);
  return (
    <>
      <Header route={route} info={info.data} />
      <main>
        {project === undefined ? (
          route.page === 'projects' ? (
            <ProjectsPage />
          ) : (
            <NotFound />
          )
        ) : (
          <ProjectRoutes key={project} name={project} route={route} info={info.data} />
        )}
      </main>
    </>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <a href="#/">Back to the projects</a>
      </p>
    </section>
  );
}

function ProjectRoutes(props: { name: string; route: Route; info?: StudioInfo }) {
  const loaded = useLoad(() => get<Project>(projectUrl(props.name)), [props.name]);
  const { route } = props;
  if (!loaded.data)
    return loaded.error ? <ErrorText error={loaded.error} /> : <Loading what="the project" />;
  const project = loaded.data;
  const reload = loaded.reload;
  switch (route.page) {
    case 'data':
      return <DataPage project={project} reload={reload} />;
    case 'label':
      return (
        <LabelPage
          project={project}
          imageId={route.imageId}
          onDone={() => {
            void reload();
            location.hash = `#/p/${encodeURIComponent(project.name)}`;
          }}
        />
      );
    case 'train':
      return <TrainPage project={project} info={props.info} />;
    case 'runs':
      return <RunsPage project={project} />;
    case 'run':
      return (
        <RunPage project={project} run={route.run} tab={route.tab}>
          {route.tab === 'evaluate' && <EvaluatePage project={project} run={route.run} />}
          {route.tab === 'try' && <TryItPage project={project} run={route.run} />}
          {route.tab === 'export' && (
            <ExportPage project={project} run={route.run} info={props.info} />
          )}
        </RunPage>
      );
    case 'compare':
      return <ComparePage project={project} a={route.a} b={route.b} />;
    default:
      return <NotFound />;
  }
}
