// The studio's frontend entry: mounts the app shell (components/app.tsx) into index.html's #app.
import { render } from 'preact';
import { App } from './components/app.js';
import './style.css';

render(<App />, document.getElementById('app')!);
