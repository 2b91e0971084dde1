// Configuration layers merged in precedence order: later layers win, and an undefined value never
// overrides (a flag the user did not pass leaves the config file's value alone).
export function mergeLayers(
  ...layers: (Record<string, unknown> | undefined)[]
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {}))
      if (value !== undefined) merged[key] = value;
  }
  return merged;
}
