// Try a run's model in the page with visiontune/web: the bundle loads from the server's
// …/runs/<run>/bundle/ and runs here with TF.js (webgl where the browser has it, else cpu), on an
// uploaded image or the webcam. Images are decoded and preprocessed by visiontune/web itself (the
// same code as Node), never resized by a canvas, so the answer matches `visiontune predict`.
import * as tf from '@tensorflow/tfjs';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { DecodedImage } from '../../../src/data/types.js';
import type { Project } from '../../../src/studio/api-types.js';
import { decodeBlob, toDecodedImage } from '../../../src/web/image-input.js';
import { loadBundle, type WebBundle } from '../../../src/web/load-bundle.js';
import { runUrl } from '../api.js';
import { drawOutcome } from '../try-it/draw.js';
import { cssColor, score } from '../try-it/overlay.js';
import { type Outcome, predict } from '../try-it/predict.js';
import '../try-it/try-it.css';

/** Detections below this score are hidden at first (the slider shows them; none are dropped). */
const DEFAULT_MIN_SCORE = 0.3;
/** Rows listed beside the image; the drawing has every shown box. */
const MAX_ROWS = 20;

/** Webcam frames are predicted at most this often (ms); slower models just run back to back. */
const FRAME_MS = 200;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function TryItPage(props: { project: Project; run: string }) {
  const { project, run } = props;
  const [bundle, setBundle] = useState<WebBundle | undefined>();
  const [loadMs, setLoadMs] = useState<number | undefined>();
  const [backend, setBackend] = useState('');
  const [error, setError] = useState('');
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [inferMs, setInferMs] = useState<number | undefined>();
  const [webcam, setWebcam] = useState(false);
  const [minScore, setMinScore] = useState(DEFAULT_MIN_SCORE);
  const lastImage = useRef<DecodedImage | undefined>();
  const canvas = useRef<HTMLCanvasElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const camera = useRef<{ stream: MediaStream; timer?: number; live: boolean } | undefined>();

  useEffect(() => {
    let live = true;
    setBundle(undefined);
    setError('');
    const started = performance.now();
    (async () => {
      await tf.ready();
      const loaded = await loadBundle(`${runUrl(project.name, run)}/bundle/`);
      if (!live) return;
      setBackend(tf.getBackend());
      setLoadMs(performance.now() - started);
      setBundle(loaded);
    })().catch((err) => live && setError(`Could not load the model: ${message(err)}`));
    return () => {
      live = false;
    };
  }, [project.name, run]);

  useEffect(() => () => stopWebcam(), []);

  async function show(image: DecodedImage) {
    if (!bundle) return;
    const { outcome: result, ms } = await predict(bundle, image);
    lastImage.current = image;
    setOutcome(result);
    setInferMs(ms);
  }

  const shown = outcome && visible(outcome, minScore);
  // Drawn after each render, so a new prediction and a moved score slider both redraw.
  useEffect(() => {
    if (canvas.current && lastImage.current && shown)
      drawOutcome(canvas.current, lastImage.current, shown);
  });

  async function upload(file: File | undefined) {
    if (!file) return;
    stopWebcam();
    setError('');
    try {
      await show(await decodeBlob(file));
    } catch (err) {
      setError(`${file.name}: ${message(err)}`);
    }
  }

  async function startWebcam() {
    setError('');
    if (!navigator.mediaDevices?.getUserMedia) {
      setError('This browser gives no camera here (a camera needs https or localhost).');
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
      const cam: { stream: MediaStream; timer?: number; live: boolean } = { stream, live: true };
      camera.current = cam;
      setWebcam(true);
      const v = video.current!;
      v.srcObject = stream;
      await v.play();
      const tick = async () => {
        if (!cam.live) return;
        const started = performance.now();
        try {
          if (v.videoWidth > 0) await show(await toDecodedImage(v));
        } catch (err) {
          setError(message(err));
        }
        if (cam.live)
          cam.timer = window.setTimeout(
            tick,
            Math.max(0, FRAME_MS - (performance.now() - started)),
          );
      };
      void tick();
    } catch (err) {
      setError(`No camera: ${message(err)}`);
      stopWebcam();
    }
  }

  function stopWebcam() {
    const cam = camera.current;
    if (!cam) return;
    cam.live = false;
    clearTimeout(cam.timer);
    for (const track of cam.stream.getTracks()) track.stop();
    if (video.current) video.current.srcObject = null;
    camera.current = undefined;
    setWebcam(false);
  }

  return (
    <section class="tryit-page">
      <h2>
        Try run <code>{run}</code>
      </h2>
      <div class="tryit-bar">
        <label class="tryit-upload">
          Image{' '}
          <input
            type="file"
            accept="image/*"
            data-testid="tryit-upload"
            disabled={!bundle}
            onChange={(e) => void upload(e.currentTarget.files?.[0])}
          />
        </label>
        <button
          type="button"
          data-testid="tryit-webcam"
          disabled={!bundle}
          onClick={() => (webcam ? stopWebcam() : void startWebcam())}
        >
          {webcam ? 'Stop webcam' : 'Webcam'}
        </button>
        <span class="tryit-timing">
          {bundle
            ? `${bundle.meta.task} model, ${bundle.meta.labels.length} classes · loaded in ${Math.round(loadMs ?? 0)} ms · TF.js ${backend}`
            : error
              ? ''
              : 'Loading the model…'}
          {inferMs !== undefined && ` · inference ${Math.round(inferMs)} ms`}
        </span>
      </div>
      {error && <p class="tryit-error">{error}</p>}
      <div class="tryit-main">
        <div class="tryit-view">
          {/* The camera's frames play here unseen; the canvas shows each predicted frame. */}
          <video ref={video} muted playsInline class="tryit-video" />
          <canvas ref={canvas} class={outcome ? '' : 'hidden'} data-testid="tryit-canvas" />
          {!outcome && !webcam && <p class="tryit-empty">Choose an image or start the webcam.</p>}
        </div>
        {outcome && shown && bundle && (
          <div class="tryit-result">
            {outcome.task === 'detection' && (
              <label class="tryit-threshold">
                Min score
                <input
                  type="range"
                  min={0}
                  max={0.95}
                  step={0.05}
                  value={minScore}
                  data-testid="tryit-min-score"
                  onInput={(e) => setMinScore(Number(e.currentTarget.value))}
                />
                {score(minScore)} · {(shown.result as unknown[]).length} of {outcome.result.length}{' '}
                boxes
              </label>
            )}
            <Result outcome={shown} labels={bundle.meta.labels} />
          </div>
        )}
      </div>
    </section>
  );
}

