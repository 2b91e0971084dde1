// Encoded image bytes as a data: URL, so a page shows images without fetching anything.
// Platform-free: no Buffer, so this also runs in a browser.

function sniffImageType(bytes: Uint8Array): string {
  const at = (i: number, ...b: number[]) => b.every((x, k) => bytes[i + k] === x);
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  return 'image/png';
}

/** Base64 without Buffer, so this module also runs in a browser. */
export function toBase64(bytes: Uint8Array): string {
  const chunks: string[] = [];
  for (let i = 0; i < bytes.length; i += 0x8000) {
    chunks.push(String.fromCharCode(...bytes.subarray(i, i + 0x8000)));
  }
  return btoa(chunks.join(''));
}

export function dataUrl(bytes: Uint8Array): string {
  return `data:${sniffImageType(bytes)};base64,${toBase64(bytes)}`;
}
