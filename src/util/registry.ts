// Name -> entry tables that a library user can extend (backbones, adaptation methods, few-shot
// methods): the built-ins are rows like any other, and a configuration field names a row.
import { z } from 'zod';
import { opt } from '../config/options.js';
import { badUsage } from '../errors.js';

export class Registry<T> {
  private readonly entries = new Map<string, T>();

  /** `what` names an entry in errors, e.g. 'adaptation method'. */
  constructor(
    readonly what: string,
    builtIns: Iterable<[string, T]> = [],
  ) {
    for (const [name, entry] of builtIns) this.register(name, entry);
  }

  /** Adds `entry` under `name`; a taken name is an error unless `replace` is set. */
  register(name: string, entry: T, options: { replace?: boolean } = {}): void {
    if (!/^[a-z0-9][a-z0-9_.-]*$/i.test(name))
      throw badUsage(`${this.what} name '${name}': use letters, digits, '_', '.', '-'`);
    if (this.entries.has(name) && !options.replace)
      throw badUsage(`${this.what} '${name}' is already registered (pass replace: true)`);
    this.entries.set(name, entry);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  values(): T[] {
    return [...this.entries.values()];
  }

  get(name: string): T {
    const entry = this.entries.get(name);
    if (entry === undefined)
      throw badUsage(`unknown ${this.what} '${name}' (known: ${this.names().join(', ')})`);
    return entry;
  }

  /** A name that must be registered when the configuration resolves. */
  nameSchema() {
    return z.string().refine((n) => this.has(n), {
      error: (issue) => `unknown ${this.what} '${issue.input}' (known: ${this.names().join(', ')})`,
    });
  }

  /** A configuration field holding the name of an entry (checked when the config resolves). */
  nameField(description: string, defaultName: string) {
    return opt(this.nameSchema().default(defaultName), description, {
      choices: () => this.names(),
      arg: 'name',
    });
  }
}
