// The studio's frontend entry: mounts the app (placeholder until the pages land).
import { render } from 'preact';
import './style.css';

function App() {
  return <h1>visiontune studio</h1>;
}

render(<App />, document.getElementById('app')!);
