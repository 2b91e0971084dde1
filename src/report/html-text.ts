// Text that goes into HTML: escaping and the JSON dump of a config.

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON with 2-space indent that survives cycles, bigints and undefined (as the log would). */
export function prettyJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return (
    JSON.stringify(
      value,
      (_key, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (typeof v === 'function' || typeof v === 'symbol') return undefined;
        if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
          return Array.from(v as unknown as ArrayLike<number>);
        }
        if (v !== null && typeof v === 'object') {
          if (seen.has(v)) return '[circular]';
          seen.add(v);
        }
        return v;
      },
      2,
    ) ?? 'null'
  );
}
