// Number and name formatting shared by the HTML report and the Markdown model card.

/** `macroF1` -> `macro F1`, `balancedAccuracy` -> `balanced accuracy`, `ece` -> `ECE`. */
export function metricName(key: string): string {
  const acronyms: Record<string, string> = { ece: 'ECE', auc: 'AUC', map: 'mAP', iou: 'IoU' };
  return key
    .replace(/([a-z])([A-Z0-9])/g, '$1 $2')
    .split(' ')
    .map((w) => acronyms[w.toLowerCase()] ?? (/^[A-Z]\d*$/.test(w) ? w : w.toLowerCase()))
    .join(' ');
}

/** Fractions as percentages (easier to compare at a glance); losses and counts as they are. */
export function formatMetric(key: string, value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (/loss/i.test(key) || value < 0 || value > 1) {
    return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  }
  return `${(value * 100).toFixed(1)}%`;
}
