// The few options that tell runs apart in a list (backbone, strategy, epochs, …), picked from a
// run's configuration. Pure.

export const KEY_OPTIONS = [
  'backbone',
  'strategy',
  'method',
  'epochs',
  'imageSize',
  'learningRate',
  'batchSize',
] as const;

/** `name value` pairs of the key options the config has, in KEY_OPTIONS order. */
export function keyOptions(config: Record<string, unknown> | undefined): [string, string][] {
  if (!config) return [];
  return KEY_OPTIONS.filter((k) => config[k] !== undefined && config[k] !== null).map((k) => [
    k,
    typeof config[k] === 'object' ? JSON.stringify(config[k]) : String(config[k]),
  ]);
}