/** The outcome as shown: detections at or above the slider's score. */
function visible(outcome: Outcome, minScore: number): Outcome {
  return outcome.task === 'detection'
    ? { task: 'detection', result: outcome.result.filter((d) => d.score >= minScore) }
    : outcome;
}

function Result(props: { outcome: Outcome; labels: string[] }) {
  const { outcome } = props;
  if (outcome.task === 'classification') {
    const [top] = outcome.result.top;
    return (
      <>
        <div class="tryit-top">
          <span data-testid="tryit-result">{top?.label}</span>{' '}
          <span class="tryit-score">{top && score(top.probability)}</span>
        </div>
        {outcome.result.top.map((s) => (
          <div class="tryit-row" key={s.label}>
            <span class="tryit-label">{s.label}</span>
            <span class="tryit-bar-track">
              <span class="tryit-bar-fill" style={{ width: `${s.probability * 100}%` }} />
            </span>
            <span class="tryit-score">{score(s.probability)}</span>
          </div>
        ))}
      </>
    );
  }
  if (outcome.task === 'detection') {
    const found = outcome.result;
    return (
      <>
        <div class="tryit-top" data-testid="tryit-result">
          {found.length} object{found.length === 1 ? '' : 's'}
        </div>
        {found.slice(0, MAX_ROWS).map((d, i) => (
          <div class="tryit-row" key={i}>
            <span class="tryit-swatch" style={{ background: cssColor(d.category) }} />
            <span class="tryit-label">{d.label}</span>
            <span class="tryit-score">{score(d.score)}</span>
          </div>
        ))}
        {found.length > MAX_ROWS && (
          <div class="tryit-more">and {found.length - MAX_ROWS} more in the drawing</div>
        )}
      </>
    );
  }
  const shares = Object.entries(outcome.result.classShares).sort((a, b) => b[1] - a[1]);
  const found = shares.filter(([name]) => props.labels.indexOf(name) !== 0).length;
  return (
    <>
      <div class="tryit-top" data-testid="tryit-result">
        {found} class{found === 1 ? '' : 'es'} found
      </div>
      {shares.map(([name, share]) => {
        const index = props.labels.indexOf(name);
        return (
          <div class="tryit-row" key={name}>
            <span
              class="tryit-swatch"
              style={{ background: index === 0 ? 'transparent' : cssColor(index) }}
            />
            <span class="tryit-label">{name}</span>
            <span class="tryit-score">{score(share)}</span>
          </div>
        );
      })}
    </>
  );
}
