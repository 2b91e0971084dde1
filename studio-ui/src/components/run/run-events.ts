// A run's live state from its event stream (GET …/runs/<run>/events, server-sent events with one
// RunEvent as JSON per message): status, progress, log lines, epoch records, batch losses.
import { useEffect, useState } from 'preact/hooks';
import type { RunEvent } from '../../../../src/studio/api-types.js';
import { runUrl } from '../../api.js';
import { apply, emptyLiveRun, type LiveRun } from '../../lib/live-run.js';

/** Follows the run's events while `follow` holds; `onDone` when the run ends. */
export function useRunEvents(
  project: string,
  run: string,
  follow: boolean,
  onDone: () => void,
): LiveRun {
  const [live, setLive] = useState<LiveRun>(emptyLiveRun);
  useEffect(() => {
    if (!follow) return;
    // A resumed run starts a fresh stream: the old one's last status no longer holds.
    setLive(emptyLiveRun());
    const source = new EventSource(`${runUrl(project, run)}/events`);
    source.onopen = () => setLive((l) => ({ ...l, connected: true }));
    source.onerror = () => setLive((l) => ({ ...l, connected: false }));
    source.onmessage = (message) => {
      let event: RunEvent;
      try {
        event = JSON.parse(message.data) as RunEvent;
      } catch {
        return;
      }
      setLive((l) => apply(l, event));
      if (event.type === 'done') {
        source.close();
        onDone();
      }
    };
    return () => source.close();
  }, [project, run, follow]);
  return live;
}
