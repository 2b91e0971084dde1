// What SGD and AdamW share: owning the variables of their parameter groups, checking gradients
// against them, and keeping per-variable slots (tensors such as momentum buffers, and integer
// counters such as Adam's per-parameter step).
// In memory, slots follow the variable (keyed by its core name), so `setGroups` after unfreezing
// keeps the state of variables that stay. Serialized, slots are keyed by *position* in the
// groups' variable order, `${index}:${label}/${slotName}` (label = the weight's name, for people
// only): a model rebuilt in the same process gets renamed variables (`conv/kernel_1`), so names
// cannot be the key, just as checkpoints restore model weights by position with shape checks.
// Counters are stored as shape-[] slots (exact in float32 up to 2^24 steps).
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../../errors.js';
import {
  type AnyVariable,
  coreVariable,
  type Grads,
  type GroupOptimizer,
  gradEntries,
  isLayerVariable,
  type OptimizerState,
  type ParamGroup,
} from './types.js';

export interface OwnedVariable {
  name: string;
  variable: tf.Variable;
  /** originalName of a layer weight, else the variable name: for messages and state keys. */
  label: string;
  group: ParamGroup;
  /** Writes a new value: through the LayerVariable when there is one, so its constraint applies. */
  write(value: tf.Tensor): void;
}

function ownedVariable(v: AnyVariable, group: ParamGroup): OwnedVariable {
  const variable = coreVariable(v);
  const write = isLayerVariable(v)
    ? (t: tf.Tensor) => {
        v.write(t);
      }
    : (t: tf.Tensor) => {
        variable.assign(t);
      };
  const label = isLayerVariable(v) ? v.originalName : variable.name;
  return { name: variable.name, label, variable, group, write };
}

export function checkNumber(
  value: number,
  field: string,
  min = 0,
  max = Number.POSITIVE_INFINITY,
): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw badInput(`optimizer: ${field} must be a number in [${min}, ${max}], got ${value}`);
  }
}

export abstract class BaseGroupOptimizer implements GroupOptimizer {
  abstract readonly kind: string;
  private groupList: readonly ParamGroup[] = [];
  private ownedList: OwnedVariable[] = [];
  private readonly owned = new Map<string, OwnedVariable>();
  /** Keyed `${coreVariableName}/${slotName}`. */
  private readonly tensorSlots = new Map<string, tf.Variable>();
  private readonly counters = new Map<string, number>();
  private steps = 0;

  constructor(
    groups: readonly ParamGroup[],
    /** Names of the tensor slots a variable may have (shape = the variable's). */
    private readonly tensorSlotNames: readonly string[],
    /** Names of the integer counters a variable may have. */
    private readonly counterNames: readonly string[] = [],
  ) {
    this.setGroups(groups);
  }

  get groups(): readonly ParamGroup[] {
    return this.groupList;
  }

  /**
   * Replaces the groups (e.g. after unfreezing layers, or to change a group's lrMult). State of
   * variables still present is kept; state of variables no longer present is dropped.
   */
  setGroups(groups: readonly ParamGroup[]): void {
    const list: OwnedVariable[] = [];
    const byName = new Map<string, OwnedVariable>();
    for (const group of groups) {
      checkNumber(group.lrMult, `group ${group.name}: lrMult`);
      checkNumber(group.weightDecay, `group ${group.name}: weightDecay`);
      for (const v of group.variables) {
        const o = ownedVariable(v, group);
        const prior = byName.get(o.name);
        if (prior) {
          throw badInput(
            `optimizer: variable ${o.label} is in groups ${prior.group.name} and ${group.name}`,
          );
        }
        if (o.variable.dtype !== 'float32') {
          throw badInput(`optimizer: variable ${o.label} is ${o.variable.dtype}, not float32`);
        }
        byName.set(o.name, o);
        list.push(o);
      }
    }
    const owner = (key: string) => key.slice(0, key.lastIndexOf('/'));
    for (const [key, v] of this.tensorSlots) {
      if (!byName.has(owner(key))) {
        v.dispose();
        this.tensorSlots.delete(key);
      }
    }
    for (const key of this.counters.keys()) {
      if (!byName.has(owner(key))) this.counters.delete(key);
    }
    this.groupList = groups;
    this.ownedList = list;
    this.owned.clear();
    for (const [name, o] of byName) this.owned.set(name, o);
  }

  get stepCount(): number {
    return this.steps;
  }

  variables(): tf.Variable[] {
    return this.ownedList.map((o) => o.variable);
  }

  step(grads: Grads, baseLr: number): void {
    checkNumber(baseLr, 'baseLr');
    // Check everything before touching anything, so a bad call leaves no half-applied step.
    const work: [OwnedVariable, tf.Tensor][] = [];
    for (const [name, grad] of gradEntries(grads)) {
      if (grad == null) continue;
      const o = this.owned.get(name);
      if (!o) throw new Error(`optimizer: gradient for ${name}, which is in no parameter group`);
      if (!tf.util.arraysEqual(grad.shape, o.variable.shape)) {
        throw new Error(
          `optimizer: gradient for ${o.label} has shape [${grad.shape}], variable has [${o.variable.shape}]`,
        );
      }
      work.push([o, grad]);
    }
    for (const [o, grad] of work) {
      this.update(o, grad, baseLr * o.group.lrMult, o.group.weightDecay);
    }
    this.steps++;
  }

