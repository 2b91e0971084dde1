// Which engine runs frozen forward passes (embeddings, a fine-tune's frozen prefix, predict and
// eval): ONNX Runtime on an in-memory export, or TF.js. One process-wide choice, as the TF.js
// backend is: the CLI sets it from --engine once (cli/common.ts), and every frozen pass reads it,
// so no command decides on its own. A library user calls setFrozenEngine, or passes `engine`.

/** auto: ONNX Runtime where onnxruntime-node is installed and the model exports, else TF.js. */
export const ENGINE_CHOICES = ['auto', 'onnx', 'tfjs'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

export interface FrozenEngineSettings {
  engine: EngineChoice;
  /** ONNX Runtime's intra-op threads (the TF.js engine's setting); unset: ONNX Runtime picks. */
  threads?: number;
  /** Where the one line saying why auto fell back to TF.js goes; default console.warn. */
  log: (line: string) => void;
}

const DEFAULTS: FrozenEngineSettings = {
  engine: 'auto',
  log: (line) => console.warn(`visiontune: ${line}`),
};

let settings: FrozenEngineSettings = { ...DEFAULTS };

/** Sets the fields given; the others keep their value. `undefined` resets a field's default. */
export function setFrozenEngine(update: Partial<FrozenEngineSettings>): void {
  const next = { ...settings };
  for (const [key, value] of Object.entries(update) as [keyof FrozenEngineSettings, never][])
    next[key] = value ?? (DEFAULTS[key] as never);
  settings = next;
}

export function frozenEngine(): Readonly<FrozenEngineSettings> {
  return settings;
}
