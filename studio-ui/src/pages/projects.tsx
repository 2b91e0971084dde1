// The projects page (#/): every project folder of the studio with its task, images and runs, and
// the form that creates one.
import { useState } from 'preact/hooks';
import type {
  CreateProject,
  Project,
  ProjectSummary,
  Task,
} from '../../../src/studio/api-types.js';
import { get, post } from '../api.js';
import { navigate, useAction, useLoad } from '../components/hooks.js';
import { ErrorText, Hint, Loading } from '../components/messages.js';
import { formatDate } from '../lib/format.js';
import { href } from '../lib/route.js';

const TASKS: { task: Task; title: string; hint: string }[] = [
  { task: 'classification', title: 'Classification', hint: 'one label per photo (cat or dog?)' },
  { task: 'detection', title: 'Detection', hint: 'boxes around objects in a photo' },
  { task: 'segmentation', title: 'Segmentation', hint: 'colour every pixel by class' },
];

export function ProjectsPage() {
  const list = useLoad(() => get<ProjectSummary[]>('/api/projects'), []);
  return (
    <section class="page">
      <h1>Projects</h1>
      <p class="lead">
        A project is a folder of labelled images and the models trained on them. Start by creating
        one, then add photos.
      </p>
      <div class="two-col">
        <div>
          {list.error !== undefined && <ErrorText error={list.error} />}
          {!list.data && list.loading && <Loading />}
          {list.data && list.data.length === 0 && (
            <p class="muted">No projects yet: create the first one.</p>
          )}
          {list.data && list.data.length > 0 && (
            <ul class="cards">
              {list.data.map((p) => (
                <li key={p.name}>
                  <a class="card" href={href.data(p.name)} data-testid={`project-${p.name}`}>
                    <strong>{p.name}</strong>
                    <span class={`tag task-${p.task}`}>{p.task}</span>
                    <span class="muted">
                      {p.images} images · {p.runs} runs · created {formatDate(p.createdAt)}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          )}
        </div>
        <NewProject />
      </div>
    </section>
  );
}

function NewProject() {
  const [name, setName] = useState('');
  const [task, setTask] = useState<Task>('classification');
  const [classes, setClasses] = useState('');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: CreateProject = {
      name: name.trim(),
      task,
      classes: classes
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    };
    const made = await action.run(() => post<Project>('/api/projects', body));
    if (made) navigate(href.data(made.name));
  };
  return (
    <form class="panel" onSubmit={submit}>
      <h2>New project</h2>
      <label>
        Name
        <input
          data-testid="new-project-name"
          value={name}
          placeholder="e.g. mugs"
          onInput={(e) => setName(e.currentTarget.value)}
          required
        />
      </label>
      <Hint>Letters, digits, dot, dash or underscore: it becomes a folder name.</Hint>
      <label>
        What should the model do?
        <select
          data-testid="new-project-task"
          value={task}
          onChange={(e) => setTask(e.currentTarget.value as Task)}
        >
          {TASKS.map((t) => (
            <option key={t.task} value={t.task}>
              {t.title} — {t.hint}
            </option>
          ))}
        </select>
      </label>
      <label>
        {task === 'classification' ? 'Classes' : 'Object classes'}
        <input
          data-testid="new-project-classes"
          value={classes}
          placeholder="e.g. red, blue, green"
          onInput={(e) => setClasses(e.currentTarget.value)}
        />
      </label>
      <Hint>Separated by commas; you can add more later.</Hint>
      <button type="submit" class="primary" data-testid="create-project" disabled={action.busy}>
        {action.busy ? 'Creating…' : 'Create project'}
      </button>
      <ErrorText error={action.error} />
    </form>
  );
}
