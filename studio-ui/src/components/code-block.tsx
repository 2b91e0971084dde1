// A block of code or command lines with a copy button (clipboard, with a fallback for pages
// served over plain http on another host, where navigator.clipboard is missing).
import { useState } from 'preact/hooks';

async function copy(text: string) {
  if (navigator.clipboard) return navigator.clipboard.writeText(text);
  const area = document.createElement('textarea');
  area.value = text;
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

export function CodeBlock(props: { code: string; testid?: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="code-block">
      {props.label && <div class="code-label">{props.label}</div>}
      <pre data-testid={props.testid}>{props.code}</pre>
      <button
        type="button"
        class="small copy"
        onClick={async () => {
          await copy(props.code).catch(() => {});
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