  /** Applies one update to one variable; runs outside any tidy (subclasses open their own). */
  protected abstract update(o: OwnedVariable, grad: tf.Tensor, lr: number, wd: number): void;

  protected slot(o: OwnedVariable, slotName: string): tf.Variable | undefined {
    return this.tensorSlots.get(`${o.name}/${slotName}`);
  }

  /** Stores `value` as the slot (the slot keeps its own reference; callers may dispose theirs). */
  protected setSlot(o: OwnedVariable, slotName: string, value: tf.Tensor): void {
    const key = `${o.name}/${slotName}`;
    const existing = this.tensorSlots.get(key);
    if (existing) existing.assign(value);
    else this.tensorSlots.set(key, tf.variable(value, false));
  }

  protected counter(o: OwnedVariable, counterName: string): number {
    return this.counters.get(`${o.name}/${counterName}`) ?? 0;
  }

  protected setCounter(o: OwnedVariable, counterName: string, value: number): void {
    this.counters.set(`${o.name}/${counterName}`, value);
  }

  async getState(): Promise<OptimizerState> {
    const slots: OptimizerState['slots'] = {};
    for (const [i, o] of this.ownedList.entries()) {
      const prefix = `${i}:${o.label}`;
      for (const slotName of this.tensorSlotNames) {
        const v = this.tensorSlots.get(`${o.name}/${slotName}`);
        if (!v) continue;
        // Copy: a backend may hand out its own buffer, which a later step could reuse.
        const values = new Float32Array(await v.data<'float32'>());
        slots[`${prefix}/${slotName}`] = { shape: [...v.shape], values };
      }
      for (const counterName of this.counterNames) {
        const n = this.counters.get(`${o.name}/${counterName}`);
        if (n !== undefined)
          slots[`${prefix}/${counterName}`] = { shape: [], values: Float32Array.of(n) };
      }
    }
    return { kind: this.kind, step: this.steps, slots };
  }

  setState(state: OptimizerState): void {
    const origin = `optimizer state (${state.kind})`;
    if (state.kind !== this.kind) {
      throw badInput(`${origin}: saved by a ${state.kind} optimizer, this one is ${this.kind}`);
    }
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw badInput(`${origin}: step must be a non-negative integer, got ${state.step}`);
    }
    // Validate everything first, so a bad state leaves the optimizer as it was.
    const tensors: [string, { shape: number[]; values: Float32Array }][] = [];
    const counters: [string, number][] = [];
    for (const [key, slot] of Object.entries(state.slots)) {
      const colon = key.indexOf(':');
      const index = Number(key.slice(0, colon));
      const slotName = key.slice(key.lastIndexOf('/') + 1);
      const o = colon > 0 && Number.isInteger(index) ? this.ownedList[index] : undefined;
      if (!o) {
        throw badInput(
          `${origin}: slot ${key} belongs to no variable here (the groups hold ${this.ownedList.length})`,
        );
      }
      const size = slot.shape.reduce((n, d) => n * d, 1);
      if (slot.values.length !== size) {
        throw badInput(
          `${origin}: slot ${key} has ${slot.values.length} values for [${slot.shape}]`,
        );
      }
      if (this.tensorSlotNames.includes(slotName)) {
        if (!tf.util.arraysEqual(slot.shape, o.variable.shape)) {
          throw badInput(
            `${origin}: slot ${key} has shape [${slot.shape}], variable ${index} (${o.label}) has [${o.variable.shape}]`,
          );
        }
        tensors.push([`${o.name}/${slotName}`, slot]);
      } else if (this.counterNames.includes(slotName) && slot.shape.length === 0) {
        const n = slot.values[0];
        if (!Number.isInteger(n) || n < 0) throw badInput(`${origin}: counter ${key} is ${n}`);
        counters.push([`${o.name}/${slotName}`, n]);
      } else {
        throw badInput(`${origin}: unknown slot ${key}`);
      }
    }
    this.disposeSlots();
    for (const [key, slot] of tensors) {
      // Copy the values: tf.tensor may keep the caller's array as its buffer.
      const t = tf.tensor(new Float32Array(slot.values), slot.shape, 'float32');
      this.tensorSlots.set(key, tf.variable(t, false));
      t.dispose();
    }
    for (const [key, n] of counters) this.counters.set(key, n);
    this.steps = state.step;
  }

  private disposeSlots(): void {
    for (const v of this.tensorSlots.values()) v.dispose();
    this.tensorSlots.clear();
    this.counters.clear();
  }

  dispose(): void {
    this.disposeSlots();
  }
}
