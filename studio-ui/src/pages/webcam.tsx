// Webcam capture, as in Teachable Machine: hold the button and a frame is taken about every
// 100 ms, each sent as a JPEG to the chosen class. The camera stops when the panel closes.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AddImagesResult, Project, Split } from '../../../src/studio/api-types.js';
import { mergeResults, uploadImages } from '../components/data/upload.js';
import { ClassSelect, SplitSelect } from '../components/data/upload-panel.js';
import { UploadResult } from '../components/data/upload-result.js';
import { ErrorText } from '../components/messages.js';

const FRAME_MS = 100;
/** Frames larger than this are scaled down before upload (the models train far smaller). */
const MAX_SIDE = 640;

export function WebcamPanel(props: {
  project: Project;
  label: string;
  split: Split;
  onLabel(label: string): void;
  onSplit(split: Split): void;
  onUploaded(): void;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream>();
  const timer = useRef<number>();
  const queue = useRef<Blob[]>([]);
  const sending = useRef(false);
  const target = useRef({ label: props.label, split: props.split });
  target.current = { label: props.label, split: props.split };
  const [on, setOn] = useState(false);
  const [error, setError] = useState<unknown>();
  const [taken, setTaken] = useState(0);
  const [result, setResult] = useState<AddImagesResult>();

  const stopCamera = () => {
    stopBurst();
    for (const track of stream.current?.getTracks() ?? []) track.stop();
    stream.current = undefined;
    setOn(false);
  };
  useEffect(() => stopCamera, []);

  const start = async () => {
    setError(undefined);
    try {
      if (!navigator.mediaDevices?.getUserMedia)
        throw new Error('This browser gives no camera access here (it needs localhost or https).');
      stream.current = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
      if (video.current) {
        video.current.srcObject = stream.current;
        await video.current.play();
      }
      setOn(true);
    } catch (err) {
      setError(err);
    }
  };

  /** Sends what waits, a batch per request, one request at a time. */
  const drain = async () => {
    if (sending.current) return;
    sending.current = true;
    let added = 0;
    try {
      while (queue.current.length > 0) {
        const batch = queue.current.splice(0, 8);
        const { label, split } = target.current;
        try {
          const answer = await uploadImages(props.project.name, batch, split, label);
          setResult((r) => mergeResults(r, answer));
          added += answer.added.length;
        } catch (err) {
          setError(err);
        }
      }
    } finally {
      sending.current = false;
      // One refresh of counts and grid per burst, not one per frame.
      if (added > 0) props.onUploaded();
    }
    // A frame that came in as the loop ended would wait for the next one: send it now.
    if (queue.current.length > 0) void drain();
  };

  const grab = () => {
    const v = video.current;
    if (!v || v.videoWidth === 0) return;
    const k = Math.min(1, MAX_SIDE / Math.max(v.videoWidth, v.videoHeight));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(v.videoWidth * k);
    canvas.height = Math.round(v.videoHeight * k);
    canvas.getContext('2d')!.drawImage(v, 0, 0, canvas.width, canvas.height);
    canvas.toBlob(
      (blob) => {
        if (!blob) return;
        queue.current.push(blob);
        setTaken((n) => n + 1);
        void drain();
      },
      'image/jpeg',
      0.9,
    );
  };
  const startBurst = (e: PointerEvent) => {
    (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
    if (timer.current !== undefined) return;
    grab();
    timer.current = window.setInterval(grab, FRAME_MS);
  };
  function stopBurst() {
    if (timer.current !== undefined) clearInterval(timer.current);
    timer.current = undefined;
  }

  const classification = props.project.task === 'classification';
  return (
    <div class="webcam">
      <video ref={video} muted playsInline class={on ? '' : 'hidden'} />
      <div class="upload-fields">
        {classification && (
          <div class="labelled">
            Class
            <ClassSelect project={props.project} value={props.label} onChange={props.onLabel} />
          </div>
        )}
        <div class="labelled">
          Goes to
          <SplitSelect value={props.split} onChange={props.onSplit} />
        </div>
      </div>
      {!on ? (
        <button type="button" data-testid="webcam-start" onClick={start}>
          Turn on the camera
        </button>
      ) : (
        <div class="webcam-actions">
          <button
            type="button"
            class="primary hold"
            data-testid="webcam-hold"
            disabled={classification && !props.label}
            onPointerDown={startBurst}
            onPointerUp={stopBurst}
            onPointerCancel={stopBurst}
            onPointerLeave={stopBurst}
            onKeyDown={(e) => {
              if ((e.key === ' ' || e.key === 'Enter') && timer.current === undefined) {
                grab();
                timer.current = window.setInterval(grab, FRAME_MS);
              }
            }}
            onKeyUp={stopBurst}
          >
            Hold to record{classification && props.label ? ` “${props.label}”` : ''}
          </button>
          <button type="button" class="ghost" onClick={stopCamera}>
            Turn off
          </button>
          <span class="muted">{taken} frames taken</span>
        </div>
      )}
      <ErrorText error={error} />
      <UploadResult result={result} />
    </div>
  );
}
