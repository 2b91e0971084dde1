// How numbers and times read in the studio: metrics as percentages where they are shares, sizes
// in kB/MB, durations in s/min. Pure.

/** Metrics that are shares in [0, 1] and read better as percentages. */
const SHARE = /accuracy|f1|precision|recall|iou|ap|map|dice/i;

export function formatMetric(name: string, value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (SHARE.test(name) && value >= 0 && value <= 1) return `${(value * 100).toFixed(1)}%`;
  return Number(value.toPrecision(4)).toString();
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDuration(ms: number): string {
  if (!(ms >= 0)) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Start to end (or to now while it runs). */
export function runDuration(startedAt?: string, endedAt?: string, now = Date.now()): string {
  if (!startedAt) return '';
  const end = endedAt ? Date.parse(endedAt) : now;
  return formatDuration(end - Date.parse(startedAt));
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** The headline metric names, most telling first, of those a run has. */
export function headlineMetrics(metrics: Record<string, number> | undefined): string[] {
  if (!metrics) return [];
  const order = ['accuracy', 'macroF1', 'mAP', 'AP', 'AP50', 'mIoU', 'pixelAccuracy'];
  const keys = Object.keys(metrics);
  return [...order.filter((k) => keys.includes(k)), ...keys.filter((k) => !order.includes(k))];
}
